package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that stops reading a streamed answer cannot hold its pooled upstream connection: once
 * it accepts no bytes for {@code --client-write-timeout}, it is cut off, the stream's upstream
 * connection is destroyed (and replaced to the pool's minimum), and {@code in_use} drops to 0.
 */
@Timeout(60)
class ClientWriteTimeoutTest {

    private static final Duration WRITE_TIMEOUT = Duration.ofMillis(300);

    /** An upstream that answers every message request with an endless event stream, until hung up on. */
    private static final class EndlessStreamUpstream implements AutoCloseable {

        private final ServerSocket server;
        private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        private final AtomicInteger hangUps = new AtomicInteger();

        EndlessStreamUpstream() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            executor.execute(this::accept);
        }

        String baseUri() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    executor.execute(() -> serve(socket));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).strip());
                        }
                    }
                    in.readNBytes(length);
                    if (!head.startsWith("POST /v1/messages")) {
                        byte[] body = "{\"data\":[]}".getBytes(StandardCharsets.UTF_8);
                        out.write(("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(body);
                        out.flush();
                        continue;
                    }
                    out.write(("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked"
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    byte[] event = ("event: ping\ndata: {\"type\":\"ping\",\"pad\":\"" + "x".repeat(4000)
                            + "\"}\n\n").getBytes(StandardCharsets.UTF_8);
                    byte[] size = (Integer.toHexString(event.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    try {
                        while (true) {
                            out.write(size);
                            out.write(event);
                            out.write('\r');
                            out.write('\n');
                            out.flush();
                        }
                    } catch (IOException e) {
                        hangUps.incrementAndGet();
                        return;
                    }
                }
            } catch (IOException e) {
                // the connection ended
            }
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return null;
                }
                head.append((char) c);
            }
            return head.toString();
        }

        @Override
        public void close() throws IOException {
            server.close();
            executor.shutdownNow();
        }
    }

    @Test
    void aClientThatStopsReadingAStreamIsCutOffAndItsPooledConnectionIsDestroyedAndReplaced() throws Exception {
        try (EndlessStreamUpstream upstream = new EndlessStreamUpstream();
                Gateway gateway = Gateways.start("--anthropic-base-url", upstream.baseUri(), "--anthropic-api-key",
                        "sk-upstream", "--upstream-health-path", "/v1/models", "--pool-min-size", "1",
                        "--pool-health-check-interval", "0", "--client-write-timeout",
                        WRITE_TIMEOUT.toMillis() + "ms");
                Socket stalled = new Socket()) {
            GatewayClient client = new GatewayClient(gateway);
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5_000);
            String body = GatewayClient.message("never read", 64, true);
            stalled.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nanthropic-version: "
                    + GatewayClient.VERSION + "\r\ncontent-type: application/json\r\ncontent-length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            stalled.getOutputStream().flush();
            // The client reads nothing from here on.
            Await.until("the stream to hold a pooled connection", Duration.ofSeconds(10),
                    () -> client.stat("in_use_connections") == 1);

            Await.until("in_use to return to 0 once the write deadline cut the client off", Duration.ofSeconds(10),
                    () -> client.stat("in_use_connections") == 0);
            Await.until("the stream's upstream connection to be hung up on", Duration.ofSeconds(10),
                    () -> upstream.hangUps.get() == 1);
            Await.until("the pool to replace the destroyed connection", Duration.ofSeconds(10),
                    () -> client.stat("total_connections") == 1);
            assertEquals(200, client.get("/health").status(), "the gateway serves on");
            assertTrue(drainsToTheEnd(stalled), "the stalled client's connection was closed");
        }
    }

    /** Reads what the gateway sent before it cut the client off; true when the connection then ends. */
    private static boolean drainsToTheEnd(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = socket.getInputStream()) {
            while (in.read(buffer) >= 0) {
                // drop
            }
            return true;
        } catch (java.net.SocketException e) {
            return true; // reset: closed too
        }
    }
}
