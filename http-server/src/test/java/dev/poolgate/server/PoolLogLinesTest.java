package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The exact log lines of {@code shared/spec/pool-logs.md}, read from the server's real log: start-up,
 * a reused connection, sequential and concurrent requests, pooling disabled, and shutdown.
 */
@Timeout(60)
class PoolLogLinesTest {

    private static final String ID = "([0-9a-f]{8})";
    private static final Duration AWAIT = Duration.ofSeconds(10);

    private LogCapture log;

    @BeforeEach
    void captureLog() {
        log = LogCapture.start();
    }

    @AfterEach
    void restoreLog() {
        log.close();
    }

    /**
     * Asserts that the catalogue lines from the first one matching {@code regexes[0]} on are exactly
     * {@code regexes}, one line each (lines of other prefixes, such as the stub's, are skipped).
     */
    private List<Matcher> assertConsecutive(List<String> lines, String... regexes) {
        List<String> catalogue = lines.stream().filter(line -> !line.startsWith("[STUB]")).toList();
        Pattern first = Pattern.compile(regexes[0]);
        int start = -1;
        for (int i = 0; i < catalogue.size(); i++) {
            if (first.matcher(catalogue.get(i)).matches()) {
                start = i;
                break;
            }
        }
        assertTrue(start >= 0, () -> "no line matching " + regexes[0] + " in\n" + String.join("\n", catalogue));
        List<Matcher> matched = new ArrayList<>();
        for (int i = 0; i < regexes.length; i++) {
            String line = start + i < catalogue.size() ? catalogue.get(start + i) : "(end of log)";
            Matcher matcher = Pattern.compile(regexes[i]).matcher(line);
            int index = i;
            assertTrue(matcher.matches(), () -> "line " + index + " should match " + regexes[index] + " but was "
                    + line + "\nin\n" + String.join("\n", catalogue));
            matched.add(matcher);
        }
        return matched;
    }

    private static String quote(String text) {
        return Pattern.quote(text);
    }

    private static List<String> startUpLines() {
        return List.of(
                quote("[STARTUP] Configuring connection pool manager..."),
                quote("[POOL_MANAGER] Claude instance pool configured (min: 2, max: 10)"),
                quote("[POOL] Initializing Claude instance pool (min=2, max=10)"),
                quote("[POOL] Created new pooled connection ") + ID,
                quote("[POOL] Created new pooled connection ") + ID,
                quote("[POOL] Claude instance pool initialized successfully with 2 connections"),
                quote("[STARTUP] Claude connection pool initialized successfully"));
    }

    @Test
    void startUpCreatesTheMinimumWithOneLineEachBeforeServing() {
        try (Gateway gateway = Gateways.start()) {
            List<Matcher> lines = assertConsecutive(log.lines(), startUpLines().toArray(String[]::new));

            assertNotEquals(lines.get(3).group(1), lines.get(4).group(1), "each connection has its own id");
            JsonNode stats = new GatewayClient(gateway).stats();
            assertEquals(2, stats.path("total_connections").asLong(), "created before serving: " + stats);
            assertEquals(2, stats.path("available_connections").asLong());
        }
    }

    @Test
    void aRequestLogsTheReuseOfAConnectionAndItsReleaseBeforeTheClientHasTheAnswer() {
        try (Gateway gateway = Gateways.start("--pool-health-check-interval", "0")) {
            GatewayClient client = new GatewayClient(gateway);

            assertEquals(200, client.post("/v1/messages", GatewayClient.message("reuse")).status());

            // No waiting: the lease goes back before the last byte of the response leaves.
            List<Matcher> lines = assertConsecutive(log.lines(),
                    quote("[API] Acquiring Claude client from pool for message request"),
                    quote("[POOL_MANAGER] Acquiring client from pool"),
                    quote("[POOL] Reusing existing connection ") + ID + quote(" (use_count: 1, pool_size: 2)"),
                    quote("[POOL_MANAGER] Acquired pooled connection ") + ID + quote(" (use_count: 1)"),
                    quote("[API] Releasing Claude client connection ") + ID + quote(" back to pool"),
                    quote("[POOL_MANAGER] Releasing connection ") + ID + quote(" back to pool"),
                    quote("[POOL] Released connection ") + ID + quote(" back to pool (available: 2, in_use: 0)"));
            Set<String> ids = lines.stream().skip(2).map(m -> m.group(1)).collect(Collectors.toSet());
            assertEquals(1, ids.size(), "one connection throughout: " + ids);
        }
    }

    @Test
    void sequentialRequestsReuseOneConnectionWithAGrowingUseCountAndNeverCreate() {
        try (Gateway gateway = Gateways.start("--pool-health-check-interval", "0")) {
            GatewayClient client = new GatewayClient(gateway);

            for (int i = 0; i < 3; i++) {
                assertEquals(200, client.post("/v1/messages", GatewayClient.message("sequential " + i)).status());
            }
            assertEquals(200, client.post("/v1/messages/count_tokens",
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"four\"}]}").status());

            List<Matcher> acquired = log.matching(quote("[POOL_MANAGER] Acquired pooled connection ") + ID
                    + " \\(use_count: (\\d+)\\)");
            List<Matcher> reused = log.matching(quote("[POOL] Reusing existing connection ") + ID
                    + " \\(use_count: (\\d+), pool_size: 2\\)");
            assertEquals(List.of("1", "2", "3", "4"), acquired.stream().map(m -> m.group(2)).toList(), log.text());
            assertEquals(List.of("1", "2", "3", "4"), reused.stream().map(m -> m.group(2)).toList(), log.text());
            assertEquals(1, acquired.stream().map(m -> m.group(1)).distinct().count(), log.text());
            assertEquals(1, log.matching(quote("[API] Acquiring Claude client from pool for token count request"))
                    .size());
            assertEquals(List.of(), log.matching(".*Created new connection.*"), "sequential requests never create");
            JsonNode stats = client.stats();
            assertEquals(2, stats.path("connections_created").asLong(), stats.toString());
            assertEquals(4, stats.path("connections_reused").asLong(), stats.toString());
        }
    }

