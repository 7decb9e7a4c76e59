package dev.poolgate.server.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import dev.poolgate.testkit.Await;
import dev.poolgate.testkit.SelfSignedCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream HTTP/1.1 connection against hand-written responses: body framing, keep-alive and
 * its limits, replacing a connection upstream closed while idle (and never sending a request
 * twice), the three timeouts, malformed answers, header injection and TLS.
 */
@Timeout(30)
class Http1ConnectionTest {

    private static final Duration LONG = Duration.ofSeconds(10);
    private static final UpstreamTimeouts TIMEOUTS = new UpstreamTimeouts(LONG, LONG, LONG);
    private static final List<String[]> NO_HEADERS = List.of();

    private static Http1Connection connect(RawUpstream upstream) {
        return new Http1Connection(upstream.uri("http"), TIMEOUTS);
    }

    private static String read(UpstreamResponse response) throws IOException {
        try (InputStream body = response.body()) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Answers every request on a connection with the same 200 of {@code body} and content-length. */
    private static RawUpstream keepAlive(String body) throws IOException {
        return new RawUpstream(peer -> {
            while (peer.readRequest() != null) {
                peer.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + body.length()
                        + "\r\n\r\n" + body);
            }
        });
    }

    @Test
    void sequentialRequestsReuseOneConnection() throws Exception {
        try (RawUpstream upstream = keepAlive("{\"ok\":true}"); Http1Connection connection = connect(upstream)) {
            for (int i = 0; i < 5; i++) {
                UpstreamResponse response = connection.send("POST", "/v1/messages",
                        List.<String[]>of(new String[] {"content-type", "application/json"}),
                        "{}".getBytes(StandardCharsets.UTF_8));
                assertEquals(200, response.status());
                assertEquals("application/json", response.header("content-type"));
                assertEquals("{\"ok\":true}", read(response));
            }
            assertEquals(1, upstream.connections());
        }
    }

    @Test
    void requestCarriesHostContentLengthAndBody() throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        String[] request = new String[1];
        try (RawUpstream upstream = new RawUpstream(peer -> {
            request[0] = peer.readRequest();
            seen.countDown();
            peer.write("HTTP/1.1 204 No Content\r\n\r\n");
            peer.awaitClientClose();
        }); Http1Connection connection = connect(upstream)) {
            UpstreamResponse response = connection.send("POST", "/v1/messages?beta=true",
                    List.<String[]>of(new String[] {"anthropic-version", "2023-06-01"}),
                    "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
            assertEquals(204, response.status());
            assertEquals("", read(response));
            assertTrue(seen.await(10, TimeUnit.SECONDS));
            assertTrue(request[0].startsWith("POST /v1/messages?beta=true HTTP/1.1\r\n"), request[0]);
            assertTrue(request[0].contains("\r\nhost: localhost:" + upstream.port() + "\r\n"), request[0]);
            assertTrue(request[0].contains("\r\nanthropic-version: 2023-06-01\r\n"), request[0]);
            assertTrue(request[0].contains("\r\ncontent-length: 7\r\n"), request[0]);
            assertTrue(request[0].endsWith("\r\n\r\n{\"a\":1}"), request[0]);
        }
    }

    @Test
    void aBodysLengthLeftIsKnownFromItsContentLengthOnly() throws Exception {
        try (RawUpstream upstream = new RawUpstream(peer -> {
            peer.readRequest();
            peer.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
            peer.readRequest();
            peer.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n");
        }); Http1Connection connection = connect(upstream)) {
            UpstreamResponse fixed = connection.send("GET", "/", NO_HEADERS, null);
            assertEquals(5, fixed.bodyLengthLeft());
            assertEquals('h', fixed.body().read());
            assertEquals(4, fixed.bodyLengthLeft(), "what is left, not what was declared");
            assertEquals("ello", read(fixed));
            UpstreamResponse chunked = connection.send("GET", "/", NO_HEADERS, null);
            assertEquals(-1, chunked.bodyLengthLeft(), "chunked framing wins over a content-length");
            assertEquals("hello", read(chunked));
        }
    }

