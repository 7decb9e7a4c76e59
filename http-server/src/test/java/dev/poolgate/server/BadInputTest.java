package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.testkit.Await;
import dev.poolgate.testkit.RawConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input, written byte by byte over raw sockets: the gateway answers what reaches its handler
 * with an Anthropic error and takes no pooled client for it (JSON that is not one object, invalid
 * UTF-8, JSON past the parser's limits, odd paths and methods, broken framing, bodies over the limit
 * or shorter than declared); what the HTTP server (http-kit) refuses before any handler runs gets
 * its own Anthropic error and a closed connection, and the gateway stays up.
 */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

    private static final int LIMIT = 1_000_000;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
    /** What an error message or log-bound text must not carry: control, format and lone surrogate characters. */
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Cs}]");

    private Gateway gateway;
    private GatewayClient client;

    @BeforeAll
    void startGateway() {
        gateway = Gateways.start("--max-request-bytes", String.valueOf(LIMIT), "--request-read-timeout",
                READ_TIMEOUT.toMillis() + "ms", "--pool-health-check-interval", "0");
        client = new GatewayClient(gateway);
    }

    @AfterAll
    void closeGateway() {
        gateway.close();
    }

    /** The head of a request with the headers of a valid API call, without the blank line that ends it. */
    private static String head(String method, String path) {
        return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + GatewayClient.CLIENT_KEY
                + "\r\nanthropic-version: " + GatewayClient.VERSION + "\r\ncontent-type: application/json\r\n"
                + "Connection: close\r\n";
    }

    private static byte[] post(String path, byte[] body) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(RawConnection.bytes(head("POST", path) + "Content-Length: " + body.length + "\r\n\r\n"));
        request.writeBytes(body);
        return request.toByteArray();
    }

    private RawConnection.Response send(byte[] request) {
        try {
            RawConnection.Outcome outcome = RawConnection.exchange(gateway.port(), request, false,
                    Duration.ofSeconds(10));
            assertNotNull(outcome.response(), outcome.ending());
            return outcome.response();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private RawConnection.Response send(String request) {
        return send(RawConnection.bytes(request));
    }

    /** Asserts an Anthropic error of {@code status} and {@code type}; returns its message. */
    private static String assertError(RawConnection.Response response, int status, String type) {
        assertEquals(status, response.status(), response::toString);
        assertTrue(String.valueOf(response.header("content-type")).startsWith("application/json"), response::toString);
        JsonNode error;
        try {
            error = GatewayClient.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response, e);
        }
        assertEquals("error", error.path("type").asText(), response::toString);
        assertEquals(type, error.path("error").path("type").asText(), response::toString);
        assertEquals(response.header("request-id"), error.path("request_id").asText(), response::toString);
        String message = error.path("error").path("message").asText();
        assertFalse(UNPRINTABLE.matcher(message).find(), () -> "unprintable characters in " + message);
        assertFalse(message.contains("Exception") || message.contains("jackson") || message.contains("StreamRead"),
                () -> "internals in " + message);
        return message;
    }

    /** Posts {@code body} to /v1/messages, asserts a 400 naming {@code expected}, and that nothing went upstream. */
    private String assertInvalid(byte[] body, String expected) {
        long forwarded = gateway.embeddedStub().requestCount("/v1/messages");
        String message = assertError(send(post("/v1/messages", body)), 400, "invalid_request_error");
        assertTrue(message.contains(expected), () -> "expected \"" + expected + "\" in: " + message);
        assertEquals(forwarded, gateway.embeddedStub().requestCount("/v1/messages"), "forwarded upstream");
        return message;
    }

    private String assertInvalid(String body, String expected) {
        return assertInvalid(body.getBytes(StandardCharsets.UTF_8), expected);
    }

    private static String messageWith(String field) {
        return "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + field + "}";
    }

    @Test
    void jsonThatIsNotOneObjectIsAnInvalidRequest() {
        assertInvalid("null", "must be a JSON object, but was null");
        assertInvalid("\"text\"", "must be a JSON object, but was a string");
        assertInvalid("42", "must be a JSON object, but was a number");
        assertInvalid("true", "must be a JSON object, but was a boolean");
        assertInvalid("[]", "must be a JSON object, but was an array");
        assertInvalid(" \r\n\t", "holds no JSON value");
        assertInvalid("{} {}", "more follows the first JSON value");
        assertInvalid(messageWith("\"a\":1") + " [2]", "more follows the first JSON value");
        assertInvalid(messageWith("\"a\":1") + " trailing", "not valid JSON (line 1, column 89): Unrecognized token");
    }

    @Test
    void invalidUtf8IsAnInvalidRequest() {
        byte[] start = "{\"model\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] end = "\",\"max_tokens\":1,\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
        for (byte[] invalid : List.of(new byte[] {(byte) 0xff, (byte) 0xfe}, new byte[] {(byte) 0xc3},
                new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xc0, (byte) 0xaf})) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(start);
            body.writeBytes(invalid);
            body.writeBytes(end);
            assertInvalid(body.toByteArray(), "not valid UTF-8 (at byte 10)");
        }
    }

    @Test
    void jsonNestedDeeperThanTheLimitIsAnInvalidRequestNamingIt() {
        // The root object is level 1: 999 arrays inside it reach the limit of 1000, one more passes it.
        String atTheLimit = messageWith("\"deep\":" + "[".repeat(999) + "]".repeat(999));
        assertEquals(200, client.post("/v1/messages", atTheLimit).status(), "a body at the limit is forwarded");

        assertInvalid(messageWith("\"deep\":" + "[".repeat(1000) + "]".repeat(1000)),
                "arrays and objects nest deeper than 1000 levels");
        // Far deeper, and never closed: refused at the limit, without a stack overflow.
        assertInvalid("{\"a\":" + "[{\"b\":".repeat(100_000), "nest deeper than 1000 levels");
    }

    @Test
    void numbersLongerThanTheLimitAreInvalidRequestsNamingIt() {
        assertInvalid(messageWith("\"x\":" + "9".repeat(1001)), "a number is longer than 1000 characters");
        assertInvalid("{\"max_tokens\":-0." + "1".repeat(2000) + "}", "a number is longer than 1000 characters");
    }

    @Test
    void hugeNumbersWithinTheLimitAreInvalidRequestsNotFaults() {
        String messages = ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        // stream is a field the gateway reads itself: it refuses a number there, whatever its size.
        assertInvalid("{\"model\":\"m\",\"stream\":99999999999999999999" + messages,
                "stream: must be true or false, but was 99999999999999999999");
        assertInvalid("{\"model\":\"m\",\"stream\":1e400" + messages, "stream: must be true or false");
        assertInvalid("{\"model\":\"m\",\"stream\":-0" + messages, "stream: must be true or false");
        assertInvalid("{\"model\":\"m\",\"stream\":" + "9".repeat(1000) + messages,
                "stream: must be true or false, but was 9999");
        // Fields the gateway does not read are forwarded, and upstream refuses them the same way.
        RawConnection.Response temperature = send(post("/v1/messages",
                messageWith("\"temperature\":1e400").getBytes(StandardCharsets.UTF_8)));
        assertTrue(assertError(temperature, 400, "invalid_request_error").startsWith("temperature"));
        RawConnection.Response maxTokens = send(post("/v1/messages",
                ("{\"model\":\"m\",\"max_tokens\":99999999999999999999" + messages).getBytes(StandardCharsets.UTF_8)));
        assertTrue(assertError(maxTokens, 400, "invalid_request_error").startsWith("max_tokens"));
    }

    @Test
    void aFieldNameLongerThanTheLimitIsAnInvalidRequestNamingIt() {
        assertInvalid(messageWith("\"" + "n".repeat(50_001) + "\":1"), "a field name is longer than 50000 characters");
    }

    @Test
    void echoedValuesAreCutShortAndEscaped() {
        String messages = ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String message = assertInvalid("{\"model\":\"m\",\"stream\":\"" + "x".repeat(100_000) + "\"" + messages,
                "stream: must be true or false, but was \"xxx");
        assertTrue(message.length() < 300 && message.contains("(100002 characters)"), message);

        String controls = assertInvalid("{\"model\":\"m\",\"stream\":\"\\u0001\u007f\u202e\\ud800\"" + messages,
                "stream: must be true or false");
        assertTrue(controls.contains("\\u0001") && controls.contains("\\u007f") && controls.contains("\\u202e")
                && controls.contains("\\ud800"), controls);
    }

    @Test
    void stringsAreBoundedByTheBodyLimitAloneNotByJacksonsDefault() throws Exception {
        // Jackson refuses strings over 20 million characters by default; the body limit is the gateway's bound.
        try (Gateway large = Gateways.start("--max-request-bytes", "25000000", "--pool-min-size", "1")) {
            String text = "a".repeat(20_000_001);
            String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
            GatewayClient.Response response = new GatewayClient(large).post("/v1/messages/count_tokens", body);
            assertEquals(200, response.status(), response::body);
        }
    }

    @Test
    void pathsWithControlCharactersOrGreatLengthAreNotEchoedRaw() {
        for (String path : List.of("/v1/%00abc", "/v1/%01%7f", "/x%e2%80%ae%0d%0aforged:%20header", "/%e2%80%8b",
                "/" + "a".repeat(100_000))) {
            String message = assertError(send(head("GET", path) + "\r\n"), 404, "not_found_error");
            assertTrue(message.length() < 300, () -> message.length() + " characters: " + message);
        }
        String cut = assertError(send(head("GET", "/" + "b".repeat(100_000)) + "\r\n"), 404, "not_found_error");
        assertTrue(cut.contains("(100001 characters)"), cut);
        String escaped = assertError(send(head("GET", "/v1/%00abc") + "\r\n"), 404, "not_found_error");
        assertTrue(escaped.contains("/v1/\\u0000abc"), escaped);
    }

    @Test
    void modelIdsWithDotSegmentsEscapesOrOddCharactersAreNotForwarded() {
        long forwarded = gateway.embeddedStub().requestCount("/v1/models/{id}");
        for (String path : List.of("/v1/models/..", "/v1/models/.", "/v1/models/%2e%2e", "/v1/models/%41",
                "/v1/models/caf\u00e9", "/v1/models/%00", "/v1/models/%20")) {
            assertError(send(head("GET", path) + "\r\n"), 404, "not_found_error");
        }
        assertEquals(forwarded, gateway.embeddedStub().requestCount("/v1/models/{id}"), "forwarded upstream");

        assertEquals(200, client.get("/v1/models/claude-sonnet-4-5-20250929").status(), "a plain id is forwarded");
    }

    @Test
    void headIsAnsweredWithoutABodyAndTheConnectionStaysUsable() throws IOException {
        // The JDK's server logs a warning (through java.util.logging) when a HEAD answer is given a length.
        Logger jdkLog = Logger.getLogger("com.sun.net.httpserver");
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jdkLog.addHandler(capture);
        try (RawConnection connection = RawConnection.connect(gateway.port(), Duration.ofSeconds(10))) {
            connection.write(RawConnection.bytes("HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            RawConnection.Response head = connection.readResponse(true);
            assertEquals(200, head.status(), head::toString);
            assertEquals("", head.bodyText(), "a HEAD answer has no body");
            assertNull(head.header("content-length"), "a HEAD answer declares no body");
            RawConnection.Response next = connection.readResponse(false);
            assertEquals(200, next.status(), "the next request on the connection: " + next);
            assertEquals("{\"status\":\"ok\"}", next.bodyText());
        } finally {
            jdkLog.removeHandler(capture);
        }
        assertEquals(List.of(), warnings.stream().map(LogRecord::getMessage).toList());
    }

    @Test
    void oddMethodsAreNotAllowedWithTheAllowedOnesNamed() {
        for (String method : List.of("OPTIONS", "get", "TRACE", "BREW", "G\u0001T", "M".repeat(5000))) {
            RawConnection.Response response = send(head(method, "/v1/messages") + "\r\n");
            String message = assertError(response, 405, "invalid_request_error");
            assertEquals("POST", response.header("allow"));
            assertTrue(message.length() < 300, message);
        }
    }

    @Test
    void aValidChunkedBodyIsAccepted() {
        String body = GatewayClient.message("chunked");
        int half = body.length() / 2;
        RawConnection.Response response = send(head("POST", "/v1/messages") + "Transfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(half) + ";ext=1\r\n" + body.substring(0, half) + "\r\n"
                + Integer.toHexString(body.length() - half) + "\r\n" + body.substring(half) + "\r\n0\r\n\r\n");
        assertEquals(200, response.status(), response::toString);
    }

    @Test
    void aMalformedChunkedBodyIsAnInvalidRequest() {
        long forwarded = gateway.embeddedStub().requestCount("/v1/messages");
        RawConnection.Response response = send(head("POST", "/v1/messages") + "Transfer-Encoding: chunked\r\n\r\n"
                + "zz\r\n{}\r\n0\r\n\r\n");
        assertTrue(assertError(response, 400, "invalid_request_error").contains("could not be read in full"));
        assertEquals(forwarded, gateway.embeddedStub().requestCount("/v1/messages"), "forwarded upstream");
    }

    @Test
    void aBodyEndedBeforeItsContentLengthIsAnInvalidRequest() throws IOException {
        try (RawConnection connection = RawConnection.connect(gateway.port(), Duration.ofSeconds(10))) {
            connection.write(RawConnection.bytes(head("POST", "/v1/messages")
                    + "Content-Length: 100\r\n\r\n{\"model\""));
            connection.shutdownOutput();
            String message = assertError(connection.readResponse(false), 400, "invalid_request_error");
            assertTrue(message.contains("could not be read in full"), message);
        }
    }

    @Test
    void bytesAfterTheContentLengthAreTheNextRequestWhichTheServerRefusesAndCloses() throws IOException {
        try (RawConnection connection = RawConnection.connect(gateway.port(), Duration.ofSeconds(10))) {
            String request = head("POST", "/v1/messages").replace("Connection: close\r\n", "");
            connection.write(RawConnection.bytes(request + "Content-Length: 2\r\n\r\n{}GARBAGE\r\n\r\n"));
            assertTrue(assertError(connection.readResponse(false), 400, "invalid_request_error").startsWith("model"));
            RawConnection.Response next = connection.readResponse(false);
            assertTrue(assertError(next, 400, "invalid_request_error").contains("request line"), next::toString);
            assertEquals("close", next.header("connection"), next::toString);
            assertTrue(connection.awaitClosed(), "the server closes the connection after it");
        }
        assertEquals(200, client.get("/health").status());
    }

    @Test
    void aDeclaredBodyOverTheLimitIsRefusedBeforeItIsSent() throws IOException {
        long forwarded = gateway.embeddedStub().requestCount("/v1/messages");
        for (String expect : List.of("", "Expect: 100-continue\r\n")) {
            try (RawConnection connection = RawConnection.connect(gateway.port(), Duration.ofSeconds(10))) {
                // Only the head is sent: the 413 must come without the body.
                connection.write(RawConnection.bytes(head("POST", "/v1/messages") + expect
                        + "Content-Length: 2000000000\r\n\r\n"));
                RawConnection.Response response = connection.readResponse(false);
                assertTrue(assertError(response, 413, "request_too_large").contains(String.valueOf(LIMIT)));
                assertEquals("close", response.header("connection"));
                assertTrue(connection.awaitClosed(), "closed after the answer, at the latest at the read timeout");
            }
        }
        assertEquals(forwarded, gateway.embeddedStub().requestCount("/v1/messages"), "forwarded upstream");
    }

    @Test
    void aBodyShorterThanItsContentLengthIsCutOffAtTheReadTimeoutWithoutAPooledClient() throws IOException {
        long forwarded = gateway.embeddedStub().requestCount("/v1/messages");
        long acquires = acquires();
        long cutOff = metric("poolgate_http_request_read_timeouts_total");
        try (RawConnection connection = RawConnection.connect(gateway.port(), Duration.ofSeconds(10))) {
            long start = System.nanoTime();
            connection.write(RawConnection.bytes(head("POST", "/v1/messages") + "Content-Length: 1000\r\n\r\n{\"mo"));
            assertNull(connection.tryReadResponse(false), "no answer on a connection the read timeout closed");
            long waited = System.nanoTime() - start;
            assertTrue(waited >= READ_TIMEOUT.toNanos(), () -> "closed after " + waited / 1_000_000 + " ms");
        }
        Await.until("the cut-off counted", Duration.ofSeconds(5),
                () -> metric("poolgate_http_request_read_timeouts_total") == cutOff + 1);
        assertEquals(acquires, acquires(), "no pooled client was taken");
        assertEquals(forwarded, gateway.embeddedStub().requestCount("/v1/messages"));
        assertEquals(0, client.stat("in_use_connections"));
    }

    @Test
    void requestsTheServerRefusesBeforeAnyHandlerGetAnAnthropicErrorAndCloseAndTheGatewayStaysUp()
            throws IOException {
        // Keep-alive on purpose: the server must close the connection itself.
        String valid = "Host: 127.0.0.1\r\n";
        StringBuilder manyHeaders = new StringBuilder("GET /health HTTP/1.1\r\n");
        for (int i = 0; i < 201; i++) {
            manyHeaders.append("x-h").append(i).append(": v\r\n");
        }
        // Answered by the server itself, in JSON, never HTML, and closed: {request, status, error type}.
        List<String[]> refused = List.of(
                new String[] {"GET /v1/%zz HTTP/1.1\r\n" + valid + "\r\n", "400", "invalid_request_error"},
                new String[] {"GET /v1/\u0001 HTTP/1.1\r\n" + valid + "\r\n", "400", "invalid_request_error"},
                new String[] {"GARBAGE\r\n" + valid + "\r\n", "400", "invalid_request_error"},
                new String[] {"GET /health HTTP/1.1\r\nBad Name: x\r\n" + valid + "\r\n", "400",
                        "invalid_request_error"},
                new String[] {"POST /v1/messages HTTP/1.1\r\n" + valid
                        + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", "400", "invalid_request_error"},
                new String[] {"POST /v1/messages HTTP/1.1\r\n" + valid + "Content-Length: 2\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n{}", "400", "invalid_request_error"},
                new String[] {"POST /v1/messages HTTP/1.1\r\n" + valid + "Content-Length: abc\r\n\r\n", "400",
                        "invalid_request_error"},
                new String[] {"POST /v1/messages HTTP/1.1\r\n" + valid + "Content-Length: -1\r\n\r\n", "400",
                        "invalid_request_error"},
                new String[] {"POST /v1/messages HTTP/1.1\r\n" + valid + "Transfer-Encoding: gzip\r\n\r\n", "400",
                        "invalid_request_error"},
                new String[] {"GET * HTTP/1.1\r\n" + valid + "\r\n", "400", "invalid_request_error"},
                new String[] {"GET v1/models HTTP/1.1\r\n" + valid + "\r\n", "400", "invalid_request_error"},
                new String[] {"GET /v1/{x} HTTP/1.1\r\n" + valid + "\r\n", "400", "invalid_request_error"},
                new String[] {"GET mailto:x HTTP/1.1\r\n\r\n", "400", "invalid_request_error"},
                new String[] {manyHeaders + "\r\n", "413", "request_too_large"},
                new String[] {"GET /health HTTP/1.1\r\nx-big: " + "b".repeat(400_000) + "\r\n\r\n", "413",
                        "request_too_large"},
                new String[] {"GET /" + "p".repeat(400_000) + " HTTP/1.1\r\n\r\n", "413", "request_too_large"});
        for (String[] request : refused) {
            try (RawConnection connection = RawConnection.connect(gateway.port(), Duration.ofSeconds(10))) {
                connection.write(RawConnection.bytes(request[0]));
                RawConnection.Response response = connection.readResponse(false);
                assertError(response, Integer.parseInt(request[1]), request[2]);
                assertEquals("close", response.header("connection"), response::toString);
                assertTrue(connection.awaitClosed(), () -> "left open after " + response);
            }
        }
        // An absolute-form target is valid HTTP: the gateway answers it, here with its 404.
        assertError(send("GET http://host HTTP/1.1\r\n" + valid + "Connection: close\r\n\r\n"), 404,
                "not_found_error");
        StringBuilder belowTheLimit = new StringBuilder("GET /health HTTP/1.1\r\n");
        for (int i = 0; i < 199; i++) {
            belowTheLimit.append("x-h").append(i).append(": v\r\n");
        }
        assertEquals(200, send(belowTheLimit + "\r\n").status(), "200 headers (199 and Host) are still accepted");
        assertEquals(200, client.get("/health").status());
        assertEquals(0, client.stat("in_use_connections"));
    }

    /** Acquires the gateway has made: the count of its acquire-wait histogram. */
    private long acquires() {
        return metric("poolgate_pool_acquire_wait_seconds_count");
    }

    private long metric(String name) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\d+)(?:\\.0)?$").matcher(client.metrics());
        assertTrue(matcher.find(), name + " in /metrics");
        return Long.parseLong(matcher.group(1));
    }
}
