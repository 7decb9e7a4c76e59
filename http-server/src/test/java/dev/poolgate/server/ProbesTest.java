package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.testkit.Await;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /health} says the process serves; {@code /ready} says whether traffic should come: 200
 * once the pool's minimum exists and upstream answers, 503 with the reason in the body while no
 * client can be created or health checks fail. Every GET endpoint answers HEAD without a body.
 */
@Timeout(60)
class ProbesTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);

    @Test
    void readyIs200OnceThePoolsMinimumExists() {
        try (Gateway gateway = Gateways.start()) {
            Response ready = new GatewayClient(gateway).get("/ready");
            assertEquals(200, ready.status(), ready.body());
            assertEquals("{\"status\":\"ready\"}", ready.body());
        }
    }

    @Test
    void readyIs503WithTheReasonWhileUpstreamIsUnreachableButHealthStays200() {
        String upstream = "http://127.0.0.1:" + Gateways.closedPort();
        try (Gateway gateway = Gateways.start("--anthropic-base-url", upstream, "--pool-min-size", "1",
                "--upstream-connect-timeout", "1s")) {
            GatewayClient client = new GatewayClient(gateway);
            Response ready = client.get("/ready");
            assertEquals(503, ready.status(), ready.body());
            assertEquals("not_ready", ready.json().path("status").asText());
            assertEquals("upstream_unreachable", ready.json().path("reason").asText(), ready.body());
            assertTrue(ready.json().path("message").asText().contains("could be created"), ready.body());
            assertEquals(200, client.get("/health").status(), "alive all the same");
        }
    }

    @Test
    void readyTurns503WhileUpstreamHealthChecksFailAndBackTo200After() {
        try (Gateway gateway = Gateways.start("--pool-min-size", "1", "--pool-health-check-interval", "100ms")) {
            GatewayClient client = new GatewayClient(gateway);
            gateway.embeddedStub().faults().healthFailing(true);
            Response failing = Await.until("/ready to turn 503", AWAIT, () -> client.get("/ready"),
                    response -> response.status() == 503);
            assertTrue(List.of("upstream_health_check_failing", "upstream_unreachable", "pool_below_minimum")
                    .contains(failing.json().path("reason").asText()), failing.body());
            gateway.embeddedStub().faults().healthFailing(false);
            Await.until("/ready to turn 200 again", AWAIT, () -> client.get("/ready"),
                    response -> response.status() == 200);
        }
    }

    @Test
    void everyGetEndpointAnswersHeadWithoutABody() {
        try (Gateway gateway = Gateways.start()) {
            GatewayClient client = new GatewayClient(gateway);
            for (String path : List.of("/health", "/ready", "/metrics", "/pool/stats", "/v1/models",
                    "/v1/models/claude-sonnet-4-5-20250929")) {
                Response head = client.send(client.request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()));
                assertEquals(200, head.status(), path + ": " + head.body());
                assertEquals("", head.body(), path);
                assertTrue(head.header("request-id").startsWith("req_"), path);
            }
        }
    }
}
