package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scenarios 1 and 2: the start-up lines, and sequential requests that reuse one connection. */
class StartupAndReuseIT extends EndToEndTest {

    @Test
    @Timeout(60)
    void startupCreatesTheMinimumBeforeServingWithTheCatalogueLinesInOrder() {
        Server server = startServer();

        List<String> log = server.log();
        List<String> ids = captured(log, "\\[POOL\\] Created new pooled connection (" + ID + ")");
        assertEquals(2, ids.size(), "two pre-created connections: " + log);
        assertNotEquals(ids.get(0), ids.get(1), "each connection has its own id");
        assertEquals(List.of(
                "[STARTUP] Configuring connection pool manager...",
                "[POOL_MANAGER] Claude instance pool configured (min: 2, max: 10)",
                "[POOL] Initializing Claude instance pool (min=2, max=10)",
                "[POOL] Created new pooled connection " + ids.get(0),
                "[POOL] Created new pooled connection " + ids.get(1),
                "[POOL] Claude instance pool initialized successfully with 2 connections",
                "[STARTUP] Claude connection pool initialized successfully"), log.subList(0, 7));
        assertTrue(log.get(7).startsWith("[STARTUP] Gateway listening on " + server.uri()),
                "the server listens only after the pool is ready: " + log);

        assertEquals(new PoolStats(true, 2, 0, 0, 0, 0, 2, 2, 0), server.stats());
        assertEquals(List.of(), server.problems(), "warnings or errors in " + server.logFile());
    }

    @Test
    @Timeout(60)
    void sequentialRequestsReuseOneConnectionWithAGrowingUseCountAndCreateNone() {
        Server server = startServer();
        int listening = server.log().size();
        long warmUpsBefore = stub.requests("/health");

        int requests = 6;
        for (int i = 1; i <= requests; i++) {
            String text = "sequential request number " + i;
            assertTrue(server.api().message(text).text().startsWith(Api.replyPrefix(text)));
            // The release is logged after the response went out: wait for it before the next request.
            server.awaitLog("[POOL] Released connection ", i, Duration.ofSeconds(10));
        }

        List<String> requestLines = server.log().subList(listening, server.log().size());
        String id = captured(requestLines, "\\[POOL\\] Reusing existing connection (" + ID + ") .*").getFirst();
        List<String> expected = new ArrayList<>();
        for (int useCount = 1; useCount <= requests; useCount++) {
            expected.addAll(List.of(
                    "[API] Acquiring Claude client from pool for message request",
                    "[POOL_MANAGER] Acquiring client from pool",
                    "[POOL] Reusing existing connection " + id + " (use_count: " + useCount + ", pool_size: 2)",
                    "[POOL_MANAGER] Acquired pooled connection " + id + " (use_count: " + useCount + ")",
                    "[API] Releasing Claude client connection " + id + " back to pool",
                    "[POOL_MANAGER] Releasing connection " + id + " back to pool",
                    "[POOL] Released connection " + id + " back to pool (available: 2, in_use: 0)"));
        }
        assertEquals(expected, requestLines);
        assertEquals(List.of(), server.log("[POOL] Created new connection "));

        assertEquals(new PoolStats(true, 2, 0, requests, 0, 0, 2, 2, 0), server.stats());
        assertEquals(warmUpsBefore, stub.requests("/health"), "no new upstream client was warmed up");
        assertEquals(List.of(), server.problems(), "warnings or errors in " + server.logFile());
    }
}
