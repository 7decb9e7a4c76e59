package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /metrics} exports the process's open file descriptors and heap, which a soak compares from
 * start to end: the descriptor gauge follows connections as they open and close.
 */
@Timeout(30)
class ProcessMetricsTest {

    private static final int SOCKETS = 40;

    private static long metric(GatewayClient client, String series) {
        String text = client.metrics();
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue(matcher.find(), () -> series + " missing in\n" + text);
        return (long) Double.parseDouble(matcher.group(1));
    }

    @Test
    void heapGaugesAreExportedAndConsistent() {
        try (Gateway gateway = Gateways.start()) {
            GatewayClient client = new GatewayClient(gateway);
            long used = metric(client, "jvm_memory_used_bytes{area=\"heap\"}");
            long committed = metric(client, "jvm_memory_committed_bytes{area=\"heap\"}");
            long max = metric(client, "jvm_memory_max_bytes{area=\"heap\"}");
            assertTrue(used > 0 && used <= committed && committed <= max,
                    "used " + used + ", committed " + committed + ", max " + max);
            assertTrue(client.metrics().contains("# TYPE jvm_memory_used_bytes gauge\n"));
        }
    }

    @Test
    void openFileDescriptorsFollowConnectionsOpenedAndClosed() throws IOException {
        try (Gateway gateway = Gateways.start()) {
            GatewayClient client = new GatewayClient(gateway);
            long before = metric(client, "process_open_fds");
            long limit = metric(client, "process_max_fds");
            assertTrue(before > 0 && before < limit, before + " of " + limit);

            // The gateway runs in this JVM: each connection is a descriptor on both ends.
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < SOCKETS; i++) {
                    Socket socket = new Socket();
                    sockets.add(socket);
                    socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5_000);
                }
                Await.until("the gateway accepted " + SOCKETS + " connections", Duration.ofSeconds(10),
                        () -> metric(client, "process_open_fds") >= before + 2 * SOCKETS);
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
            Await.until("the descriptors are closed again", Duration.ofSeconds(10),
                    () -> metric(client, "process_open_fds") <= before + 5);
        }
    }
}
