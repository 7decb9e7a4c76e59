package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Shutting down: requests in flight finish; new ones and /health get 503 meanwhile. */
@Timeout(60)
class ShutdownTest {

    private static final Duration AWAIT = Duration.ofSeconds(10);

    @Test
    void aRequestInFlightFinishesWhileNewOnesAndHealthGet503() throws Exception {
        Gateway gateway = Gateways.start("--drain-timeout", "30s");
        try {
            GatewayClient client = new GatewayClient(gateway);
            gateway.embeddedStub().faults().requestLatency(Duration.ofMillis(2_000));
            CompletableFuture<Response> inFlight = CompletableFuture.supplyAsync(
                    () -> client.post("/v1/messages", GatewayClient.message("finish me")));
            client.awaitStat("in_use_connections", 1, AWAIT);

            long closeStart = System.nanoTime();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(gateway::close);

            Response health = Await.until("/health to turn 503", AWAIT, () -> client.get("/health"),
                    response -> response.status() == 503);
            assertEquals("shutting_down", health.json().path("status").asText());
            Response refused = client.post("/v1/messages", GatewayClient.message("too late"));
            refused.assertError(503, "overloaded_error");
            assertTrue(refused.header("retry-after") != null, "retry-after");
            assertFalse(inFlight.isDone(), "the slow request is still in flight");

            Response finished = inFlight.get(10, TimeUnit.SECONDS);
            assertEquals(200, finished.status(), finished.body());
            assertTrue(finished.json().path("content").path(0).path("text").asText().contains("finish me"));
            closing.get(10, TimeUnit.SECONDS);
            long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStart);
            assertTrue(closeMillis < 10_000, "close waited for the request, not the 30 s drain time: " + closeMillis);
        } finally {
            gateway.close();
        }
    }
}
