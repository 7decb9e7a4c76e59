package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scenarios 5 and 6: idle cleanup back down to min, and health-check failures. */
class MaintenanceIT extends EndToEndTest {

    @Test
    @Timeout(60)
    void idleConnectionsAboveMinAreCleanedUpAfterTheIdleTimeout() {
        Server server = startServer("--pool-min-size", "2", "--pool-max-size", "4", "--pool-idle-timeout", "1s");
        stub.faults("{\"request_latency_ms\": 300}");
        concurrently(4, i -> server.api().message("grow " + i))
                .forEach(reply -> assertEquals(200, reply.status(), reply.toString()));
        assertEquals(2, server.log("[POOL] Created new connection ").size(), "the pool grew to 4");
        stub.resetFaults();

        // The stats change under the pool's lock, the lines follow just after: wait for both.
        PoolStats atMin = Await.until("the pool is back at its min of 2", Duration.ofSeconds(15), server::stats,
                stats -> stats.total() == 2, server::log);
        assertEquals(new PoolStats(true, 4, 2, atMin.reused(), 0, 0, 2, 2, 0), atMin);
        server.awaitLog("[POOL] Destroyed connection ", 2, Duration.ofSeconds(5));

        List<String> cleanup = server.log().stream()
                .filter(line -> line.startsWith("[POOL] Cleaned up ") || line.startsWith("[POOL] Destroyed "))
                .toList();
        List<String> ids = captured(cleanup, "\\[POOL\\] Cleaned up idle connection (" + ID + ") .*");
        assertEquals(2, ids.size(), cleanup.toString());
        assertEquals(List.of(
                "[POOL] Cleaned up idle connection " + ids.get(0) + " (was idle for >=1 seconds)",
                "[POOL] Destroyed connection " + ids.get(0) + " (total remaining: 3)",
                "[POOL] Cleaned up idle connection " + ids.get(1) + " (was idle for >=1 seconds)",
                "[POOL] Destroyed connection " + ids.get(1) + " (total remaining: 2)"), cleanup);

        // Never below min: two more idle timeouts pass without another clean-up.
        Await.holds("the pool to stay at min", Duration.ofMillis(2500), () -> server.stats().total() == 2,
                server::log);
        assertEquals(2, server.log("[POOL] Cleaned up idle connection ").size());
        assertEquals(List.of(), server.problems(), "warnings or errors in " + server.logFile());
    }

    @Test
    @Timeout(60)
    void failingHealthChecksDestroyConnectionsAndThePoolRefillsToMinOnceHealthy() {
        Server server = startServer("--pool-min-size", "2", "--pool-max-size", "4",
                "--pool-health-check-interval", "300ms");
        List<String> initial = captured(server.log(), "\\[POOL\\] Created new pooled connection (" + ID + ")");
        assertEquals(2, initial.size());

        stub.faults("{\"health_failing\": true}");
        server.awaitLog("[POOL] Destroyed unhealthy connection ", 2, Duration.ofSeconds(10));
        for (String id : initial) {
            List<String> lines = server.log().stream().filter(line -> line.contains(id)).toList();
            int failed = lines.indexOf("[POOL] Health check failed for connection " + id);
            int destroyed = lines.indexOf("[POOL] Destroyed unhealthy connection " + id);
            assertTrue(failed >= 0 && destroyed == failed + 1, "failure, then destruction, of " + id + ": " + lines);
        }
        // While the upstream is unhealthy no replacement can be warmed up.
        PoolStats failing = server.stats();
        assertEquals(2, failing.healthCheckFailures(), failing.toString());
        assertEquals(0, failing.total(), failing.toString());

        stub.faults("{\"health_failing\": false}");
        PoolStats healthy = Await.until("the pool is back at its min of 2", Duration.ofSeconds(15), server::stats,
                stats -> stats.total() == 2 && stats.available() == 2, server::log);
        assertEquals(new PoolStats(true, 4, 2, 0, 0, 2, 2, 2, 0), healthy);
        assertEquals(server.log("[POOL] Health check failed for connection ").size(), healthy.healthCheckFailures());

        // The counters move before the lines are written and read from the server's output.
        server.awaitLog("[POOL] Created new pooled connection ", 4, Duration.ofSeconds(10));
        List<String> created = captured(server.log(), "\\[POOL\\] Created new pooled connection (" + ID + ")");
        assertEquals(4, created.size(), "two replacements: " + created);
        assertEquals(4, Set.copyOf(created).size(), "replacements have new ids: " + created);
        String text = "served again after the health checks";
        assertTrue(server.api().message(text).text().startsWith(Api.replyPrefix(text)));
    }
}