    @Test
    void concurrentRequestsGrowThePoolOneConnectionAtATime() throws Exception {
        try (Gateway gateway = Gateways.start("--pool-health-check-interval", "0");
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            GatewayClient client = new GatewayClient(gateway);
            // Streams hold their connection for the whole stream; the stub's /health is not slowed.
            gateway.embeddedStub().faults().eventLatency(Duration.ofMillis(150));
            List<CompletableFuture<Integer>> streams = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String body = GatewayClient.message("concurrent " + i, 256, true);
                streams.add(CompletableFuture.supplyAsync(() -> client.post("/v1/messages", body).status(), threads));
            }
            for (CompletableFuture<Integer> stream : streams) {
                assertEquals(200, stream.get());
            }

            List<Matcher> created = log.matching(quote("[POOL] Created new connection ") + ID
                    + " \\(total: (\\d+)/10\\)");
            assertEquals(List.of("3", "4", "5"), created.stream().map(m -> m.group(2)).sorted().toList(), log.text());
            List<String> lines = log.lines();
            for (Matcher growth : created) {
                String id = growth.group(1);
                int createdAt = lines.indexOf(growth.group());
                int acquiredAt = lines.indexOf("[POOL_MANAGER] Acquired pooled connection " + id + " (use_count: 1)");
                assertTrue(acquiredAt > createdAt, () -> id + " is handed to a waiter after its creation:\n"
                        + log.text());
            }
            JsonNode stats = client.stats();
            assertEquals(5, stats.path("total_connections").asLong(), stats.toString());
            assertEquals(5, stats.path("connections_created").asLong(), stats.toString());
        }
    }

    @Test
    void poolingDisabledCreatesOneClientPerRequest() {
        try (Gateway gateway = Gateways.start("--pool-enabled", "false")) {
            GatewayClient client = new GatewayClient(gateway);
            assertTrue(log.lines().contains("[STARTUP] Claude connection pooling is disabled"), log.text());

            for (int i = 0; i < 3; i++) {
                assertEquals(200, client.post("/v1/messages", GatewayClient.message("unpooled " + i)).status());
            }

            assertEquals(3, log.matching(quote("[POOL_MANAGER] Creating new client (pooling disabled)")).size(),
                    log.text());
            assertEquals(List.of(), log.matching(".*(Acquiring client from pool|Reusing existing connection"
                    + "|Acquired pooled connection|initialized successfully|pool configured).*"), log.text());
            assertFalse(client.get("/pool/stats").json().path("pool_enabled").asBoolean());
        }
    }

    @Test
    void closeLogsTheShutdownLinesInOrderDestroyingEveryConnection() {
        Gateway gateway = Gateways.start();
        List<Matcher> startUp = assertConsecutive(log.lines(), startUpLines().toArray(String[]::new));
        Set<String> ids = Set.of(startUp.get(3).group(1), startUp.get(4).group(1));

        gateway.close();

        List<Matcher> lines = assertConsecutive(log.lines(),
                quote("[SHUTDOWN] Shutting down Claude connection pool..."),
                quote("[POOL] Shutting down Claude instance pool (destroying 2 connections)"),
                quote("[POOL] Destroyed connection ") + ID + quote(" (total remaining: 1)"),
                quote("[POOL] Destroyed connection ") + ID + quote(" (total remaining: 0)"),
                quote("[POOL] Claude instance pool shutdown complete"),
                quote("[SHUTDOWN] Claude connection pool shut down successfully"));
        assertEquals(ids, Set.of(lines.get(2).group(1), lines.get(3).group(1)), "the connections made at start-up");
    }

    @Test
    void aConfiguredPoolNameAppearsInEveryLine() {
        try (Gateway gateway = Gateways.start("--pool-name", "Haiku instance", "--pool-min-size", "1")) {
            assertEquals(200, new GatewayClient(gateway).post("/v1/messages", GatewayClient.message("named")).status());
        }
        List<String> lines = log.lines();
        for (String expected : List.of("[POOL_MANAGER] Haiku instance pool configured (min: 1, max: 10)",
                "[STARTUP] Haiku connection pool initialized successfully",
                "[API] Acquiring Haiku client from pool for message request",
                "[SHUTDOWN] Shutting down Haiku connection pool...",
                "[SHUTDOWN] Haiku connection pool shut down successfully")) {
            assertTrue(lines.contains(expected), () -> expected + " in\n" + log.text());
        }
        assertEquals(1, log.matching(quote("[API] Releasing Haiku client connection ") + ID + " back to pool").size());
        assertEquals(List.of(), log.matching(".*Claude.*"), "no default name left");
    }
}
