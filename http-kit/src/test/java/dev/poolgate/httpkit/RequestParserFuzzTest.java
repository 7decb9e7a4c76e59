package dev.poolgate.httpkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A seeded fuzzer of the request parser: valid requests (plain, with content-length, chunked with
 * extensions and trailers), mutated at random in their head and framing, each followed on the
 * same connection by a canary request and a half-close. The server must never answer 5xx, never
 * hang (every connection ends within the read timeout), answer every error of its own with JSON
 * and {@code connection: close} as the last thing on the connection, and answer only requests
 * that were sent: an unmutated case gets exactly its own answer and then the canary's.
 *
 * <p>{@value #DEFAULT_CASES} cases per run; the system property {@code httpkit.fuzz.cases} asks for
 * more, {@code httpkit.fuzz.seed} replays a seed (printed on failure).
 */
@Timeout(600)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestParserFuzzTest {

    static final int DEFAULT_CASES = 3000;
    private static final String CANARY = "GET /canary HTTP/1.1\r\nHost: fuzz\r\n\r\n";
    private static final String[] INTERESTING = {"\r", "\n", "\r\n", " ", "\t", ":", "\u0000", "\u007f", "\u00ff",
            "0", "f", "F", "-", "+", ",", ";", "\"", "\u000b", "\r\n\r\n", "\r\n "};
    private static final String[] FRAMING = {"Content-Length: 5", "Content-Length: +5", "Content-Length: 5, 5",
            "Content-Length: 05", "Content-Length: -5", "Content-Length: 99999999999999999999",
            "Transfer-Encoding: chunked", "Transfer-Encoding: chunked, chunked", "Transfer-Encoding: identity",
            "Transfer-Encoding : chunked", "Transfer-encoding: CHUNKED", "Content-Length:5", "Content-Length: 0",
            "Expect: 100-continue", "Connection: close", "Host: other", "Transfer-Encoding:\tchunked"};

    private EchoServer echo;

    @BeforeAll
    void start() {
        echo = new EchoServer(ServerOptions.DEFAULTS.withIdleTimeout(Duration.ofSeconds(5)));
    }

    @AfterAll
    void stop() {
        echo.close();
    }

    /** One generated case. */
    private record Case(String description, byte[] bytes, boolean mutated) {
    }

    @Test
    void noRequestGetsA5xxOrDesyncsOrHangsTheServer() throws IOException {
        long seed = Long.getLong("httpkit.fuzz.seed", System.nanoTime());
        int cases = Integer.getInteger("httpkit.fuzz.cases", DEFAULT_CASES);
        Random random = new Random(seed);
        for (int i = 0; i < cases; i++) {
            Case fuzzCase = generate(random, i);
            String problem = judge(fuzzCase);
            if (problem != null) {
                fail("seed " + seed + ", case " + i + " (" + fuzzCase.description + "): " + problem + "\nrequest: "
                        + printable(fuzzCase.bytes));
            }
        }
    }

    private String judge(Case fuzzCase) throws IOException {
        List<RawClient.Response> responses;
        try (RawClient client = new RawClient(echo.port(), Duration.ofSeconds(10))) {
            try {
                client.write(fuzzCase.bytes);
                client.write(CANARY);
                client.halfClose();
            } catch (IOException e) {
                // The server refused and closed early: what it answered is read below.
            }
            try {
                responses = client.readAll();
            } catch (java.net.SocketTimeoutException e) {
                return "the server neither answered nor closed within 10 s (a hang)";
            } catch (IOException e) {
                return "a response that does not parse: " + e.getMessage();
            }
        }
        for (int i = 0; i < responses.size(); i++) {
            RawClient.Response response = responses.get(i);
            if (response.status() >= 500) {
                return "a " + response.status() + ": " + response;
            }
            if (response.status() == 200) {
                String answer = response.body();
                String requestLine = answer.substring(0, answer.lastIndexOf(' '));
                String sent = new String(fuzzCase.bytes, java.nio.charset.StandardCharsets.ISO_8859_1) + CANARY;
                if (!sent.contains(requestLine + " HTTP/1.")) {
                    return "answered a request that was never sent (" + answer + "): a desync";
                }
                continue;
            }
            if (!String.valueOf(response.header("content-type")).startsWith("application/json")
                    || !response.body().startsWith("{\"type\":\"error\"")) {
                return "an error that is not an Anthropic JSON error: " + response;
            }
            if (response.body().contains("Exception")) {
                return "an error naming an exception: " + response;
            }
            if (response.status() == 400 && !"close".equals(response.header("connection"))) {
                return "a 400 that leaves the connection open: " + response;
            }
            if ("close".equals(response.header("connection")) && i != responses.size() - 1) {
                return "answers after connection: close: " + responses;
            }
        }
        if (!fuzzCase.mutated) {
            if (responses.size() != 2 || responses.get(0).status() != 200
                    || !responses.get(1).body().equals("GET /canary 0")) {
                return "a valid request and the canary were not answered exactly: " + responses;
            }
        }
        return null;
    }

    private static Case generate(Random random, int index) {
        String path = "/case" + index;
        String body = "{\"n\":" + index + ",\"text\":\"" + "x".repeat(random.nextInt(40)) + "\"}";
        StringBuilder head = new StringBuilder();
        String method = random.nextInt(4) == 0 ? "GET" : "POST";
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: fuzz\r\n");
        if (random.nextBoolean()) {
            head.append("x-extra: v").append(random.nextInt(1000)).append("\r\n");
        }
        String framedBody = "";
        String framing = "none";
        if (method.equals("POST")) {
            if (random.nextBoolean()) {
                head.append("Content-Length: ").append(body.length()).append("\r\n");
                framedBody = body;
                framing = "content-length";
            } else {
                head.append("Transfer-Encoding: chunked\r\n");
                framedBody = chunks(random, body);
                framing = "chunked";
            }
        }
        head.append("\r\n");
        String request = head + framedBody;
        int mutations = random.nextInt(4);
        StringBuilder description = new StringBuilder(method + " " + framing);
        for (int m = 0; m < mutations; m++) {
            request = mutate(random, request, description);
        }
        return new Case(description.toString(), RawClient.bytes(request), mutations > 0);
    }

    private static String chunks(Random random, String body) {
        StringBuilder chunks = new StringBuilder();
        int at = 0;
        while (at < body.length()) {
            int size = 1 + random.nextInt(body.length() - at);
            String hex = Integer.toHexString(size);
            chunks.append(random.nextInt(5) == 0 ? hex.toUpperCase() : hex);
            if (random.nextInt(4) == 0) {
                chunks.append(";ext=").append(random.nextInt(9));
            }
            chunks.append("\r\n").append(body, at, at + size).append("\r\n");
            at += size;
        }
        chunks.append("0\r\n");
        if (random.nextInt(3) == 0) {
            chunks.append("x-trailer: t\r\n");
        }
        return chunks.append("\r\n").toString();
    }

    private static String mutate(Random random, String request, StringBuilder description) {
        if (request.length() < 2) {
            return request; // cut to nothing: no more to mutate
        }
        int at = random.nextInt(request.length());
        switch (random.nextInt(7)) {
            case 0 -> {
                String inserted = INTERESTING[random.nextInt(INTERESTING.length)];
                description.append("; insert ").append(printable(RawClient.bytes(inserted))).append(" at ").append(at);
                return request.substring(0, at) + inserted + request.substring(at);
            }
            case 1 -> {
                description.append("; delete at ").append(at);
                return request.isEmpty() ? request : request.substring(0, at) + request.substring(at + 1);
            }
            case 2 -> {
                String replaced = INTERESTING[random.nextInt(INTERESTING.length)];
                description.append("; replace at ").append(at).append(" with ")
                        .append(printable(RawClient.bytes(replaced)));
                return request.isEmpty() ? request : request.substring(0, at) + replaced + request.substring(at + 1);
            }
            case 3 -> {
                String header = FRAMING[random.nextInt(FRAMING.length)];
                description.append("; add ").append(header);
                int line = Math.max(0, request.indexOf("\r\n") + 2);
                return request.substring(0, line) + header + "\r\n" + request.substring(line);
            }
            case 4 -> {
                String size = Long.toHexString(random.nextLong() >>> random.nextInt(64));
                description.append("; chunk size ").append(size);
                return request.replaceFirst("\r\n\r\n([0-9a-fA-F]+)", "\r\n\r\n" + size);
            }
            case 5 -> {
                description.append("; cut at ").append(at);
                return request.substring(0, at);
            }
            default -> {
                description.append("; random byte at ").append(at);
                char c = (char) random.nextInt(256);
                return request.substring(0, at) + c + request.substring(at);
            }
        }
    }

    private static String printable(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c == '\r') {
                text.append("\\r");
            } else if (c == '\n') {
                text.append("\\n");
            } else if (c < 0x20 || c >= 0x7f) {
                text.append(String.format("\\x%02x", c));
            } else {
                text.append((char) c);
            }
        }
        return text.toString();
    }
}
