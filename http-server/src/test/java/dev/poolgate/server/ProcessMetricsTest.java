package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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

    /** The process's open descriptors as the kernel lists them now. */
    private static long liveDescriptors() {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Scrapes the gauge until it lies within a few descriptors of the kernel's own count, taken
     * around the scrape (the scrape's own connection and earlier tests' sockets closing late move it).
     */
    private static long matchingGauge(GatewayClient client, String state) {
        long[] seen = new long[1];
        Await.until("process_open_fds matches the kernel's count " + state, Duration.ofSeconds(10), () -> {
            long low = liveDescriptors();
            seen[0] = metric(client, "process_open_fds");
            long high = liveDescriptors();
            return seen[0] >= Math.min(low, high) - 5 && seen[0] <= Math.max(low, high) + 5;
        });
        return seen[0];
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
            long open;
            try {
                for (int i = 0; i < SOCKETS; i++) {
                    Socket socket = new Socket();
                    sockets.add(socket);
                    socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5_000);
                }
                open = matchingGauge(client, "with " + SOCKETS + " connections open");
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
            long closed = matchingGauge(client, "after the connections closed");
            assertTrue(open - closed >= SOCKETS, "the gauge fell from " + open + " to " + closed
                    + " only, after closing " + SOCKETS + " connections (" + 2 * SOCKETS + " descriptors)");
        }
    }
}
