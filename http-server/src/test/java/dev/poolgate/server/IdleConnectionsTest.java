package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many clients keep their connections: after an answer, a keep-alive connection stays open for the
 * client's next request even when hundreds of others are idle too (the JDK server alone closes
 * every one beyond 200). In a server process of its own, since the JDK reads the setting once per
 * process, when its first server starts.
 */
@Timeout(60)
class IdleConnectionsTest {

    private static final int CLIENTS = 300;

    /** One keep-alive connection that sends {@code GET /health} and reads the answer. */
    private static final class Connection implements AutoCloseable {
        private final Socket socket = new Socket();
        private final BufferedReader in;
        private final OutputStream out;

        Connection(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            out = socket.getOutputStream();
        }

        /** The status of one {@code GET /health}, or -1 when the connection was closed. */
        int health() throws IOException {
            out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = in.readLine();
            if (status == null) {
                return -1;
            }
            int length = 0;
            for (String header; (header = in.readLine()) != null && !header.isEmpty(); ) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring(15).strip());
                }
            }
            for (int i = 0; i < length; i++) {
                in.read();
            }
            return Integer.parseInt(status.split(" ")[1]);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void threeHundredIdleKeepAliveConnectionsAllServeASecondRequest() throws IOException {
        try (ServerProcess server = ServerProcess.start(List.of(), List.of("--port", "0", "--upstream", "stub"), Map.of())) {
            int port = server.awaitListening(Duration.ofSeconds(30));
            List<Connection> connections = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    Connection connection = new Connection(port);
                    connections.add(connection);
                    assertEquals(200, connection.health(), "first request on connection " + i);
                }
                // All 300 are idle now; each sends its second request on the same connection.
                List<Integer> closed = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    int status;
                    try {
                        status = connections.get(i).health();
                    } catch (IOException e) {
                        status = -1;
                    }
                    if (status != 200) {
                        closed.add(i);
                    }
                }
                assertEquals(List.of(), closed, "connections the server closed after their first answer");
            } finally {
                for (Connection connection : connections) {
                    connection.close();
                }
            }
        }
    }
}