    @Test
    void chunkedBodyIsDecodedAndEachChunkIsReadableBeforeTheNextArrives() throws Exception {
        CountDownLatch firstRead = new CountDownLatch(1);
        try (RawUpstream upstream = new RawUpstream(peer -> {
            while (peer.readRequest() != null) {
                peer.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                        + "6\r\nevent:");
                // The first chunk's line end and the next chunk come only after the client read it.
                firstRead.await();
                peer.write("\r\n7\r\n ping\n\n\r\n0\r\nx-trailer: t\r\n\r\n");
            }
        }); Http1Connection connection = connect(upstream)) {
            UpstreamResponse response = connection.send("GET", "/stream", NO_HEADERS, null);
            InputStream body = response.body();
            byte[] buffer = new byte[100];
            int n = body.read(buffer);
            assertEquals("event:", new String(buffer, 0, n, StandardCharsets.UTF_8));
            firstRead.countDown();
            assertEquals(" ping\n\n", new String(body.readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(-1, body.read());
            // The connection is reusable after the terminal chunk and trailers.
            UpstreamResponse second = connection.send("GET", "/stream", NO_HEADERS, null);
            assertEquals("event: ping\n\n", read(second));
            assertEquals(1, upstream.connections());
        }
    }

    @Test
    void bodyUntilCloseAndConnectionCloseEndTheConnection() throws Exception {
        try (RawUpstream upstream = new RawUpstream(peer -> {
            peer.readRequest();
            if (peer.connectionNumber == 1) {
                peer.write("HTTP/1.1 200 OK\r\n\r\nuntil the end");
            } else {
                peer.write("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 3\r\n\r\nbye");
                peer.awaitClientClose();
            }
        }); Http1Connection connection = connect(upstream)) {
            assertEquals("until the end", read(connection.send("GET", "/", NO_HEADERS, null)));
            assertEquals("bye", read(connection.send("GET", "/", NO_HEADERS, null)));
            assertEquals(2, upstream.connections());
        }
    }

    @Test
    void informationalResponsesAreSkipped() throws Exception {
        try (RawUpstream upstream = new RawUpstream(peer -> {
            peer.readRequest();
            peer.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n"
                    + "HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok");
            peer.awaitClientClose();
        }); Http1Connection connection = connect(upstream)) {
            UpstreamResponse response = connection.send("POST", "/", NO_HEADERS, new byte[0]);
            assertEquals(201, response.status());
            assertEquals("ok", read(response));
        }
    }

    @Test
    void aKeptAliveConnectionThatUpstreamClosedWhileIdleIsReplacedBeforeSending() throws Exception {
        CountDownLatch firstClosed = new CountDownLatch(1);
        try (RawUpstream upstream = new RawUpstream(peer -> {
            peer.readRequest();
            peer.write("HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n" + peer.connectionNumber);
            // Closes after one response, as a server whose keep-alive timeout passed.
            peer.socket.close();
            firstClosed.countDown();
        }); Http1Connection connection = connect(upstream)) {
            assertEquals("1", read(connection.send("GET", "/", NO_HEADERS, null)));
            assertTrue(firstClosed.await(10, TimeUnit.SECONDS));
            assertEquals("2", read(connection.send("POST", "/", NO_HEADERS, new byte[] {1})));
            assertEquals(2, upstream.connections());
        }
    }

    @Test
    void aRequestThatFailsAfterItWentOutIsNotSentAgain() throws Exception {
        try (RawUpstream upstream = new RawUpstream(peer -> {
            peer.readRequest();
            peer.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
            // Takes the second request, then goes away without a word.
            peer.readRequest();
        }); Http1Connection connection = connect(upstream)) {
            assertEquals("ok", read(connection.send("GET", "/", NO_HEADERS, null)));
            assertThrows(IOException.class, () -> connection.send("POST", "/", NO_HEADERS, new byte[] {1}));
            assertEquals(1, upstream.connections());
        }
    }

    @Test
    void aConnectionThatEndsBeforeAnsweringFails() throws Exception {
        try (RawUpstream upstream = new RawUpstream(peer -> peer.readRequest());
                Http1Connection connection = connect(upstream)) {
            IOException failure = assertThrows(IOException.class, () -> connection.send("GET", "/", NO_HEADERS, null));
            assertTrue(failure.getMessage().contains("closed"), failure.getMessage());
            assertEquals(1, upstream.connections());
        }
    }

    @Test
    void aResponseCutShortFailsTheBodyRead() throws Exception {
        try (RawUpstream upstream = new RawUpstream(peer -> {
            peer.readRequest();
            peer.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this");
        }); Http1Connection connection = connect(upstream)) {
            UpstreamResponse response = connection.send("GET", "/", NO_HEADERS, null);
            IOException failure = assertThrows(IOException.class, () -> read(response));
            assertTrue(failure.getMessage().contains("91 bytes before the end"), failure.getMessage());
        }
    }

