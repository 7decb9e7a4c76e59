package dev.poolgate.httpkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The exchange keeps the JDK server's API semantics (lengths -1, 0 and n, HEAD, keep-alive), keeps
 * a connection only when its bytes are exact, and bounds idle connections and blocked writes.
 */
@Timeout(60)
class ExchangeSemanticsTest {

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private HttpServer server;

    private int serve(ServerOptions options, HttpHandler handler) throws IOException {
        server = new StrictHttpServerProvider(options).createHttpServer(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", handler);
        server.setExecutor(executor);
        server.start();
        return server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        executor.shutdownNow();
    }

    private static void answer(HttpExchange exchange, int status, long length, String body) throws IOException {
        exchange.sendResponseHeaders(status, length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void lengthsMinusOneZeroAndNMeanNoBodyChunkedAndFixedAndHeadGetsNoBody() throws IOException {
        int port = serve(ServerOptions.DEFAULTS, exchange -> {
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(200, 5);
                exchange.close();
                return;
            }
            switch (exchange.getRequestURI().getPath()) {
                case "/none" -> answer(exchange, 200, -1, "");
                case "/chunked" -> answer(exchange, 200, 0, "streamed");
                default -> answer(exchange, 200, 5, "fixed");
            }
        });
        try (RawClient client = new RawClient(port, Duration.ofSeconds(10))) {
            client.write("GET /none HTTP/1.1\r\nHost: x\r\n\r\nGET /chunked HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /fixed HTTP/1.1\r\nHost: x\r\n\r\nHEAD /fixed HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response none = client.read(false);
            assertEquals("0", none.header("content-length"));
            assertEquals("", none.body());
            RawClient.Response chunked = client.read(false);
            assertEquals("chunked", chunked.header("transfer-encoding"));
            assertEquals("streamed", chunked.body());
            RawClient.Response fixed = client.read(false);
            assertEquals("5", fixed.header("content-length"));
            assertEquals("fixed", fixed.body());
            assertNull(fixed.header("connection"), "kept alive");
            RawClient.Response head = client.read(true);
            assertEquals(200, head.status());
            assertEquals("5", head.header("content-length"), "a HEAD answer may declare the length of the GET's");
            client.write("GET /fixed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            RawClient.Response last = client.read(false);
            assertEquals("fixed", last.body(), "the HEAD answer carried no body bytes");
            assertEquals("close", last.header("connection"));
            assertTrue(client.closed());
        }
    }

    @Test
    void aStreamedAnswerToHttp10EndsWithTheConnection() throws IOException {
        int port = serve(ServerOptions.DEFAULTS, exchange -> answer(exchange, 200, 0, "until close"));
        try (RawClient client = new RawClient(port, Duration.ofSeconds(10))) {
            client.write("GET / HTTP/1.0\r\n\r\n");
            RawClient.Response response = client.read(false);
            assertNull(response.header("transfer-encoding"), "HTTP/1.0 has no chunked coding");
            assertEquals("close", response.header("connection"));
            assertEquals("until close", response.body());
        }
    }

    @Test
    void anUnreadSmallBodyIsDrainedAndAnUnreadChunkedBodyClosesTheConnection() throws IOException {
        int port = serve(ServerOptions.DEFAULTS, exchange -> answer(exchange, 200, 2, "ok"));
        try (RawClient client = new RawClient(port, Duration.ofSeconds(10))) {
            client.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                    + "GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response drained = client.read(false);
            assertNull(drained.header("connection"), "a small unread body is drained: the connection stays");
            RawClient.Response chunked = client.read(false);
            assertEquals("close", chunked.header("connection"), "an unread chunked body leaves the stream in doubt");
            assertTrue(client.closed(), "nothing after it is answered");
        }
    }

    @Test
    void aHandlerThatFailsGetsAJson500AndAClosedConnectionNotAStackTrace() throws IOException {
        int port = serve(ServerOptions.DEFAULTS, exchange -> {
            throw new IllegalStateException("boom");
        });
        try (RawClient client = new RawClient(port, Duration.ofSeconds(10))) {
            client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response response = client.read(false);
            assertEquals(500, response.status());
            assertTrue(response.body().startsWith("{\"type\":\"error\",\"error\":{\"type\":\"api_error\""),
                    response.body());
            assertTrue(!response.body().contains("boom") && !response.body().contains("Exception"), response.body());
            assertEquals("close", response.header("connection"));
            assertTrue(client.closed());
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws IOException {
        int port = serve(ServerOptions.DEFAULTS.withIdleTimeout(Duration.ofMillis(200)),
                exchange -> answer(exchange, 200, 2, "ok"));
        try (RawClient client = new RawClient(port, Duration.ofSeconds(10))) {
            client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, client.read(false).status());
            assertTrue(client.closed(), "closed by the server once idle, well before the client's 10 s");
        }
    }

    @Test
    void aClientSilentWithinARequestIsClosedAfterTheIdleTimeout() throws Exception {
        CompletableFuture<IOException> bodyFailure = new CompletableFuture<>();
        int port = serve(ServerOptions.DEFAULTS.withIdleTimeout(Duration.ofMillis(200)), exchange -> {
            try {
                exchange.getRequestBody().readAllBytes();
                bodyFailure.complete(null);
            } catch (IOException e) {
                bodyFailure.complete(e);
                throw e;
            }
        });
        // Half a head, then silence: closed without an answer.
        try (RawClient client = new RawClient(port, Duration.ofSeconds(10))) {
            client.write("GET / HTTP/1.1\r\nHost: x\r\n");
            assertTrue(client.closed(), "closed by the server once silent, well before the client's 10 s");
        }
        // A head that declares 10 bytes of body, 3 of them sent: the handler's read fails.
        try (RawClient client = new RawClient(port, Duration.ofSeconds(10))) {
            client.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
            assertTrue(bodyFailure.get(10, TimeUnit.SECONDS) instanceof IOException,
                    "the body's read fails once the client stays silent");
        }
    }

    @Test
    void aWriteToAClientThatReadsNothingFailsAtTheWriteTimeout() throws Exception {
        CompletableFuture<IOException> failure = new CompletableFuture<>();
        int port = serve(ServerOptions.DEFAULTS.withWriteTimeout(Duration.ofMillis(200)), exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] block = new byte[64 * 1024];
            try (OutputStream out = exchange.getResponseBody()) {
                while (true) {
                    out.write(block);
                    out.flush();
                }
            } catch (IOException e) {
                failure.complete(e);
                throw e;
            }
        });
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", port));
            stalled.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(failure.get(20, TimeUnit.SECONDS) instanceof IOException);
        }
    }

    @Test
    void optionsRefuseValuesThatCannotWorkNamingTheField() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> ServerOptions.DEFAULTS.withWriteTimeout(Duration.ZERO));
        assertTrue(zero.getMessage().startsWith("writeTimeout must be at least 1 ms"), zero.getMessage());
        IllegalArgumentException backlog = assertThrows(IllegalArgumentException.class,
                () -> ServerOptions.DEFAULTS.withAcceptBacklog(0));
        assertTrue(backlog.getMessage().startsWith("acceptBacklog must be >= 1"), backlog.getMessage());
    }
}
