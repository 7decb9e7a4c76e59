package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.server.ServerSentEvents.Event;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every mode of the gateway (pooled, pooling disabled) does the same: each endpoint of
 * {@code shared/spec/http-api.md} over the embedded stub, the {@code /pool/stats} fields and
 * invariants, {@code /metrics}, and a connection given back when a stream ends early. A subclass
 * names the mode's flags.
 */
abstract class GatewayContract {

    /** The eight fields of {@code pool-logs.md}; more may follow, these may not change. */
    static final List<String> STATS_FIELDS = List.of("connections_created", "connections_destroyed",
            "connections_reused", "acquire_timeouts", "health_check_failures", "total_connections",
            "available_connections", "in_use_connections");

    static final Duration AWAIT = Duration.ofSeconds(10);

    Gateway gateway;
    GatewayClient client;

    /** The flags of the mode under test. */
    abstract String[] modeFlags();

    abstract boolean pooled();

    @BeforeEach
    void startGateway() {
        gateway = Gateways.start(modeFlags());
        client = new GatewayClient(gateway);
    }

    @AfterEach
    void closeGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void messagesAnswersWithTheUpstreamMessage() {
        Response response = client.post("/v1/messages", GatewayClient.message("Hello pool"));

        assertEquals(200, response.status(), response.body());
        assertTrue(response.header("content-type").startsWith("application/json"));
        assertTrue(response.header("request-id").startsWith("req_"), "request-id from upstream");
        JsonNode message = response.json();
        assertTrue(message.path("id").asText().startsWith("msg_"), response.body());
        assertEquals("message", message.path("type").asText());
        assertEquals("assistant", message.path("role").asText());
        assertEquals(GatewayClient.MODEL, message.path("model").asText());
        assertEquals("text", message.path("content").path(0).path("type").asText());
        assertTrue(message.path("content").path(0).path("text").asText().contains("\"Hello pool\""),
                response.body());
        assertEquals("end_turn", message.path("stop_reason").asText());
        assertTrue(message.path("usage").path("input_tokens").asInt() > 0);
        assertTrue(message.path("usage").path("output_tokens").asInt() > 0);
    }

    @Test
    void streamedMessageArrivesAsServerSentEventsInTheApiOrder() {
        String plain = client.post("/v1/messages", GatewayClient.message("Stream me please"))
                .json().path("content").path(0).path("text").asText();

        Response response = client.post("/v1/messages", GatewayClient.message("Stream me please", 256, true));

        assertEquals(200, response.status(), response.body());
        assertTrue(response.header("content-type").startsWith("text/event-stream"), response.header("content-type"));
        List<Event> events = ServerSentEvents.parse(response.body());
        ServerSentEvents.assertMessageOrder(events);
        assertEquals(0, events.get(0).data().path("message").path("content").size(), "message_start is empty");
        assertEquals(plain, ServerSentEvents.text(events), "the deltas spell the plain reply");
        Event messageDelta = events.stream().filter(e -> e.name().equals("message_delta")).findFirst().orElseThrow();
        assertEquals("end_turn", messageDelta.data().path("delta").path("stop_reason").asText());
        assertTrue(messageDelta.data().path("usage").path("output_tokens").asInt() > 0);
    }

    @Test
    void countTokensIsForwarded() {
        Response response = client.post("/v1/messages/count_tokens",
                "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Count these words\"}]}");

        assertEquals(200, response.status(), response.body());
        // The stub counts ceil(characters / 4): 17 characters.
        assertEquals(5, response.json().path("input_tokens").asInt(), response.body());
    }

    @Test
    void modelsListAndOneModelAreForwarded() {
        Response list = client.get("/v1/models?limit=3");

        assertEquals(200, list.status(), list.body());
        JsonNode data = list.json().path("data");
        assertEquals(3, data.size(), list.body());
        assertTrue(list.json().path("has_more").asBoolean());
        String id = data.path(0).path("id").asText();

        Response one = client.get("/v1/models/" + id);

        assertEquals(200, one.status(), one.body());
        assertEquals(id, one.json().path("id").asText());
        assertEquals("model", one.json().path("type").asText());
    }

