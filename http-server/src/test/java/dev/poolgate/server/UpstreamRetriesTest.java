package dev.poolgate.server;

import static dev.poolgate.server.UpstreamFaultsTest.assertCountersExact;
import static dev.poolgate.server.UpstreamFaultsTest.assertInvalidated;
import static dev.poolgate.server.UpstreamFaultsTest.metric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.server.ScriptedUpstream.Script;
import dev.poolgate.server.ServerSentEvents.Event;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Upstream retries end to end, against a {@link ScriptedUpstream}: what is retried (a connection
 * failed before any answer, a 429 or 529 unless upstream says otherwise), on which pooled client,
 * how often, and that nothing is retried once the client has had a byte of the answer.
 */
@Timeout(60)
class UpstreamRetriesTest {

    private static final Duration AWAIT = Duration.ofSeconds(10);
    private static final String RETRIES = "poolgate_upstream_retries_total";
    private static final Pattern ACQUIRED = Pattern.compile(
            "\\[POOL_MANAGER\\] Acquired pooled connection ([0-9a-f]{8}) .*");
    private static final String RETRYING = "\\[API\\] Retrying message request upstream in \\d+ ms \\(retry (\\d) of 2, "
            + "req_[0-9a-f]+\\): .*";

    /** Two retries with short backoffs, one pooled client that is never health-checked. */
    private static Gateway start(ScriptedUpstream upstream, String... more) {
        String[] flags = {"--pool-min-size", "1", "--pool-health-check-interval", "0", "--upstream-retries", "2",
                "--upstream-retry-backoff", "10ms", "--upstream-retry-max-backoff", "100ms"};
        String[] all = new String[flags.length + more.length];
        System.arraycopy(flags, 0, all, 0, flags.length);
        System.arraycopy(more, 0, all, flags.length, more.length);
        return Gateways.start(upstream.gatewayFlags(all));
    }

    private static List<String> acquiredIds(LogCapture log) {
        return log.lines().stream().map(ACQUIRED::matcher).filter(Matcher::matches).map(m -> m.group(1)).toList();
    }