    @Test
    void aBodyClosedBeforeItsEndClosesTheConnection() throws Exception {
        try (RawUpstream upstream = keepAlive("0123456789".repeat(100));
                Http1Connection connection = connect(upstream)) {
            UpstreamResponse response = connection.send("GET", "/", NO_HEADERS, null);
            assertEquals('0', response.body().read());
            response.body().close();
            assertEquals(1000, read(connection.send("GET", "/", NO_HEADERS, null)).length());
            assertEquals(2, upstream.connections());
        }
    }

    @Test
    void eachBodyReaderStatesWhereItStands() throws Exception {
        try (RawUpstream upstream = new RawUpstream(peer -> {
            // First connection: a whole body, then one the client closes early; second: one cut short.
            peer.readRequest();
            if (peer.connectionNumber == 1) {
                peer.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
                peer.readRequest();
                peer.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n");
                peer.awaitClientClose();
            } else {
                peer.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nok");
            }
        }); Http1Connection connection = connect(upstream)) {
            ResponseBody done = (ResponseBody) connection.send("GET", "/", NO_HEADERS, null).body();
            assertEquals(ResponseBody.State.READING, done.state());
            assertEquals(2, done.readNBytes(2).length);
            assertEquals(ResponseBody.State.DONE, done.state());
            ResponseBody closed = (ResponseBody) connection.send("GET", "/", NO_HEADERS, null).body();
            assertEquals('o', closed.read());
            closed.close();
            assertEquals(ResponseBody.State.CLOSED, closed.state());
            assertThrows(IOException.class, closed::read);
            ResponseBody failed = (ResponseBody) connection.send("GET", "/", NO_HEADERS, null).body();
            assertThrows(IOException.class, failed::readAllBytes);
            assertEquals(ResponseBody.State.FAILED, failed.state());
            assertEquals(2, upstream.connections());
        }
    }