    @Test
    void anUnknownModelIsUpstreamsNotFoundPassedThrough() {
        Response response = client.get("/v1/models/claude-no-such-model");

        JsonNode error = response.assertError(404, "not_found_error");
        assertEquals(response.header("request-id"), error.path("request_id").asText(),
                "the upstream's request id, in header and body alike");
    }

    @Test
    void poolStatsHasTheCatalogueFieldsAndItsInvariants() {
        client.post("/v1/messages", GatewayClient.message("one"));
        client.post("/v1/messages", GatewayClient.message("two"));

        Response response = client.get("/pool/stats");

        assertEquals(200, response.status());
        assertTrue(response.header("content-type").startsWith("application/json"));
        JsonNode root = response.json();
        assertTrue(root.path("pool_enabled").isBoolean(), response.body());
        assertEquals(pooled(), root.path("pool_enabled").asBoolean());
        JsonNode stats = root.path("stats");
        for (String field : STATS_FIELDS) {
            assertTrue(stats.path(field).isIntegralNumber() && stats.path(field).asLong() >= 0,
                    () -> field + " in " + response.body());
        }
        assertInvariants(stats);
        assertEquals(0, stats.path("in_use_connections").asLong(), "nothing in use at rest");
    }

    /** total = available + in_use, and (pooled) <= max and created - destroyed = total. */
    void assertInvariants(JsonNode stats) {
        long total = stats.path("total_connections").asLong();
        assertEquals(total, stats.path("available_connections").asLong() + stats.path("in_use_connections").asLong(),
                () -> "total = available + in_use: " + stats);
        if (pooled()) {
            assertTrue(total <= gateway.server().pool().config().maxSize(), () -> "total <= max: " + stats);
            assertEquals(total, stats.path("connections_created").asLong()
                    - stats.path("connections_destroyed").asLong(), () -> "created - destroyed = total: " + stats);
        }
    }

    @Test
    void healthIsOkWhileServing() {
        Response response = client.get("/health");

        assertEquals(200, response.status(), response.body());
        assertEquals("ok", response.json().path("status").asText());
    }

    @Test
    void metricsExportThePoolRequestsByStatusAndBothHistograms() {
        client.post("/v1/messages", GatewayClient.message("metered"));
        client.get("/no/such/path");

        Response response = client.get("/metrics");

        assertEquals(200, response.status());
        assertTrue(response.header("content-type").startsWith("text/plain"), response.header("content-type"));
        String text = response.body();
        for (String line : text.lines().toList()) {
            assertTrue(line.startsWith("# HELP ") || line.startsWith("# TYPE ")
                    || line.matches("[a-z_]+(\\{[^}]*})? -?[0-9.E+-]+"), () -> "not Prometheus text: " + line);
        }
        JsonNode stats = client.stats();
        assertTrue(text.contains("# TYPE poolgate_pool_connections gauge\n"), text);
        assertMetric(text, "poolgate_pool_enabled", pooled() ? 1 : 0);
        assertMetric(text, "poolgate_pool_connections", stats.path("total_connections").asLong());
        assertMetric(text, "poolgate_pool_available_connections", stats.path("available_connections").asLong());
        assertMetric(text, "poolgate_pool_in_use_connections", 0);
        assertTrue(text.contains("# TYPE poolgate_pool_connections_created_total counter\n"), text);
        assertMetric(text, "poolgate_pool_connections_created_total", stats.path("connections_created").asLong());
        assertMetric(text, "poolgate_pool_connections_destroyed_total", stats.path("connections_destroyed").asLong());
        assertMetric(text, "poolgate_pool_connections_reused_total", stats.path("connections_reused").asLong());
        assertMetric(text, "poolgate_pool_acquire_timeouts_total", 0);
        assertMetric(text, "poolgate_pool_health_check_failures_total", 0);
        assertTrue(text.contains("# TYPE poolgate_upstream_retries_total counter\n"), text);
        assertMetric(text, "poolgate_upstream_retries_total", 0);
        assertMetric(text, "poolgate_http_requests_total{origin=\"upstream\",route=\"/v1/messages\",status=\"200\"}",
                1);
        assertMetric(text, "poolgate_http_requests_total{origin=\"gateway\",route=\"unmatched\",status=\"404\"}", 1);
        assertHistogram(text, "poolgate_http_request_duration_seconds", "route=\"/v1/messages\",");
        assertHistogram(text, "poolgate_pool_acquire_wait_seconds");
        assertMetric(text, "poolgate_pool_acquire_wait_seconds_count", 1);
    }

