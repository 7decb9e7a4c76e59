package dev.poolgate.stub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.testkit.RawConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input to the stub, written byte by byte over raw sockets: what reaches its handler gets an
 * Anthropic error (JSON that is not one object, invalid UTF-8, JSON past the parser's limits, odd
 * paths and methods, broken framing, bodies over the limit or shorter than declared), with client
 * values escaped and cut short; a request that does not arrive within the read timeout has its
 * connection closed; what the JDK's server refuses itself leaves the stub up.
 */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

    private static final int LIMIT = 1_000_000;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Cs}]");

    private StubBackend stub;

    @BeforeAll
    void start() {
        stub = StubBackend.start(StubConfig.builder().maxBodyBytes(LIMIT).requestReadTimeout(READ_TIMEOUT).build());
    }

    @AfterAll
    void stop() {
        stub.close();
    }

    private static String head(String method, String path) {
        return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + StubClient.KEY
                + "\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\nConnection: close\r\n";
    }

    private static byte[] post(byte[] body) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(RawConnection.bytes(head("POST", "/v1/messages") + "Content-Length: " + body.length
                + "\r\n\r\n"));
        request.writeBytes(body);
        return request.toByteArray();
    }

    private RawConnection.Response send(byte[] request) {
        try {
            RawConnection.Outcome outcome = RawConnection.exchange(stub.port(), request, false, Duration.ofSeconds(10));
            assertNotNull(outcome.response(), outcome.ending());
            return outcome.response();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private RawConnection.Response send(String request) {
        return send(RawConnection.bytes(request));
    }

    /** Asserts an Anthropic error of {@code status} and {@code type}, its message printable; returns the message. */
    private static String assertError(RawConnection.Response response, int status, String type) {
        assertEquals(status, response.status(), response::toString);
        assertEquals("application/json", response.header("content-type"), response::toString);
        JsonNode error = StubClient.json(response.bodyText());
        assertEquals(type, error.path("error").path("type").asText(), response::toString);
        assertEquals(response.header("request-id"), error.path("request_id").asText(), response::toString);
        String message = error.path("error").path("message").asText();
        assertFalse(UNPRINTABLE.matcher(message).find(), () -> "unprintable characters in " + message);
        assertFalse(message.contains("jackson") || message.contains("StreamRead") || message.contains("Exception"),
                () -> "internals in " + message);
        return message;
    }

    private String assertInvalid(byte[] body, String expected) {
        String message = assertError(send(post(body)), 400, "invalid_request_error");
        assertTrue(message.contains(expected), () -> "expected \"" + expected + "\" in: " + message);
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
        assertInvalid("42", "must be a JSON object, but was a number (42)");
        assertInvalid(" \r\n\t", "The request body is empty");
        assertInvalid(messageWith("\"a\":1") + " [2]", "more follows the first JSON value");
    }

    @Test
    void invalidUtf8IsAnInvalidRequest() {
        for (byte[] invalid : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                new byte[] {(byte) 0xc0, (byte) 0xaf})) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes("{\"model\":\"".getBytes(StandardCharsets.UTF_8));
            body.writeBytes(invalid);
            body.writeBytes("\"}".getBytes(StandardCharsets.UTF_8));
            assertInvalid(body.toByteArray(), "The request body is not valid UTF-8 (at byte 10)");
        }
    }

    @Test
    void jsonPastTheParsersLimitsIsAnInvalidRequestNamingTheLimit() {
        assertEquals(200, send(post(messageWith("\"deep\":" + "[".repeat(999) + "]".repeat(999))
                .getBytes(StandardCharsets.UTF_8))).status(), "nesting at the limit is accepted");
        assertInvalid(messageWith("\"deep\":" + "[".repeat(1000) + "]".repeat(1000)),
                "arrays and objects nest deeper than 1000 levels");
        assertInvalid("{\"a\":" + "[".repeat(500_000), "nest deeper than 1000 levels");
        assertInvalid(messageWith("\"x\":" + "9".repeat(1001)), "a number is longer than 1000 characters");
        assertInvalid(messageWith("\"" + "n".repeat(50_001) + "\":1"), "a field name is longer than 50000 characters");
    }

    @Test
    void hugeNumbersWithinTheLimitAreInvalidRequestsNotFaults() {
        String messages = ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertInvalid("{\"model\":\"m\",\"max_tokens\":" + "9".repeat(1000) + messages,
                "max_tokens: must be a positive integer such as 1024, but was a number (9999");
        assertInvalid("{\"model\":\"m\",\"max_tokens\":1e400" + messages, "max_tokens: must be a positive integer");
        assertInvalid(messageWith("\"temperature\":1e400"), "temperature: must be a number from 0 to 1");
        assertInvalid(messageWith("\"top_k\":-1e400"), "top_k: must be a non-negative integer");
    }

    @Test
    void stringsAreBoundedByTheBodyLimitAloneNotByJacksonsDefault() throws Exception {
        try (StubBackend large = StubBackend.start(StubConfig.builder().maxBodyBytes(25_000_000).build());
                StubClient client = new StubClient(large)) {
            String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(20_000_001)
                    + "\"}]}";
            HttpResponse<String> response = client.send(client.api("/v1/messages/count_tokens")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            assertEquals(200, response.statusCode(), response::body);
        }
    }

    @Test
    void echoedValuesAreCutShortAndEscaped() {
        String messages = ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String number = assertInvalid("{\"model\":\"m\",\"max_tokens\":" + "7".repeat(900) + messages, "max_tokens");
        assertTrue(number.length() < 300 && number.contains("(900 characters)"), number);
        String controls = assertInvalid("{\"model\":\"m\",\"max_tokens\":\"\\u0001\u007f\u202e\\ud800\"" + messages,
                "max_tokens: must be a positive integer");
        assertTrue(controls.contains("\\u0001") && controls.contains("\\u007f") && controls.contains("\\u202e"),
                controls);
        String version = assertError(send(head("POST", "/v1/messages").replace("2023-06-01", "v\u0001"
                + "x".repeat(5000)) + "Content-Length: 2\r\n\r\n{}"), 400, "invalid_request_error");
        assertTrue(version.length() < 300 && version.contains("(5002 characters)"), version);
    }

    @Test
    void pathsAndMethodsAreNotEchoedRaw() {
        for (String path : List.of("/v1/%00abc", "/%01%7f%e2%80%ae", "/" + "a".repeat(100_000),
                "/v1/models/%00" + "m".repeat(10_000))) {
            String message = assertError(send(head("GET", path) + "\r\n"), 404, "not_found_error");
            assertTrue(message.length() < 500, () -> message.length() + " characters: " + message);
        }
        for (String method : List.of("G\u0001T", "M".repeat(5000))) {
            String message = assertError(send(head(method, "/v1/messages") + "\r\n"), 405, "invalid_request_error");
            assertTrue(message.length() < 300, message);
        }
    }

    @Test
    void headIsAnsweredWithoutABodyAndTheConnectionStaysUsable() throws IOException {
        try (RawConnection connection = RawConnection.connect(stub.port(), Duration.ofSeconds(10))) {
            connection.write(RawConnection.bytes("HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            RawConnection.Response head = connection.readResponse(true);
            assertEquals(405, head.status(), head::toString);
            assertEquals("GET", head.header("allow"));
            assertNull(head.header("content-length"), "a HEAD answer declares no body");
            assertEquals(200, connection.readResponse(false).status(), "the next request on the connection");
        }
    }

    @Test
    void chunkedBodiesAreAcceptedAndMalformedOnesAreInvalidRequests() throws IOException {
        String body = StubClient.message("chunked", 10).toString();
        RawConnection.Response valid = send(head("POST", "/v1/messages") + "Transfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n");
        assertEquals(200, valid.status(), valid::toString);

        RawConnection.Response malformed = send(head("POST", "/v1/messages") + "Transfer-Encoding: chunked\r\n\r\n"
                + "zz\r\n{}\r\n0\r\n\r\n");
        assertTrue(assertError(malformed, 400, "invalid_request_error").contains("could not be read in full"));

        try (RawConnection connection = RawConnection.connect(stub.port(), Duration.ofSeconds(10))) {
            connection.write(RawConnection.bytes(head("POST", "/v1/messages") + "Content-Length: 100\r\n\r\n{\"mo"));
            connection.shutdownOutput();
            assertTrue(assertError(connection.readResponse(false), 400, "invalid_request_error")
                    .contains("could not be read in full"));
        }
    }

    @Test
    void aDeclaredBodyOverTheLimitIsRefusedBeforeItIsSent() throws IOException {
        try (RawConnection connection = RawConnection.connect(stub.port(), Duration.ofSeconds(10))) {
            connection.write(RawConnection.bytes(head("POST", "/v1/messages") + "Content-Length: 2000000000\r\n\r\n"));
            RawConnection.Response response = connection.readResponse(false);
            assertTrue(assertError(response, 413, "request_too_large").contains("2000000000 bytes"));
            assertEquals("close", response.header("connection"));
            assertTrue(connection.awaitClosed(), "closed after the answer, at the latest at the read timeout");
        }
    }

    @Test
    void aRequestThatDoesNotArriveWithinTheReadTimeoutIsClosedWithoutAnAnswer() throws IOException {
        long cutOff = stub.requestsCutOff();
        for (String partial : List.of(head("POST", "/v1/messages") + "Content-Length: 1000\r\n\r\n{\"mo",
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nx-unfinished: ")) {
            try (RawConnection connection = RawConnection.connect(stub.port(), Duration.ofSeconds(10))) {
                long start = System.nanoTime();
                connection.write(RawConnection.bytes(partial));
                assertNull(connection.tryReadResponse(false), "no answer on a connection the read timeout closed");
                long waited = System.nanoTime() - start;
                assertTrue(waited >= READ_TIMEOUT.toNanos(), () -> "closed after " + waited / 1_000_000 + " ms");
            }
        }
        assertEquals(cutOff + 2, stub.requestsCutOff());
    }

    @Test
    void requestsTheJdkRefusesBeforeAnyHandlerLeaveTheStubUp() throws IOException {
        for (String refused : List.of("GET /v1/%zz HTTP/1.1\r\nConnection: close\r\n\r\n", "GARBAGE\r\n\r\n",
                "POST /v1/messages HTTP/1.1\r\nContent-Length: x\r\nConnection: close\r\n\r\n",
                "GET * HTTP/1.1\r\nConnection: close\r\n\r\n")) {
            RawConnection.Response response = send(refused);
            assertEquals("text/html", response.header("content-type"), response::toString);
            assertEquals("close", response.header("connection"), response::toString);
        }
        RawConnection.Outcome tooLarge = RawConnection.exchange(stub.port(), RawConnection.bytes(
                "GET /health HTTP/1.1\r\nx-big: " + "b".repeat(400_000) + "\r\n\r\n"), false, Duration.ofSeconds(10));
        assertNull(tooLarge.response(), "closed without an answer");
        assertEquals(200, send("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n").status());
    }
}
