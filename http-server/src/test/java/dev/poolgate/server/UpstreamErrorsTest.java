package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.stub.StubBackend;
import dev.poolgate.stub.StubConfig;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Upstream's errors and the gateway's own when upstream fails: 429/500/529 passed through
 * unchanged, 502 when upstream cannot be reached, 504 when it is too slow, 529 when no pooled
 * client frees up within the acquire timeout.
 */
@Timeout(60)
class UpstreamErrorsTest {

    private static final String UPSTREAM_KEY = "sk-upstream-test-key-0123";
    private static final Duration AWAIT = Duration.ofSeconds(10);

    /** Asks the stub directly, as the gateway would, for comparison. */
    private static Response direct(StubBackend stub, String body) {
        GatewayClient direct = new GatewayClient(stub.port());
        return direct.send(direct.request("/v1/messages").setHeader("x-api-key", UPSTREAM_KEY)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void upstreams429And500And529ArePassedThroughUnchangedWithTheirRetryHeaders() {
        try (StubBackend stub = StubBackend.start(StubConfig.builder().apiKey(UPSTREAM_KEY).build());
                Gateway gateway = Gateways.start("--anthropic-base-url", stub.baseUri().toString(),
                        "--anthropic-api-key", UPSTREAM_KEY)) {
            GatewayClient client = new GatewayClient(gateway);
            String body = GatewayClient.message("fail please");
            long destroyed = client.stat("connections_destroyed");
            String[][] cases = {{"429", "rate_limit_error"}, {"500", "api_error"}, {"529", "overloaded_error"}};
            for (String[] failure : cases) {
                int status = Integer.parseInt(failure[0]);
                stub.faults().failWith(status).retryAfterSeconds(7);
                Response expected = direct(stub, body);

                Response response = client.post("/v1/messages", body);

                JsonNode error = response.assertError(status, failure[1]);
                assertEquals(expected.json().path("error"), error.path("error"), "the body is upstream's");
                assertEquals(response.header("request-id"), error.path("request_id").asText(),
                        "upstream's request id, in header and body");
                assertEquals(expected.header("retry-after"), response.header("retry-after"), "retry-after " + status);
                assertEquals("true", response.header("x-should-retry"));
                if (status != 500) {
                    assertEquals("7", response.header("retry-after"));
                }
            }
            stub.faults().reset();
            assertEquals(200, client.post("/v1/messages", body).status(), "an error answer leaves the pool usable");
            assertEquals(0, client.stat("in_use_connections"));
            assertEquals(destroyed, client.stat("connections_destroyed"), "a clean error answer keeps its client");
        }
    }

    /**
     * With no client to lend and none that can be created, a request waits out the acquire timeout
     * (a client may still come back: a release, or a creation retry that succeeds) and then gets
     * 502, with the creation failure, not the pool's size, named as the reason.
     */
    @Test
    void anUnreachableUpstreamIsABadGatewayWithinTheAcquireTimeout() {
        int port = Gateways.closedPort();
        try (Gateway gateway = Gateways.start("--anthropic-base-url", "http://127.0.0.1:" + port,
                "--anthropic-api-key", UPSTREAM_KEY, "--pool-min-size", "0", "--pool-acquire-timeout", "500ms")) {
            GatewayClient client = new GatewayClient(gateway);
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                Response response = client.post("/v1/messages", GatewayClient.message("anyone there?"));
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

                response.assertError(502, "api_error");
                assertNull(response.header("retry-after"));
                assertTrue(millis >= 450 && millis < 5_000, "answered after " + millis + " ms, expected about the "
                        + "500 ms acquire timeout");
                assertFalse(response.body().contains(UPSTREAM_KEY));
            }
            client.awaitStat("in_use_connections", 0, AWAIT);
            assertEquals(3, client.stat("acquire_timeouts"), "each request waited out the acquire timeout");
            assertEquals(200, client.get("/health").status(), "the gateway itself is alive");
        }
    }

    @Test
    void startingWithUpstreamDownSaysSoAndServesBadGatewayWithinTheAcquireTimeout() {
        int port = Gateways.closedPort();
        try (LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start("--anthropic-base-url", "http://127.0.0.1:" + port,
                        "--anthropic-api-key", UPSTREAM_KEY, "--pool-acquire-timeout", "500ms")) {
            GatewayClient client = new GatewayClient(gateway);
            assertEquals(List.of(), log.matching(".*initialized successfully.*"), log.text());
            assertEquals(1, log.matching("\\[STARTUP\\] Claude connection pool started with 0 of its 2 minimum "
                    + "connections; .*").size(), log.text());
            assertEquals(200, client.get("/health").status(), "the gateway itself serves");

            long start = System.nanoTime();
            Response response = client.post("/v1/messages", GatewayClient.message("anyone there?"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            response.assertError(502, "api_error");
            assertTrue(millis < 5_000, "answered after " + millis + " ms, expected about the 500 ms acquire timeout");
        }
    }

    @Test
    void anUnreachableUpstreamIsABadGatewayWithPoolingDisabledToo() {
        int port = Gateways.closedPort();
        try (Gateway gateway = Gateways.start("--anthropic-base-url", "http://127.0.0.1:" + port,
                "--anthropic-api-key", UPSTREAM_KEY, "--pool-enabled", "false")) {
            GatewayClient client = new GatewayClient(gateway);

            client.post("/v1/messages", GatewayClient.message("anyone there?")).assertError(502, "api_error");
            client.get("/v1/models").assertError(502, "api_error");
        }
    }

    @Test
    void anUpstreamSlowerThanTheUpstreamTimeoutIsAGatewayTimeout() {
        try (Gateway gateway = Gateways.start("--upstream-timeout", "300ms")) {
            GatewayClient client = new GatewayClient(gateway);
            long destroyedBefore = client.stat("connections_destroyed");
            gateway.embeddedStub().faults().requestLatency(Duration.ofSeconds(3));

            long start = System.nanoTime();
            Response response = client.post("/v1/messages", GatewayClient.message("take your time"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            response.assertError(504, "api_error");
            assertTrue(response.errorMessage().contains("--upstream-timeout"), response.body());
            assertTrue(millis >= 250 && millis < 2_500, "answered after " + millis + " ms");
            client.awaitStat("in_use_connections", 0, AWAIT);
            assertTrue(client.stat("connections_destroyed") > destroyedBefore,
                    "the client with a request still pending upstream is not reused");
        }
    }

    @Test
    void noFreePooledClientWithinTheAcquireTimeoutIsOverloadedAndCounted() throws Exception {
        try (Gateway gateway = Gateways.start("--pool-min-size", "1", "--pool-max-size", "1",
                "--pool-acquire-timeout", "200ms", "--pool-health-check-interval", "0")) {
            GatewayClient client = new GatewayClient(gateway);
            gateway.embeddedStub().faults().requestLatency(Duration.ofMillis(2_500));
            CompletableFuture<Response> holder = CompletableFuture.supplyAsync(
                    () -> client.post("/v1/messages", GatewayClient.message("hold the only client")));
            client.awaitStat("in_use_connections", 1, AWAIT);

            long start = System.nanoTime();
            Response response = client.post("/v1/messages", GatewayClient.message("is one free?"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTrue(response.status() == 529 || response.status() == 503, response.body());
            response.assertError(response.status(), "overloaded_error");
            assertNotNull(response.header("retry-after"), "retry-after");
            assertTrue(Integer.parseInt(response.header("retry-after")) >= 1);
            assertTrue(millis >= 150 && millis < 2_000, "answered after " + millis + " ms");
            JsonNode stats = client.stats();
            assertEquals(1, stats.path("acquire_timeouts").asLong(), stats.toString());
            assertEquals(1, stats.path("total_connections").asLong(), "never above max: " + stats);
            GatewayContract.assertMetric(client.metrics(), "poolgate_pool_acquire_timeouts_total", 1);

            assertEquals(200, holder.get(10, TimeUnit.SECONDS).status(), "the holder finishes normally");
            client.awaitStat("in_use_connections", 0, AWAIT);
        }
    }
}
