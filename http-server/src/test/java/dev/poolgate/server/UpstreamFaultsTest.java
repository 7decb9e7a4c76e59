package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.server.ScriptedUpstream.Script;
import dev.poolgate.server.ServerSentEvents.Event;
import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every upstream fault of issue 6, and clients that hang up before, during and after the upstream
 * work, against a gateway over a {@link ScriptedUpstream}. Each ends with a clean error for the
 * client (or a stream ending in {@code event: error}), the pooled client destroyed when its
 * connection is in doubt and kept when upstream answered cleanly, nothing left in use, and
 * {@code created - destroyed == total}.
 */
@Timeout(60)
class UpstreamFaultsTest {

    private static final Duration AWAIT = Duration.ofSeconds(10);
    private static final Pattern ACQUIRED = Pattern.compile(
            "\\[POOL_MANAGER\\] Acquired pooled connection ([0-9a-f]{8}) .*");
    /** One pooled client, never health-checked, so that each request's client is the one we know. */
    private static final String[] ONE_CLIENT = {"--pool-min-size", "1", "--pool-health-check-interval", "0"};

    private static String[] flags(ScriptedUpstream upstream, String... more) {
        String[] mode = new String[ONE_CLIENT.length + more.length];
        System.arraycopy(ONE_CLIENT, 0, mode, 0, ONE_CLIENT.length);
        System.arraycopy(more, 0, mode, ONE_CLIENT.length, more.length);
        return upstream.gatewayFlags(mode);
    }

    // ---- upstream faults ----