    @Test
    void retriesAreOffByDefault() {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.RESET_BEFORE_HEADERS)
                        .thenError(429, Map.of("retry-after", "0"));
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(upstream.gatewayFlags())) {
            GatewayClient client = new GatewayClient(gateway);

            client.post("/v1/messages", GatewayClient.message("once")).assertError(502, "api_error");
            client.post("/v1/messages", GatewayClient.message("twice")).assertError(429, "rate_limit_error");

            assertEquals(2, upstream.apiRequests());
            assertEquals(0, metric(client.metrics(), RETRIES));
            assertEquals(List.of(), log.matching("\\[API\\] Retrying .*"));
        }
    }

    @Test
    void aConnectionResetBeforeTheAnswerIsRetriedOnAnotherClient() {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.RESET_BEFORE_HEADERS);
                LogCapture log = LogCapture.start();
                Gateway gateway = start(upstream)) {
            GatewayClient client = new GatewayClient(gateway);

            Response response = client.post("/v1/messages", GatewayClient.message("try twice"));

            assertEquals(200, response.status(), response.body());
            assertEquals("msg_scripted", response.json().path("id").asText());
            assertEquals(2, upstream.apiRequests());
            List<String> ids = acquiredIds(log);
            assertEquals(2, ids.size(), log.text());
            assertNotEquals(ids.get(0), ids.get(1), "the retry runs on another client");
            assertInvalidated(log, ids.get(0));
            assertEquals(1, log.matching(RETRYING.replace("(\\d)", "1")).size(), log.text());
            assertEquals(1, metric(client.metrics(), RETRIES));
            assertCountersExact(client, 1);
        }
    }

    @Test
    void a429IsRetriedAfterItsRetryAfterOnTheSameConnection() {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().thenError(429, Map.of("retry-after", "0"))
                        .thenError(529, Map.of("retry-after-ms", "20"));
                LogCapture log = LogCapture.start();
                Gateway gateway = start(upstream)) {
            GatewayClient client = new GatewayClient(gateway);
            int connections = upstream.connectionsAccepted();

            Response response = client.post("/v1/messages", GatewayClient.message("patience"));

            assertEquals(200, response.status(), response.body());
            assertEquals(3, upstream.apiRequests());
            assertEquals(connections, upstream.connectionsAccepted(), "each retry reused the upstream connection");
            assertEquals(1, acquiredIds(log).stream().distinct().count(), "one pooled client throughout");
            assertEquals(List.of(), log.matching(".*invalidated by its holder"));
            assertEquals(1, log.matching(RETRYING.replace(": .*", ": upstream answered 429 asking for a wait of 0 ms"))
                    .size(), log.text());
            assertEquals(1, log.matching(RETRYING.replace(": .*", ": upstream answered 529 asking for a wait of 20 ms"))
                    .size(), log.text());
            assertEquals(2, metric(client.metrics(), RETRIES));
            assertCountersExact(client, 0);
        }
    }

    @Test
    void whenRetriesRunOutTheLastAnswerGoesToTheClientUnchanged() {
        Map<String, String> headers = Map.of("retry-after", "0", "x-should-retry", "true");
        try (ScriptedUpstream upstream = ScriptedUpstream.start().thenError(529, headers).thenError(529, headers)
                        .thenError(529, headers);
                Gateway gateway = start(upstream)) {
            GatewayClient client = new GatewayClient(gateway);

            Response response = client.post("/v1/messages", GatewayClient.message("overloaded?"));

            response.assertError(529, "overloaded_error");
            assertEquals("0", response.header("retry-after"));
            assertEquals("true", response.header("x-should-retry"));
            assertEquals(3, upstream.apiRequests(), "the first attempt and 2 retries");
            assertEquals(2, metric(client.metrics(), RETRIES));
            assertCountersExact(client, 0);
        }
    }

    @Test
    void aRetryAfterLongerThanTheMaxBackoffGoesToTheClientAtOnce() {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().thenError(429, Map.of("retry-after", "60"));
                Gateway gateway = start(upstream)) {
            GatewayClient client = new GatewayClient(gateway);

            long start = System.nanoTime();
            Response response = client.post("/v1/messages", GatewayClient.message("later"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            response.assertError(429, "rate_limit_error");
            assertEquals("60", response.header("retry-after"));
            assertTrue(millis < 5_000, "answered after " + millis + " ms");
            assertEquals(1, upstream.apiRequests());
            assertEquals(0, metric(client.metrics(), RETRIES));
        }
    }

    @Test
    void xShouldRetryFalseIsNeverRetriedAndTrueMakesA500Retryable() {
        try (ScriptedUpstream upstream = ScriptedUpstream.start()
                        .thenError(529, Map.of("retry-after", "0", "x-should-retry", "false"))
                        .thenError(500, Map.of("x-should-retry", "true"))
                        .thenError(500, Map.of());
                Gateway gateway = start(upstream)) {
            GatewayClient client = new GatewayClient(gateway);

            client.post("/v1/messages", GatewayClient.message("no")).assertError(529, "overloaded_error");
            assertEquals(1, upstream.apiRequests());

            client.post("/v1/messages", GatewayClient.message("maybe")).assertError(500, "api_error");
            assertEquals(3, upstream.apiRequests(), "the 500 with x-should-retry: true was retried, the next was not");
            assertEquals(1, metric(client.metrics(), RETRIES));
            assertCountersExact(client, 0);
        }
    }

    @Test
    void aStreamThatBreaksAfterItsFirstEventIsNeverRetried() throws Exception {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.RESET_MID_STREAM);
                Gateway gateway = start(upstream)) {
            GatewayClient client = new GatewayClient(gateway);
            GatewayClient.Response response = upstream.streamResetAfterFirstEvent(client, "once only");

            List<Event> events = ServerSentEvents.parse(response.body());
            assertEquals(List.of("message_start", "error"), events.stream().map(Event::name).toList());
            assertEquals(1, upstream.apiRequests());
            assertEquals(0, metric(client.metrics(), RETRIES));
            assertCountersExact(client, 1);
        }
    }

    /** Upstream answered, so the request ran there: a body cut off half-way is not sent again. */
    @Test
    void aPlainAnswerCutOffHalfWayIsNotRetried() {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.END_MID_BODY);
                Gateway gateway = start(upstream)) {
            GatewayClient client = new GatewayClient(gateway);

            client.post("/v1/messages", GatewayClient.message("once only")).assertError(502, "api_error");

            assertEquals(1, upstream.apiRequests());
            assertEquals(0, metric(client.metrics(), RETRIES));
        }
    }

    @Test
    void anUpstreamRefusingConnectionsIsRetriedUntilItListensAgain() throws Exception {
        retriedUntilUpstreamListensAgain(true);
    }

    @Test
    void anUpstreamRefusingConnectionsIsRetriedWithPoolingDisabledToo() throws Exception {
        retriedUntilUpstreamListensAgain(false);
    }

    /**
     * Upstream stops listening; a request fails to connect and waits its backoff (300-400 ms), in
     * which upstream listens again; the retry, on a newly made client, gets the answer.
     */
    private static void retriedUntilUpstreamListensAgain(boolean pooled) throws Exception {
        try (ScriptedUpstream upstream = ScriptedUpstream.start();
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(upstream.gatewayFlags("--pool-min-size", "1",
                        "--pool-health-check-interval", "0", "--pool-enabled", String.valueOf(pooled),
                        "--upstream-retries", "1", "--upstream-retry-backoff", "400ms",
                        "--upstream-retry-max-backoff", "400ms"))) {
            GatewayClient client = new GatewayClient(gateway);
            assertEquals(200, client.post("/v1/messages", GatewayClient.message("warm")).status());
            upstream.refuse();

            CompletableFuture<Response> response = CompletableFuture.supplyAsync(
                    () -> client.post("/v1/messages", GatewayClient.message("are you back?")));
            log.awaitMatching("\\[API\\] Retrying message request upstream in \\d+ ms \\(retry 1 of 1, .*", 1, AWAIT);
            upstream.listenAgain();

            assertEquals(200, response.get(10, TimeUnit.SECONDS).status());
            assertEquals(1, metric(client.metrics(), RETRIES));
            JsonNode stats = client.stats();
            if (pooled) {
                assertCountersExact(client, 1);
            } else {
                assertEquals(0, stats.path("in_use_connections").asLong(), stats.toString());
            }
        }
    }
}
