package dev.poolgate.bench.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both ceiling proxies relay requests and answers framed by content-length over kept-alive
 * connections, and keep serving after a client that left before its answer came.
 */
@Timeout(60)
class ModelCeilingTest {

    @ParameterizedTest
    @ValueSource(strings = {"threads", "loop"})
    void relaysAnswersAndOutlivesAClientThatLeftEarly(String design) throws Exception {
        try (FakeUpstream upstream = new FakeUpstream()) {
            CompletableFuture<Integer> listening = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    // One loop: the client that leaves and the later ones share it.
                    ModelCeiling.run(design, 0, upstream.port(), 1, listening::complete);
                } catch (IOException e) {
                    listening.completeExceptionally(e);
                }
            });
            int port = listening.get(10, TimeUnit.SECONDS);
            try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                for (int i = 0; i < 3; i++) {
                    assertEquals("answer to /v1/messages with 5 bytes", post(client, port, "/v1/messages", "hello"));
                }
                // A client that sends a request and leaves before its answer comes.
                try (Socket early = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    early.getOutputStream().write(("POST /slow HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nhi")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    early.shutdownOutput();
                    if (design.equals("loop")) {
                        // The loop closes a client at its end of stream; its answer is still to come.
                        assertEquals(-1, early.getInputStream().read());
                    }
                    upstream.releaseSlow.countDown();
                }
                assertTrue(upstream.slowAnswered.await(10, TimeUnit.SECONDS), "upstream answered the slow request");
                for (int i = 0; i < 3; i++) { // by now the proxy has read that answer, for nobody
                    assertEquals("answer to /v1/messages with 3 bytes", post(client, port, "/v1/messages", "bye"));
                }
            }
        }
    }

    private static String post(HttpClient client, int port, String path, String body) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    /** An upstream that answers each request with its path and body length; /slow when the test says. */
    private static final class FakeUpstream implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        /** Counted down by the test when the answer to /slow may go. */
        final CountDownLatch releaseSlow = new CountDownLatch(1);
        final CountDownLatch slowAnswered = new CountDownLatch(1);

        FakeUpstream() throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        Thread.ofVirtual().start(() -> serve(socket));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(Socket socket) {
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                while (true) {
                    StringBuilder head = new StringBuilder();
                    int matched = 0;
                    while (matched < 4) {
                        int b = in.read();
                        if (b < 0) {
                            return;
                        }
                        head.append((char) b);
                        matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
                    }
                    String text = head.toString();
                    String path = text.substring(text.indexOf(' ') + 1, text.indexOf(' ', text.indexOf(' ') + 1));
                    int length = 0;
                    for (String line : text.split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).strip());
                        }
                    }
                    in.readNBytes(length);
                    if (path.equals("/slow")) {
                        releaseSlow.await();
                    }
                    byte[] body = ("answer to " + path + " with " + length + " bytes").getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    if (path.equals("/slow")) {
                        slowAnswered.countDown();
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the proxy closed this connection
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