    @Test
    void aResetBeforeTheResponseIsABadGatewayAndItsClientIsDestroyed() {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.RESET_BEFORE_HEADERS);
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream))) {
            GatewayClient client = new GatewayClient(gateway);

            client.post("/v1/messages", GatewayClient.message("reset me")).assertError(502, "api_error");

            assertInvalidated(log, lastAcquired(log));
            assertCountersExact(client, 1);
            assertEquals(200, client.post("/v1/messages", GatewayClient.message("again")).status(),
                    "a fresh client serves the next request");
        }
    }

    @Test
    void aPlainBodyEndedEarlyIsABadGatewayNotATruncatedAnswer() {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.END_MID_BODY);
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream))) {
            GatewayClient client = new GatewayClient(gateway);

            Response response = client.post("/v1/messages", GatewayClient.message("cut my answer"));

            JsonNode error = response.assertError(502, "api_error");
            assertEquals(response.header("request-id"), error.path("request_id").asText(),
                    "the gateway's own request id in header and body, not upstream's");
            assertInvalidated(log, lastAcquired(log));
            assertCountersExact(client, 1);
        }
    }

    @Test
    void aResetMidStreamEndsTheStreamWithAnErrorEventAndDestroysItsClient() throws Exception {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.RESET_MID_STREAM);
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream))) {
            GatewayClient client = new GatewayClient(gateway);
            Response response = upstream.streamResetAfterFirstEvent(client, "stream then break");

            assertEquals(200, response.status(), "the status went out with the first event");
            List<Event> events = ServerSentEvents.parse(response.body());
            assertEquals(List.of("message_start", "error"), events.stream().map(Event::name).toList(),
                    response.body());
            assertEquals("api_error", events.get(1).data().path("error").path("type").asText());
            assertInvalidated(log, lastAcquired(log));
            assertCountersExact(client, 1);
        }
    }

    @Test
    void aStreamThatStallsLongerThanTheReadTimeoutEndsWithAnErrorEventAndDestroysItsClient() throws Exception {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.STREAM_UNTIL_HUNG_UP);
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream, "--upstream-read-timeout", "300ms"))) {
            GatewayClient client = new GatewayClient(gateway);
            HttpRequest request = client.request("/v1/messages").header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.message("stream then stall", 64, true)))
                    .build();

            long start = System.nanoTime();
            HttpResponse<String> response = client.http().send(request, HttpResponse.BodyHandlers.ofString());
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(200, response.statusCode(), "the status went out with the first event");
            List<Event> events = ServerSentEvents.parse(response.body());
            assertEquals(List.of("message_start", "error"), events.stream().map(Event::name).toList(),
                    response.body());
            assertTrue(events.get(1).data().path("error").path("message").asText().contains("--upstream-read-timeout"),
                    response.body());
            assertTrue(elapsedMillis >= 300, "ended after the read timeout, not before: " + elapsedMillis + " ms");
            assertInvalidated(log, lastAcquired(log));
            assertCountersExact(client, 1);
            awaitCutOff(upstream);
        }
    }

    @Test
    void cleanErrorAnswersPassThroughWithTheirHeadersAndLeaveTheirConnectionReusable() {
        Map<String, String> headers = Map.of("retry-after", "7", "x-should-retry", "true",
                "anthropic-ratelimit-requests-remaining", "0");
        try (ScriptedUpstream upstream = ScriptedUpstream.start().thenError(429, headers).thenError(500, headers)
                        .thenError(529, headers);
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream))) {
            GatewayClient client = new GatewayClient(gateway);
            int connections = upstream.connectionsAccepted();

            for (String[] expected : new String[][] {{"429", "rate_limit_error"}, {"500", "api_error"},
                    {"529", "overloaded_error"}}) {
                Response response = client.post("/v1/messages", GatewayClient.message("fail me"));

                JsonNode error = response.assertError(Integer.parseInt(expected[0]), expected[1]);
                assertEquals("scripted " + expected[0], error.path("error").path("message").asText(), "upstream's body");
                assertEquals("req_scripted", response.header("request-id"));
                headers.forEach((name, value) -> assertEquals(value, response.header(name), name));
            }
            assertEquals(200, client.post("/v1/messages", GatewayClient.message("now?")).status());

            assertEquals(connections, upstream.connectionsAccepted(), "one upstream connection served all four");
            assertEquals(List.of(), log.matching(".*invalidated by its holder"), log.text());
            assertEquals(1, log.lines().stream().map(ACQUIRED::matcher).filter(Matcher::matches)
                    .map(m -> m.group(1)).distinct().count(), "the same pooled client each time");
            assertCountersExact(client, 0);
        }
    }

    @Test
    void anUpstreamThatNeverAnswersIsAGatewayTimeoutAndItsConnectionIsClosed() {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.NEVER_ANSWER);
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream, "--upstream-timeout", "300ms"))) {
            GatewayClient client = new GatewayClient(gateway);

            long start = System.nanoTime();
            Response response = client.post("/v1/messages", GatewayClient.message("hello?"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            response.assertError(504, "api_error");
            assertTrue(response.errorMessage().contains("--upstream-timeout"), response.body());
            assertTrue(millis >= 250 && millis < 3_000, "answered after " + millis + " ms");
            assertInvalidated(log, lastAcquired(log));
            Await.until("upstream to see its connection closed", AWAIT, () -> upstream.hangUps() == 1);
            assertCountersExact(client, 1);
        }
    }

    @Test
    void anUpstreamThatStopsAcceptingConnectionsIsABadGatewayAtOnce() {
        try (ScriptedUpstream upstream = ScriptedUpstream.start();
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream))) {
            GatewayClient client = new GatewayClient(gateway);
            assertEquals(200, client.post("/v1/messages", GatewayClient.message("warm")).status());
            upstream.refuse();

            long start = System.nanoTime();
            Response response = client.post("/v1/messages", GatewayClient.message("anyone?"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            response.assertError(502, "api_error");
            assertTrue(millis < 2_500, "answered after " + millis + " ms, not after the 5 s acquire timeout");
            assertInvalidated(log, lastAcquired(log));
            assertCountersExact(client, 1);
        }
    }

    /**
     * A listener whose backlog completes every TCP handshake but that never reads: the warm-up
     * request of a new pooled client times out, so the request waits out the acquire timeout for a
     * client that cannot be created.
     */
    @Test
    void anUpstreamThatAcceptsConnectionsButNeverAnswersIsABadGatewayWithinTheAcquireTimeout() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                Gateway gateway = Gateways.start("--anthropic-base-url", "http://127.0.0.1:" + silent.getLocalPort(),
                        "--anthropic-api-key", "sk-silent", "--pool-min-size", "0", "--upstream-timeout", "200ms",
                        "--pool-acquire-timeout", "600ms")) {
            GatewayClient client = new GatewayClient(gateway);

            long start = System.nanoTime();
            Response response = client.post("/v1/messages", GatewayClient.message("hello?"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            response.assertError(502, "api_error");
            assertTrue(millis >= 550 && millis < 5_000, "answered after " + millis + " ms");
            JsonNode stats = assertCountersExact(client, 0);
            assertEquals(0, stats.path("total_connections").asLong(), stats.toString());
        }
    }

    // ---- clients that hang up ----

    /** Before: the body is read and checked before a pooled client is taken, so none is. */
    @Test
    void aClientThatHangsUpWhileSendingItsBodyNeverTakesAPooledClient() throws IOException {
        try (ScriptedUpstream upstream = ScriptedUpstream.start();
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream))) {
            GatewayClient client = new GatewayClient(gateway);
            long reused = client.stat("connections_reused");

            try (RawHttp raw = RawHttp.postPartly(gateway.port(), "/v1/messages", 100_000,
                    "{\"model\":\"claude-sonnet-4-5\",".getBytes(StandardCharsets.UTF_8))) {
                String metrics = client.metrics();
                for (String origin : List.of("gateway", "upstream")) {
                    assertEquals(-1, metric(metrics, "poolgate_http_requests_total{origin=\"" + origin
                            + "\",route=\"/v1/messages\""), "the request is still being read");
                }
            }

            // A body that ends before its content-length is answered 400 (for a client that only
            // half-closed); this one went away and never reads it.
            Await.until("the request to end with a 400 for its cut-off body", AWAIT, () -> metric(client.metrics(),
                    "poolgate_http_requests_total{origin=\"gateway\",route=\"/v1/messages\",status=\"400\"}") == 1);
            assertEquals(List.of(), log.matching("\\[API\\] Acquiring .*"));
            assertEquals(reused, client.stat("connections_reused"), "no client was handed out");
            assertEquals(0, upstream.apiRequests(), "nothing went upstream");
            assertCountersExact(client, 0);
        }
    }

    /**
     * During, plain: the gateway notices the hang-up only when it writes; upstream's answer was read
     * whole by then, so the client's connection is clean and goes back to the pool.
     */
    @Test
    void aClientThatHangsUpWhileUpstreamWorksOnAPlainRequestLeavesItsClientReusable() throws IOException {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.HOLD);
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream))) {
            GatewayClient client = new GatewayClient(gateway);
            int connections = upstream.connectionsAccepted();

            try (RawHttp raw = RawHttp.post(gateway.port(), "/v1/messages", GatewayClient.message("slow one"))) {
                Await.until("upstream to be working on it", AWAIT, () -> upstream.apiRequests() == 1);
            }
            upstream.release();

            String id = lastAcquired(log);
            log.awaitMatching(Pattern.quote("[API] Releasing Claude client connection " + id + " back to pool"), 1,
                    AWAIT);
            assertCountersExact(client, 0);
            assertEquals(List.of(), log.matching(".*invalidated by its holder"));
            assertEquals(200, client.post("/v1/messages", GatewayClient.message("next")).status());
            assertEquals(connections, upstream.connectionsAccepted(), "the same upstream connection served on");
        }
    }

    /** During, streamed: the stream's rest is unread, so its client is destroyed and upstream cut off. */
    @Test
    void aClientThatHangsUpWhileUpstreamWorksOnAStreamGetsItsClientDestroyedAndUpstreamCutOff() throws IOException {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.HOLD);
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream))) {
            GatewayClient client = new GatewayClient(gateway);

            try (RawHttp raw = RawHttp.post(gateway.port(), "/v1/messages",
                    GatewayClient.message("slow stream", 64, true))) {
                Await.until("upstream to be working on it", AWAIT, () -> upstream.apiRequests() == 1);
            }
            upstream.release();

            awaitCutOff(upstream);
            assertInvalidated(log, lastAcquired(log));
            assertCountersExact(client, 1);
        }
    }

    /** After: the client leaves mid-stream; the gateway notices at its next write and cuts upstream off. */
    @Test
    void aClientThatHangsUpMidStreamGetsItsClientDestroyedAndUpstreamCutOff() throws IOException {
        try (ScriptedUpstream upstream = ScriptedUpstream.start().then(Script.STREAM_UNTIL_HUNG_UP);
                LogCapture log = LogCapture.start();
                Gateway gateway = Gateways.start(flags(upstream))) {
            GatewayClient client = new GatewayClient(gateway);

            try (RawHttp raw = RawHttp.post(gateway.port(), "/v1/messages",
                    GatewayClient.message("stream to nobody", 64, true))) {
                assertTrue(raw.readThroughEventContaining("event: message_start").startsWith("HTTP/1.1 200"));
                assertEquals(1, client.stat("in_use_connections"), "the stream holds its client");
            }

            awaitCutOff(upstream);
            assertInvalidated(log, lastAcquired(log));
            assertCountersExact(client, 1);
        }
    }

    // ---- helpers ----

    /** Sends pings down the held stream until the gateway, failing to pass one on, hangs up upstream. */
    private static void awaitCutOff(ScriptedUpstream upstream) {
        Await.until("the gateway to close the upstream connection", AWAIT, () -> {
            upstream.nudge();
            return upstream.hangUps() == 1;
        });
    }

    static String lastAcquired(LogCapture log) {
        List<String> ids = log.lines().stream().map(ACQUIRED::matcher).filter(Matcher::matches)
                .map(m -> m.group(1)).toList();
        assertTrue(!ids.isEmpty(), () -> "no client was acquired:\n" + log.text());
        return ids.get(ids.size() - 1);
    }

    /** The client was destroyed by its holder, and not released for reuse since it was last acquired. */
    static void assertInvalidated(LogCapture log, String id) {
        log.awaitMatching(Pattern.quote("[POOL] Connection " + id + " was invalidated by its holder"), 1, AWAIT);
        log.awaitMatching(Pattern.quote("[POOL] Destroyed connection " + id + " (total remaining: ") + "\\d+\\)", 1,
                AWAIT);
        List<String> lines = log.lines();
        int acquired = lines.lastIndexOf(lines.stream().filter(line -> line.startsWith(
                "[POOL_MANAGER] Acquired pooled connection " + id + " ")).reduce((a, b) -> b).orElseThrow());
        assertEquals(List.of(), lines.subList(acquired, lines.size()).stream()
                .filter(line -> line.matches(".*Releasing .*connection " + id + " back to pool")).toList(),
                log.text());
    }

    /**
     * Waits until nothing is in use, then checks {@code total == available + in_use},
     * {@code created - destroyed == total} and that {@code destroyed} connections were destroyed.
     */
    static JsonNode assertCountersExact(GatewayClient client, long destroyed) {
        client.awaitStat("in_use_connections", 0, AWAIT);
        JsonNode stats = Await.until(destroyed + " connections destroyed", AWAIT, client::stats,
                s -> s.path("connections_destroyed").asLong() == destroyed);
        long total = stats.path("total_connections").asLong();
        assertEquals(total, stats.path("available_connections").asLong() + stats.path("in_use_connections").asLong(),
                stats.toString());
        assertEquals(total, stats.path("connections_created").asLong() - stats.path("connections_destroyed").asLong(),
                stats.toString());
        return stats;
    }

    /** The value of the first series starting with {@code prefix}, or -1 when there is none. */
    static long metric(String text, String prefix) {
        for (String line : text.lines().toList()) {
            if (line.startsWith(prefix)) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }
}
