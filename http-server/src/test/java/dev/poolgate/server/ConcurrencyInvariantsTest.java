package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many concurrent requests on virtual threads, plain and streamed, while {@code /pool/stats} is
 * read all along: every snapshot keeps {@code total = available + in_use <= max}, the counters add
 * up at rest, and no connection is ever held by two requests at once.
 */
@Timeout(60)
class ConcurrencyInvariantsTest {

    private static final int MAX = 4;
    private static final int REQUESTS = 60;

    @Test
    void statsStayConsistentAndNoConnectionHasTwoHoldersUnderLoad() throws Exception {
        try (LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start("--pool-min-size", "1", "--pool-max-size", String.valueOf(MAX),
                        "--pool-health-check-interval", "0", "--pool-acquire-timeout", "20s");
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            GatewayClient client = new GatewayClient(gateway);
            gateway.embeddedStub().faults().eventLatency(Duration.ofMillis(2));
            AtomicBoolean loading = new AtomicBoolean(true);
            ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
            CompletableFuture<Integer> watcher = CompletableFuture.supplyAsync(() -> {
                int snapshots = 0;
                while (loading.get()) {
                    JsonNode stats = client.stats();
                    long total = stats.path("total_connections").asLong();
                    if (total != stats.path("available_connections").asLong()
                            + stats.path("in_use_connections").asLong() || total > MAX) {
                        violations.add(stats.toString());
                    }
                    snapshots++;
                }
                return snapshots;
            }, threads);

            List<CompletableFuture<Integer>> requests = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                String body = GatewayClient.message("load " + i, 64, i % 2 == 0);
                requests.add(CompletableFuture.supplyAsync(() -> client.post("/v1/messages", body).status(), threads));
            }
            for (CompletableFuture<Integer> request : requests) {
                assertEquals(200, request.get());
            }
            loading.set(false);
            assertTrue(watcher.get() > 0);

            assertEquals(List.of(), List.copyOf(violations), "snapshots breaking total = available + in_use <= max");
            JsonNode stats = client.stats();
            assertEquals(0, stats.path("in_use_connections").asLong(), stats.toString());
            assertEquals(stats.path("total_connections").asLong(), stats.path("connections_created").asLong()
                    - stats.path("connections_destroyed").asLong(), stats.toString());
            assertTrue(stats.path("total_connections").asLong() <= MAX, stats.toString());
            assertEquals(0, stats.path("acquire_timeouts").asLong(), stats.toString());
            assertOneHolderAtATime(log, stats.path("connections_reused").asLong());
        }
    }

    /**
     * Reads the hand-outs and returns from the log: "Acquired" is written after the pool handed a
     * connection out, "[POOL_MANAGER] Releasing" before it takes it back, so for each id they must
     * alternate in the log if no two requests ever held it at once.
     */
    private static void assertOneHolderAtATime(LogCapture log, long reused) {
        Pattern event = Pattern.compile("\\[POOL_MANAGER\\] (Acquired pooled connection|Releasing connection) "
                + "([0-9a-f]{8}).*");
        Map<String, Boolean> held = new HashMap<>();
        int handOuts = 0;
        for (String line : log.lines()) {
            Matcher matcher = event.matcher(line);
            if (!matcher.matches()) {
                continue;
            }
            String id = matcher.group(2);
            boolean acquire = matcher.group(1).startsWith("Acquired");
            boolean wasHeld = held.getOrDefault(id, false);
            assertTrue(acquire != wasHeld, () -> "connection " + id + (acquire ? " handed out while held" : " released "
                    + "while not held") + "\n" + log.text());
            held.put(id, acquire);
            handOuts += acquire ? 1 : 0;
        }
        assertEquals(REQUESTS, handOuts);
        assertTrue(held.values().stream().noneMatch(h -> h), "every hand-out was released");
        long reusedLines = log.matching("\\[POOL\\] Reusing existing connection .*").size();
        assertEquals(reused, reusedLines, "connections_reused counts each Reusing line");
    }
}