    static void assertMetric(String text, String series, long expected) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue(matcher.find(), () -> series + " missing in\n" + text);
        assertEquals(expected, (long) Double.parseDouble(matcher.group(1)), series);
    }

    /** A histogram: typed, cumulative non-decreasing buckets ending in +Inf, which equals _count. */
    static void assertHistogram(String text, String name) {
        assertHistogram(text, name, "");
    }

    /** The histogram series of {@code labels} (empty, or label pairs each ending with a comma). */
    static void assertHistogram(String text, String name, String labels) {
        assertTrue(text.contains("# TYPE " + name + " histogram\n"), () -> name + " type in\n" + text);
        Matcher bucket = Pattern.compile("(?m)^" + name + "_bucket\\{" + Pattern.quote(labels)
                + "le=\"([^\"]+)\"} (\\d+)$").matcher(text);
        long previous = 0;
        long buckets = 0;
        String last = null;
        while (bucket.find()) {
            long value = Long.parseLong(bucket.group(2));
            assertTrue(value >= previous, () -> name + " buckets must be cumulative\n" + text);
            previous = value;
            last = bucket.group(1);
            buckets++;
        }
        assertTrue(buckets > 2, () -> name + " buckets in\n" + text);
        assertEquals("+Inf", last);
        String plain = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
        assertMetric(text, name + "_count" + plain, previous);
        assertTrue(Pattern.compile("(?m)^" + Pattern.quote(name + "_sum" + plain) + " \\S+$").matcher(text).find(),
                () -> name + "_sum");
        assertTrue(previous > 0, () -> name + " recorded nothing");
    }

    @Test
    void aClientThatHangsUpMidStreamGetsItsConnectionTakenBack() throws Exception {
        gateway.embeddedStub().faults().eventLatency(Duration.ofMillis(100));
        long destroyedBefore = client.stat("connections_destroyed");

        try (RawHttp raw = RawHttp.post(gateway.port(), "/v1/messages", GatewayClient.message("Hang up on me", 256, true))) {
            String received = raw.readThroughEventContaining("event: message_start");
            assertTrue(received.startsWith("HTTP/1.1 200"), received);
            assertEquals(1, client.stat("in_use_connections"), "the stream holds its connection");
        }

        client.awaitStat("in_use_connections", 0, AWAIT);
        Await.until("the connection to be destroyed", AWAIT,
                () -> client.stat("connections_destroyed") > destroyedBefore);
        assertInvariants(client.stats());
    }

    @Test
    void anUpstreamErrorMidStreamReachesTheClientAsAnErrorEvent() {
        gateway.embeddedStub().faults().midStreamErrorAfterDeltas(2);
        long destroyedBefore = client.stat("connections_destroyed");

        Response response = client.post("/v1/messages", GatewayClient.message("Break after two words", 256, true));

        assertEquals(200, response.status(), "the status went out before the error");
        List<Event> events = ServerSentEvents.parse(response.body());
        assertEquals(2, events.stream().filter(e -> e.name().equals("content_block_delta")).count(), response.body());
        Event last = events.get(events.size() - 1);
        assertEquals("error", last.name(), response.body());
        assertEquals("overloaded_error", last.data().path("error").path("type").asText());
        assertFalse(last.data().path("error").path("message").asText().isBlank());
        client.awaitStat("in_use_connections", 0, AWAIT);
        Await.until("the connection that saw the error to be destroyed", AWAIT,
                () -> client.stat("connections_destroyed") > destroyedBefore);
        assertInvariants(client.stats());
    }
}