    @Test
    void noHeadersWithinTheHeadersTimeoutIsAnUpstreamTimeout() throws Exception {
        try (RawUpstream upstream = new RawUpstream(peer -> {
            peer.readRequest();
            peer.write("HTTP/1.1 200 OK\r\n");
            peer.awaitClientClose();
        }); Http1Connection connection = new Http1Connection(upstream.uri("http"),
                new UpstreamTimeouts(LONG, Duration.ofMillis(200), LONG))) {
            long start = System.nanoTime();
            UpstreamTimeoutException timeout = assertThrows(UpstreamTimeoutException.class,
                    () -> connection.send("GET", "/", NO_HEADERS, null));
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos());
            assertTrue(timeout.getMessage().contains("200 ms"), timeout.getMessage());
        }
    }

    @Test
    void aStreamThatGoesSilentFailsAfterTheReadTimeout() throws Exception {
        try (RawUpstream upstream = new RawUpstream(peer -> {
            peer.readRequest();
            peer.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n");
            peer.awaitClientClose();
        }); Http1Connection connection = new Http1Connection(upstream.uri("http"),
                new UpstreamTimeouts(LONG, LONG, Duration.ofMillis(200)))) {
            UpstreamResponse response = connection.send("GET", "/", NO_HEADERS, null);
            byte[] buffer = new byte[10];
            assertEquals(5, response.body().read(buffer));
            SocketTimeoutException gap = assertThrows(SocketTimeoutException.class, () -> response.body().read(buffer));
            assertTrue(gap.getMessage().contains("nothing for 200 ms"), gap.getMessage());
        }
    }

    @Test
    void aRefusedConnectionIsAnUpstreamConnectException() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        try (Http1Connection connection = new Http1Connection(URI.create("http://127.0.0.1:" + port), TIMEOUTS)) {
            UpstreamConnectException refused = assertThrows(UpstreamConnectException.class,
                    () -> connection.send("GET", "/", NO_HEADERS, null));
            assertInstanceOf(ConnectException.class, refused.getCause());
        }
    }

    @Test
    void malformedResponsesAreIoErrorsNotCrashes() throws Exception {
        List<String> answers = List.of("SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "HTTP/1.1 200 OK\r\ncontent-length: -5\r\n\r\n",
                "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n");
        for (String answer : answers) {
            try (RawUpstream upstream = new RawUpstream(peer -> {
                peer.readRequest();
                peer.write(answer);
                peer.awaitClientClose();
            }); Http1Connection connection = connect(upstream)) {
                assertThrows(IOException.class, () -> read(connection.send("GET", "/", NO_HEADERS, null)), answer);
            }
        }
    }

    @Test
    void aLineBreakInAHeaderIsRefusedBeforeAnythingIsSent() throws Exception {
        try (RawUpstream upstream = keepAlive("x"); Http1Connection connection = connect(upstream)) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> connection.send("GET", "/", List.<String[]>of(new String[] {"anthropic-beta",
                            "a\r\nx-api-key: stolen"}), null));
            assertTrue(refused.getMessage().contains("anthropic-beta"), refused.getMessage());
            assertEquals(0, upstream.connections());
        }
    }

    @Test
    void closingFromAnotherThreadFailsABlockedRead() throws Exception {
        try (RawUpstream upstream = new RawUpstream(peer -> {
            peer.readRequest();
            peer.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n");
            peer.awaitClientClose();
        })) {
            Http1Connection connection = connect(upstream);
            UpstreamResponse response = connection.send("GET", "/", NO_HEADERS, null);
            Thread closer = Thread.ofVirtual().start(connection::close);
            assertThrows(IOException.class, () -> response.body().read(new byte[10]));
            closer.join();
            assertThrows(IOException.class, () -> connection.send("GET", "/", NO_HEADERS, null));
        }
    }

    @Test
    void tlsUpstreamIsVerifiedAndKeptAlive(@TempDir Path dir) throws Exception {
        SSLContext context = SelfSignedCertificate.create(dir).context();
        try (RawUpstream upstream = new RawUpstream(context.getServerSocketFactory(), peer -> {
            while (peer.readRequest() != null) {
                peer.write("HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecret");
            }
        }); Http1Connection connection = new Http1Connection(upstream.uri("https"), TIMEOUTS,
                context.getSocketFactory(), Http1Connection.TLS_CHECK_AFTER_IDLE)) {
            assertEquals("secret", read(connection.send("GET", "/", NO_HEADERS, null)));
            assertEquals("secret", read(connection.send("GET", "/", NO_HEADERS, null)));
            assertEquals(1, upstream.connections());
        }
        // Without trusting that certificate, the handshake fails.
        try (RawUpstream upstream = new RawUpstream(context.getServerSocketFactory(),
                RawUpstream.Peer::readRequest);
                Http1Connection connection = new Http1Connection(upstream.uri("https"), TIMEOUTS)) {
            assertThrows(IOException.class, () -> connection.send("GET", "/", NO_HEADERS, null));
        }
    }

    @Test
    void aTlsConnectionThatUpstreamClosedWhileIdleIsReplacedBeforeSending(@TempDir Path dir) throws Exception {
        SSLContext context = SelfSignedCertificate.create(dir).context();
        CountDownLatch firstClosed = new CountDownLatch(1);
        try (RawUpstream upstream = new RawUpstream(context.getServerSocketFactory(), peer -> {
            peer.readRequest();
            peer.write("HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n" + peer.connectionNumber);
            peer.socket.close();
            firstClosed.countDown();
        }); Http1Connection connection = new Http1Connection(upstream.uri("https"), TIMEOUTS,
                context.getSocketFactory(), Duration.ZERO)) {
            assertEquals("1", read(connection.send("GET", "/", NO_HEADERS, null)));
            assertTrue(firstClosed.await(10, TimeUnit.SECONDS));
            assertEquals("2", read(connection.send("POST", "/", NO_HEADERS, new byte[] {1})));
            assertEquals(2, upstream.connections());
        }
    }

    @Test
    void anOpenIdleTlsConnectionPassesTheCheckAndIsReused(@TempDir Path dir) throws Exception {
        threeAnswersOnOneCheckedTlsConnection(dir, Duration.ZERO);
    }

    @Test
    void afterTheTlsCheckReadsWaitForASlowAnswerUpToTheTimeoutsNotTheChecksMillisecond(@TempDir Path dir)
            throws Exception {
        threeAnswersOnOneCheckedTlsConnection(dir, Duration.ofMillis(50)); // far more than the check's 1 ms read
    }

    /** Three requests over TLS, each after the idle check, answered {@code delay} late: one connection. */
    private static void threeAnswersOnOneCheckedTlsConnection(Path dir, Duration delay) throws Exception {
        SSLContext context = SelfSignedCertificate.create(dir).context();
        try (RawUpstream upstream = new RawUpstream(context.getServerSocketFactory(), peer -> {
            while (peer.readRequest() != null) {
                if (!delay.isZero()) {
                    Thread.sleep(delay); // a slow upstream, the behaviour under test
                }
                peer.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
            }
        }); Http1Connection connection = new Http1Connection(upstream.uri("https"), TIMEOUTS,
                context.getSocketFactory(), Duration.ZERO)) {
            for (int i = 0; i < 3; i++) {
                assertEquals("ok", read(connection.send("GET", "/", NO_HEADERS, null)));
            }
            assertEquals(1, upstream.connections());
        }
    }

    @Test
    void readDeadlinesTimeOutOnlyReadsPastTheirDeadline() throws Exception {
        try (RawUpstream upstream = new RawUpstream(HEADERS_THEN_SILENCE); Http1Connection connection =
                new Http1Connection(upstream.uri("http"), new UpstreamTimeouts(LONG, LONG, Duration.ofSeconds(5)))) {
            CompletableFuture<IOException> failure = blockedBodyRead(connection.send("GET", "/", NO_HEADERS, null));
            // A sweep now finds the read within its 5 s; one far in the future times it out.
            assertEquals(0, ReadDeadlines.SHARED.sweep(System.nanoTime()));
            assertTrue(!failure.isDone(), "the read still waits");
            assertTrue(ReadDeadlines.SHARED.sweep(System.nanoTime() + Duration.ofSeconds(6).toNanos()) >= 1);
            failure.get(10, TimeUnit.SECONDS); // the timed-out read failed
        }
    }

    /** An upstream that sends a chunked answer's headers and then nothing. */
    private static final RawUpstream.Script HEADERS_THEN_SILENCE = peer -> {
        peer.readRequest();
        peer.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
        peer.awaitClientClose();
    };

    /**
     * Reads {@code response}'s body on a thread of its own, once that read waits for upstream;
     * completes with the read's failure (null if it returned).
     */
    private static CompletableFuture<IOException> blockedBodyRead(UpstreamResponse response) {
        CompletableFuture<IOException> failure = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                response.body().read(new byte[10]);
                failure.complete(null);
            } catch (IOException e) {
                failure.complete(e);
            }
        });
        Await.until("the body's read waits", Duration.ofSeconds(10), () -> reader.getState() == Thread.State.WAITING);
        return failure;
    }

    @Test
    void aChunkedBodySaysWhetherTheNextReadWaitsForUpstream() throws Exception {
        CountDownLatch endAllowed = new CountDownLatch(1);
        try (RawUpstream upstream = new RawUpstream(peer -> {
            peer.readRequest();
            // Headers and two whole chunks in one write: they arrive together.
            peer.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n");
            endAllowed.await();
            peer.write("0\r\n\r\n");
            peer.awaitClientClose();
        }); Http1Connection connection = new Http1Connection(upstream.uri("http"), TIMEOUTS)) {
            UpstreamResponse response = connection.send("GET", "/", NO_HEADERS, null);
            byte[] buffer = new byte[64];
            assertEquals("hello", new String(buffer, 0, response.body().read(buffer), StandardCharsets.US_ASCII));
            assertTrue(response.body().available() > 0, "the next chunk is buffered: reading it does not wait");
            assertEquals("abc", new String(buffer, 0, response.body().read(buffer), StandardCharsets.US_ASCII));
            assertEquals(0, response.body().available(), "only the line end is here: the next read waits");
            endAllowed.countDown();
            Await.until("the end arrived in the socket, unread: the next read does not wait", Duration.ofSeconds(10),
                    () -> ((ResponseBody) response.body()).available() > 0);
            assertEquals(-1, response.body().read(buffer));
            assertEquals(0, response.body().available(), "an ended body has nothing more");
        }
    }

    @Test
    void aTlsReadPastItsDeadlineIsEndedToo(@TempDir Path dir) throws Exception {
        SSLContext context = SelfSignedCertificate.create(dir).context();
        try (RawUpstream upstream = new RawUpstream(context.getServerSocketFactory(), HEADERS_THEN_SILENCE);
                Http1Connection connection = new Http1Connection(upstream.uri("https"),
                        new UpstreamTimeouts(LONG, LONG, Duration.ofSeconds(5)), context.getSocketFactory(),
                        Duration.ZERO)) {
            CompletableFuture<IOException> failure = blockedBodyRead(connection.send("GET", "/", NO_HEADERS, null));
            assertTrue(ReadDeadlines.SHARED.sweep(System.nanoTime() + Duration.ofSeconds(6).toNanos()) >= 1);
            assertInstanceOf(SocketTimeoutException.class, failure.get(10, TimeUnit.SECONDS),
                    "the read ends as a timeout, and the sweeper did not wait for TLS");
        }
    }
}
