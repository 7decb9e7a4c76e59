package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.testkit.RawConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The request-framing (desync) suite, over raw sockets against the gateway and a recording
 * upstream: every malformed or ambiguous framing (oversized and overflowing chunk sizes, malformed
 * chunks, signed or listed content lengths, bare CR and LF, obs-fold, a head cut short by a
 * half-close, CL.TE, TE.CL and TE.TE) is answered with an Anthropic 400 and a closed connection,
 * and nothing of it, nor any request smuggled behind it, reaches upstream; well-framed requests
 * (pipelined, chunked with trailers, 100-continue) reach upstream exactly as sent.
 */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestFramingTest {

    private static final String BODY = GatewayClient.message("framing");
    /** A whole valid request, smuggled behind a malformed one: it must never reach upstream. */
    private static final String SMUGGLED_TEXT = "smuggled";
    private static final String SMUGGLED = request("POST", "Content-Length: "
            + GatewayClient.message(SMUGGLED_TEXT).length() + "\r\n") + GatewayClient.message(SMUGGLED_TEXT);

    private CapturingUpstream upstream;
    private Gateway gateway;
    private GatewayClient client;

    @BeforeAll
    void start() {
        upstream = CapturingUpstream.start();
        gateway = Gateways.start("--anthropic-base-url", upstream.baseUri().toString(), "--anthropic-api-key",
                "sk-upstream", "--max-request-bytes", "100000", "--request-read-timeout", "10s",
                "--pool-health-check-interval", "0");
        client = new GatewayClient(gateway);
    }

    @AfterAll
    void stop() {
        gateway.close();
        upstream.close();
    }

    private int forwardedBefore;

    @BeforeEach
    void countForwarded() {
        forwardedBefore = forwarded().size();
    }

    /** The message bodies upstream received since the test began. */
    private List<String> forwardedSinceStart() {
        List<String> all = forwarded();
        return all.subList(forwardedBefore, all.size());
    }

    private List<String> forwarded() {
        return upstream.requestsTo("POST", "/v1/messages").stream().map(CapturingUpstream.Seen::body).toList();
    }

    /** A request head to /v1/messages with the given framing headers, ended by its blank line. */
    private static String request(String method, String framing) {
        return method + " /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nanthropic-version: " + GatewayClient.VERSION
                + "\r\ncontent-type: application/json\r\n" + framing + "\r\n";
    }

    private static String chunked(String body) {
        return Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
    }

    /**
     * Sends {@code bytes} (then half-closes when asked), and asserts a 400 Anthropic error with
     * {@code connection: close}, a closed connection, and nothing upstream.
     */
    private void assertRefused(String bytes, boolean halfClose) throws IOException {
        try (RawConnection connection = RawConnection.connect(gateway.port(), Duration.ofSeconds(15))) {
            try {
                connection.write(RawConnection.bytes(bytes));
                if (halfClose) {
                    connection.shutdownOutput();
                }
            } catch (IOException e) {
                // The server may close before it read everything; its answer is read below.
            }
            RawConnection.Response response = connection.readResponse(false);
            assertEquals(400, response.status(), response::toString);
            assertTrue(String.valueOf(response.header("content-type")).startsWith("application/json"),
                    response::toString);
            JsonNode error = GatewayClient.JSON.readTree(response.body());
            assertEquals("error", error.path("type").asText(), response::toString);
            assertEquals("invalid_request_error", error.path("error").path("type").asText(), response::toString);
            assertEquals(response.header("request-id"), error.path("request_id").asText(), response::toString);
            String message = error.path("error").path("message").asText();
            assertFalse(message.contains("Exception") || message.contains("\tat "), message);
            assertEquals("close", response.header("connection"), response::toString);
            assertTrue(connection.awaitClosed(), "the connection is closed after the answer");
        }
        assertEquals(List.of(), forwardedSinceStart(), "nothing reached upstream");
    }

    @Test
    void aChunkSizeOfTwoToThe32IsReadAsItsValueNotAsZero() throws IOException {
        // The JDK's parser read 100000000 (hex) as 0 and executed what followed as a new request.
        assertRefused(request("POST", "Transfer-Encoding: chunked\r\n") + "100000000\r\n" + SMUGGLED, true);
    }

    @Test
    void chunkSizesThatWrapNegativeOrOverflowAreRefusedNotAFault() throws IOException {
        for (String size : List.of("80000000", "ffffffff", "fffffffffffffff0", "10000000000000000",
                "0000000000000000000000000000000000001")) {
            assertRefused(request("POST", "Transfer-Encoding: chunked\r\n") + size + "\r\n" + SMUGGLED, true);
        }
    }

    @Test
    void malformedChunksAreRefusedAndTheConnectionIsClosedBeforeWhatFollows() throws IOException {
        for (String chunks : List.of("zz\r\n{}\r\n0\r\n\r\n", "+2\r\n{}\r\n0\r\n\r\n", "0x2\r\n{}\r\n0\r\n\r\n",
                "2\n{}\r\n0\r\n\r\n", "2\r\n{}0\r\n\r\n", "2\r\n{}\r\r\n0\r\n\r\n", " 2\r\n{}\r\n0\r\n\r\n",
                "2\r\n{}\r\n0\r\nbad trailer\r\n\r\n")) {
            assertRefused(request("POST", "Transfer-Encoding: chunked\r\n") + chunks + SMUGGLED, false);
        }
    }

    @Test
    void aContentLengthThatIsNotDigitsOnlyOrNotOneValueIsRefused() throws IOException {
        for (String length : List.of("+112", "-1", " 0x70", "1e2", "112, 112", "112 112", "",
                "1234567890123456789")) {
            assertRefused(request("POST", "Content-Length: " + length + "\r\n") + BODY + SMUGGLED, false);
        }
        assertRefused(request("POST", "Content-Length: " + BODY.length() + "\r\nContent-Length: "
                + BODY.length() + "\r\n") + BODY + SMUGGLED, false);
    }

    @Test
    void aBareCrOrBareLfOrObsFoldInTheHeadIsRefused() throws IOException {
        String body = BODY + SMUGGLED;
        String length = "Content-Length: " + BODY.length() + "\r\n";
        assertRefused(request("POST", "x-a: b\rTransfer-Encoding: chunked\r\n" + length) + body, false);
        assertRefused(request("POST", "x-a: b\r" + length) + body, false);
        assertRefused(request("POST", length + "x-a: b\nx-b: c\r\n") + body, false);
        assertRefused(request("POST", length).replace("POST /v1/messages HTTP/1.1\r\n",
                "POST /v1/messages HTTP/1.1\n") + body, false);
        assertRefused(request("POST", length).replace("HTTP/1.1\r\n", "HTTP/1.1\rx\r\n") + body, false);
        assertRefused(request("POST", length + "x-a: b\r\n Transfer-Encoding: chunked\r\n") + body, false);
        assertRefused(request("POST", length + "x-a: b\r\n\tfolded\r\n") + body, false);
    }

    @Test
    void invalidHeaderNamesAndRequestLinesAreRefused() throws IOException {
        String length = "Content-Length: " + BODY.length() + "\r\n";
        for (String line : List.of("Bad Name: x\r\n", "x[y]: z\r\n", ": empty\r\n", "Content-Length : 5\r\n",
                "x-a\u0000: b\r\n", "x-a: b\u0000c\r\n", "noColon\r\n")) {
            assertRefused(request("POST", line + length) + BODY + SMUGGLED, false);
        }
        for (String requestLine : List.of("POST  /v1/messages HTTP/1.1", "POST /v1/messages  HTTP/1.1",
                "POST /v1/messages HTTP/1.1 ", "POST /v1/messages HTTP/2.0", "POST /v1/messages http/1.1",
                "POST /v1/messages", "POST\t/v1/messages HTTP/1.1")) {
            assertRefused(request("POST", length).replace("POST /v1/messages HTTP/1.1", requestLine) + BODY
                    + SMUGGLED, false);
        }
    }

    @Test
    void aHeadCutShortByAHalfCloseIsRefusedNeverExecuted() throws IOException {
        String whole = request("POST", "Content-Length: " + BODY.length() + "\r\n");
        for (String cut : List.of(whole.substring(0, whole.length() - 2), whole.substring(0, whole.length() - 3),
                "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1", "POST /v1/mess")) {
            assertRefused(cut, true);
        }
    }

    @Test
    void clTeAndTeClAndTeTeAreRefused() throws IOException {
        String length = "Content-Length: " + chunked(BODY).length() + "\r\n";
        String body = chunked(BODY) + SMUGGLED;
        for (String framing : List.of(
                length + "Transfer-Encoding: chunked\r\n",               // CL.TE
                "Transfer-Encoding: chunked\r\n" + length,               // TE.CL
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", // TE.TE
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                "Transfer-Encoding: chunked, identity\r\n",
                "Transfer-Encoding: identity, chunked\r\n",
                "Transfer-Encoding: chunked, chunked\r\n",
                "Transfer-Encoding: xchunked\r\n",
                "Transfer-Encoding: chunked\u000b\r\n",
                "Transfer-Encoding : chunked\r\n",
                "Transfer-Encoding:\u000bchunked\r\n",
                "Transfer-Encoding: \"chunked\"\r\n",
                "Transfer-Encoding: gzip\r\n")) {
            assertRefused(request("POST", framing) + body, false);
        }
        // Transfer-Encoding in HTTP/1.0 is faulty framing (RFC 9112 6.1).
        assertRefused(request("POST", "Transfer-Encoding: chunked\r\n").replace("HTTP/1.1", "HTTP/1.0") + body,
                false);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderAndReachUpstreamExactlyAsSent() throws IOException {
        String first = GatewayClient.message("first");
        String second = GatewayClient.message("second");
        try (RawConnection connection = RawConnection.connect(gateway.port(), Duration.ofSeconds(15))) {
            connection.write(RawConnection.bytes(request("POST", "Content-Length: " + first.length() + "\r\n") + first
                    + request("POST", "Transfer-Encoding: chunked\r\n") + chunked(second)
                    + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
            RawConnection.Response one = connection.readResponse(false);
            RawConnection.Response two = connection.readResponse(false);
            RawConnection.Response three = connection.readResponse(false);
            assertEquals(200, one.status(), one::toString);
            assertNull(one.header("connection"), "keep-alive after a well-framed request");
            assertEquals(200, two.status(), two::toString);
            assertEquals(200, three.status(), three::toString);
            assertEquals("{\"status\":\"ok\"}", three.bodyText());
            assertTrue(connection.awaitClosed());
        }
        assertEquals(List.of(first, second), forwardedSinceStart());
    }

    @Test
    void aChunkedBodyWithExtensionsAndTrailersReachesUpstreamWhole() throws IOException {
        int half = BODY.length() / 2;
        String chunks = Integer.toHexString(half) + ";name=value\r\n" + BODY.substring(0, half) + "\r\n"
                + Integer.toHexString(BODY.length() - half).toUpperCase() + "\r\n" + BODY.substring(half) + "\r\n"
                + "0\r\nx-trailer: t\r\n\r\n";
        try (RawConnection connection = RawConnection.connect(gateway.port(), Duration.ofSeconds(15))) {
            connection.write(RawConnection.bytes(request("POST", "Transfer-Encoding: chunked\r\n") + chunks
                    + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            assertEquals(200, connection.readResponse(false).status());
            assertEquals(200, connection.readResponse(false).status(), "the next request, framed right after");
        }
        assertEquals(List.of(BODY), forwardedSinceStart());
    }

    @Test
    void expectContinueGetsAContinueOnlyOnceTheBodyIsWanted() throws IOException {
        try (RawConnection connection = RawConnection.connect(gateway.port(), Duration.ofSeconds(15))) {
            connection.write(RawConnection.bytes(request("POST", "Expect: 100-continue\r\nContent-Length: "
                    + BODY.length() + "\r\n")));
            connection.write(RawConnection.bytes(BODY));
            assertEquals(200, connection.readResponse(false).status());
        }
        assertEquals(List.of(BODY), forwardedSinceStart());
    }

    @Test
    void theGatewayStaysUpAndHoldsNoClientAfterTheWholeSuite() {
        assertEquals(200, client.get("/health").status());
        assertEquals(0, client.stat("in_use_connections"));
    }
}
