package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.poolgate.testkit.Await;
import dev.poolgate.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two gateway instances sharing one upstream budget through a real redis-server: the upstream
 * never sees more requests at once than {@code --cluster-max-in-flight}, however the requests
 * spread over the instances; a per-minute request budget holds over both; and when Redis goes
 * away the failure policy decides, and the limits come back with Redis without a restart.
 */
@Timeout(120)
class ClusterModeTest {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        assumeTrue(RedisServer.available(), RedisServer.MISSING);
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static Gateway instance(HeldUpstream upstream, String key, String... flags) {
        List<String> args = new ArrayList<>(List.of("--anthropic-base-url", upstream.url(), "--anthropic-api-key",
                key, "--cluster-redis-url", redis.url(), "--pool-min-size", "0", "--pool-acquire-timeout", "60s",
                "--pool-health-check-interval", "0"));
        args.addAll(List.of(flags));
        return Gateways.start(args.toArray(String[]::new));
    }

    private static long gauge(GatewayClient client, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + " (-?\\d+)").matcher(client.metrics());
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -2;
    }

    @Test
    void theUpstreamNeverSeesMoreRequestsAtOnceThanTheLimitOverBothInstances() throws Exception {
        try (HeldUpstream upstream = new HeldUpstream();
             Gateway one = instance(upstream, "key-limit", "--cluster-max-in-flight", "2");
             Gateway two = instance(upstream, "key-limit", "--cluster-max-in-flight", "2")) {
            GatewayClient first = new GatewayClient(one);
            GatewayClient second = new GatewayClient(two);
            List<CompletableFuture<GatewayClient.Response>> responses = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                GatewayClient client = i % 2 == 0 ? first : second;
                responses.add(CompletableFuture.supplyAsync(() -> client.post("/v1/messages",
                        GatewayClient.message("held")), command -> Thread.ofVirtual().start(command)));
            }
            Await.until("two requests upstream and four waiting for a permit", Duration.ofSeconds(20),
                    () -> upstream.holding() == 2 && gauge(first, "poolgate_cluster_permits_waiting") == 4,
                    () -> "holding " + upstream.holding() + ", " + first.metrics());
            assertEquals(2, gauge(second, "poolgate_cluster_permits_in_flight"));
            for (int released = 1; released <= 6; released++) {
                upstream.release(1);
                int expected = released;
                Await.until(expected + " answered", Duration.ofSeconds(20), () -> upstream.answered() == expected);
            }
            for (CompletableFuture<GatewayClient.Response> response : responses) {
                assertEquals(200, response.get().status(), response.get().body());
            }
            assertEquals(2, upstream.peak(), "the upstream's most requests at once");
            Await.until("every permit is back", () -> gauge(first, "poolgate_cluster_permits_in_flight") == 0);
        }
    }

    @Test
    void anInstanceKilledWithSigkillFreesItsPermitsWithinTheirTimeToLive() throws Exception {
        try (HeldUpstream upstream = new HeldUpstream();
             ServerProcess doomed = ServerProcess.start(List.of(), List.of("--port", "0", "--anthropic-base-url",
                     upstream.url(), "--anthropic-api-key", "key-kill", "--cluster-redis-url", redis.url(),
                     "--cluster-max-in-flight", "1", "--cluster-permit-ttl", "2s", "--pool-min-size", "0",
                     "--pool-health-check-interval", "0"), Map.of())) {
            GatewayClient killed = new GatewayClient(doomed.awaitListening(Duration.ofSeconds(60)));
            // Its answer never comes: the instance dies holding the permit.
            CompletableFuture.runAsync(() -> killed.post("/v1/messages", GatewayClient.message("held by the doomed")),
                    command -> Thread.ofVirtual().start(command));
            Await.until("the doomed instance's request is upstream", Duration.ofSeconds(20),
                    () -> upstream.holding() == 1);
            try (Gateway survivor = instance(upstream, "key-kill", "--cluster-max-in-flight", "1",
                    "--cluster-permit-ttl", "2s")) {
                GatewayClient client = new GatewayClient(survivor);
                CompletableFuture<GatewayClient.Response> waiting = CompletableFuture.supplyAsync(
                        () -> client.post("/v1/messages", GatewayClient.message("waits for the permit")),
                        command -> Thread.ofVirtual().start(command));
                Await.until("the survivor waits for the one permit", Duration.ofSeconds(20),
                        () -> gauge(client, "poolgate_cluster_permits_waiting") == 1);
                doomed.kill();
                upstream.release(2);
                GatewayClient.Response response = waiting.get();
                assertEquals(200, response.status(), "the killed instance's permit lapsed: " + response.body());
            }
        }
    }

    @Test
    void aRequestBudgetHoldsOverBothInstancesAndSaysWhenToRetry() throws Exception {
        try (HeldUpstream upstream = new HeldUpstream();
             Gateway one = instance(upstream, "key-rate", "--upstream-requests-per-minute", "3");
             Gateway two = instance(upstream, "key-rate", "--upstream-requests-per-minute", "3")) {
            upstream.release(100);
            GatewayClient first = new GatewayClient(one);
            GatewayClient second = new GatewayClient(two);
            for (int i = 0; i < 3; i++) {
                GatewayClient.Response response = (i % 2 == 0 ? first : second).post("/v1/messages",
                        GatewayClient.message("within budget"));
                assertEquals(200, response.status(), response.body());
            }
            GatewayClient.Response refused = second.post("/v1/messages", GatewayClient.message("over budget"));
            refused.assertError(429, "rate_limit_error");
            long retryAfter = Long.parseLong(refused.header("retry-after"));
            assertTrue(retryAfter >= 1 && retryAfter <= 20, "one request refills in 20 s: " + retryAfter);
            assertTrue(refused.errorMessage().contains("--upstream-requests-per-minute"), refused.body());
            assertEquals(3, upstream.answered(), "the refused request never went upstream");
        }
    }

    @Test
    void instancesOfAnotherUpstreamKeyKeepTheirOwnBudget() throws Exception {
        try (HeldUpstream upstream = new HeldUpstream();
             Gateway one = instance(upstream, "key-one", "--upstream-requests-per-minute", "1");
             Gateway two = instance(upstream, "key-two", "--upstream-requests-per-minute", "1")) {
            upstream.release(100);
            assertEquals(200, new GatewayClient(one).post("/v1/messages", GatewayClient.message("a")).status());
            assertEquals(200, new GatewayClient(two).post("/v1/messages", GatewayClient.message("b")).status());
        }
    }

    @Test
    void whenRedisIsDownTheOpenPolicyAdmitsAndTheLimitsComeBackWithRedis() throws Exception {
        try (HeldUpstream upstream = new HeldUpstream();
             Gateway one = instance(upstream, "key-outage", "--upstream-requests-per-minute", "1")) {
            upstream.release(100);
            GatewayClient client = new GatewayClient(one);
            assertEquals(200, client.post("/v1/messages", GatewayClient.message("first")).status());
            client.post("/v1/messages", GatewayClient.message("second")).assertError(429, "rate_limit_error");
            redis.stop();
            try {
                GatewayClient.Response during = client.post("/v1/messages", GatewayClient.message("during"));
                assertEquals(200, during.status(), "open policy: admitted without the shared budget");
                assertTrue(gauge(client, "poolgate_cluster_store_failures_total") >= 1);
            } finally {
                redis.restart();
            }
            // The restarted Redis lost the budget: a full bucket again, then the limit holds.
            Await.until("the budget is kept again", Duration.ofSeconds(20), () -> {
                GatewayClient.Response response = client.post("/v1/messages", GatewayClient.message("after"));
                return response.status() == 429;
            });
        }
    }

    @Test
    void whenRedisIsDownTheClosedPolicyRefusesWith503() throws Exception {
        try (HeldUpstream upstream = new HeldUpstream();
             Gateway one = instance(upstream, "key-closed", "--cluster-max-in-flight", "4",
                     "--cluster-redis-failure", "closed")) {
            upstream.release(100);
            GatewayClient client = new GatewayClient(one);
            assertEquals(200, client.post("/v1/messages", GatewayClient.message("before")).status());
            redis.stop();
            try {
                GatewayClient.Response refused = client.post("/v1/messages", GatewayClient.message("during"));
                refused.assertError(503, "api_error");
                assertTrue(refused.errorMessage().contains("shared budget store"), refused.body());
            } finally {
                redis.restart();
            }
            Await.until("requests pass again once Redis is back", Duration.ofSeconds(20),
                    () -> client.post("/v1/messages", GatewayClient.message("after")).status() == 200);
        }
    }
}
