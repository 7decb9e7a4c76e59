package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scenario 9: pooling disabled, a fresh upstream client per request. */
class PoolingDisabledIT extends EndToEndTest {

    @Test
    @Timeout(60)
    void withPoolingDisabledEveryRequestGetsAFreshClient() {
        Server server = startServer("--pool-enabled", "false");
        assertEquals(List.of(
                "[STARTUP] Configuring connection pool manager...",
                "[STARTUP] Claude connection pooling is disabled"), server.log().subList(0, 2));
        assertTrue(server.log().get(2).startsWith("[STARTUP] Gateway listening on "), server.log().toString());
        long warmUpsBefore = stub.requests("/health");
        long connectionsBefore = stub.requestStats().path("client_connections_seen").asLong();

        int requests = 4;
        for (int i = 1; i <= requests; i++) {
            String text = "unpooled request " + i;
            assertTrue(server.api().message(text).text().startsWith(Api.replyPrefix(text)));
        }

        PoolStats stats = Await.until("every fresh client is closed after use", Duration.ofSeconds(10),
                server::stats, s -> s.destroyed() == requests, server::log);
        assertEquals(new PoolStats(false, requests, requests, 0, 0, 0, 0, 0, 0), stats);
        server.awaitLog("[POOL_MANAGER] Creating new client", requests, Duration.ofSeconds(10));
        assertEquals(Collections.nCopies(requests, "[POOL_MANAGER] Creating new client (pooling disabled)"),
                server.log("[POOL_MANAGER] "));
        assertEquals(List.of(), server.log("[POOL] "), "no pool at work");
        // Upstream sees it too: each fresh client warmed up (one /health each) on a new connection.
        assertEquals(warmUpsBefore + requests, stub.requests("/health"));
        long connections = stub.requestStats().path("client_connections_seen").asLong() - connectionsBefore;
        assertTrue(connections >= requests, "new upstream connections: " + connections);
        assertEquals(List.of(), server.problems(), "warnings or errors in " + server.logFile());
    }
}
