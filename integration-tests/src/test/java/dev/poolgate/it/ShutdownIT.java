package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scenario 10: SIGTERM while a request is in flight. */
class ShutdownIT extends EndToEndTest {

    /** The JVM's exit status after SIGTERM: 128 + 15. */
    private static final int EXIT_ON_SIGTERM = 143;

    @Test
    @Timeout(60)
    void sigtermLetsTheRequestInFlightFinishThenLogsTheShutdownLinesInOrder() {
        Server server = startServer("--drain-timeout", "10s");
        List<String> ids = captured(server.log(), "\\[POOL\\] Created new pooled connection (" + ID + ")");
        stub.faults("{\"request_latency_ms\": 2000}");
        String text = "a request that outlives the SIGTERM";
        CompletableFuture<Api.Reply> inFlight = CompletableFuture.supplyAsync(() -> server.api().message(text),
                command -> Thread.ofVirtual().start(command));
        Await.until("the request holds a connection", Duration.ofSeconds(10), () -> server.stats().inUse() == 1);
        server.assertPoolConsistent();
        int beforeSigterm = server.log().size();

        server.terminate();
        server.awaitLog("[SHUTDOWN] Shutting down Claude connection pool...", 1, Duration.ofSeconds(10));
        // While it drains: not ready, and new API requests are refused at once.
        assertEquals(503, server.api().get("/health").status());
        Api.Reply refused = server.api().message("too late");
        assertEquals(503, refused.status(), refused.toString());
        assertEquals("overloaded_error", refused.json().path("error").path("type").asText(), refused.toString());
        assertTrue(refused.headers().firstValue("retry-after").isPresent(), refused.toString());

        Api.Reply finished = result(inFlight, Duration.ofSeconds(20));
        assertTrue(finished.text().startsWith(Api.replyPrefix(text)), finished.toString());
        assertEquals(EXIT_ON_SIGTERM, server.awaitExit(Duration.ofSeconds(20)));

        List<String> shutdown = server.log().subList(beforeSigterm, server.log().size());
        String id = captured(shutdown, "\\[POOL\\] Released connection (" + ID + ") .*").getFirst();
        List<String> destroyed = captured(shutdown, "\\[POOL\\] Destroyed connection (" + ID + ") .*");
        assertEquals(Set.copyOf(ids), Set.copyOf(destroyed), "both connections destroyed: " + shutdown);
        assertEquals(List.of(
                "[SHUTDOWN] Shutting down Claude connection pool...",
                "[API] Releasing Claude client connection " + id + " back to pool",
                "[POOL_MANAGER] Releasing connection " + id + " back to pool",
                "[POOL] Released connection " + id + " back to pool (available: 2, in_use: 0)",
                "[POOL] Shutting down Claude instance pool (destroying 2 connections)",
                "[POOL] Destroyed connection " + destroyed.get(0) + " (total remaining: 1)",
                "[POOL] Destroyed connection " + destroyed.get(1) + " (total remaining: 0)",
                "[POOL] Claude instance pool shutdown complete",
                "[SHUTDOWN] Claude connection pool shut down successfully"), shutdown);
        assertEquals(List.of(), server.problems(), "warnings or errors in " + server.logFile());
    }
}
