package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.server.ServerSentEvents.Event;
import dev.poolgate.testkit.Await;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Streams pass through event by event as upstream sends them, not buffered to the end; an upstream
 * that fails mid-stream is reported to the client in the stream's own format.
 */
@Timeout(60)
class StreamingTest {

    private static final Duration EVENT_LATENCY = Duration.ofMillis(300);

    @Test
    void theFirstEventReachesTheClientLongBeforeTheStreamEnds() throws Exception {
        try (Gateway gateway = Gateways.start()) {
            GatewayClient client = new GatewayClient(gateway);
            gateway.embeddedStub().faults().eventLatency(EVENT_LATENCY);
            // max_tokens 4: the reply is cut to 16 characters, a handful of deltas.
            HttpRequest request = client.request("/v1/messages").header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.message("Tell me slowly", 4, true)))
                    .build();

            long start = System.nanoTime();
            HttpResponse<InputStream> response = client.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
            long firstEvent = -1;
            List<String> lines = new ArrayList<>();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    if (firstEvent < 0 && line.startsWith("event:")) {
                        firstEvent = System.nanoTime() - start;
                    }
                    lines.add(line);
                }
            }
            long end = System.nanoTime() - start;

            assertEquals(200, response.statusCode());
            List<Event> events = ServerSentEvents.parse(String.join("\n", lines));
            ServerSentEvents.assertMessageOrder(events);
            long firstMillis = TimeUnit.NANOSECONDS.toMillis(firstEvent);
            long endMillis = TimeUnit.NANOSECONDS.toMillis(end);
            long latency = EVENT_LATENCY.toMillis();
            assertTrue(events.size() >= 7, () -> "events: " + events.size());
            assertTrue(endMillis >= (events.size() - 1) * latency, () -> "the stub paced " + events.size()
                    + " events over " + endMillis + " ms");
            assertTrue(firstMillis < endMillis - 3 * latency, () -> "first event after " + firstMillis
                    + " ms of " + endMillis + " ms: buffered, not streamed");
            assertTrue(firstMillis < 3 * latency + 1_000, () -> "first event after " + firstMillis + " ms");
        }
    }

    @Test
    void anUpstreamThatDropsMidStreamBecomesAnErrorEventAndItsClientIsDestroyed() {
        try (CapturingUpstream upstream = CapturingUpstream.start();
                Gateway gateway = Gateways.start("--anthropic-base-url", upstream.baseUri().toString(),
                        "--anthropic-api-key", "sk-upstream")) {
            GatewayClient client = new GatewayClient(gateway);
            long destroyedBefore = client.stat("connections_destroyed");

            Response response = client.post("/v1/messages",
                    GatewayClient.message(CapturingUpstream.DROP_MID_STREAM, 16, true));

            assertEquals(200, response.status());
            List<Event> events = ServerSentEvents.parse(response.body());
            assertEquals("message_start", events.get(0).name(), response.body());
            Event last = events.get(events.size() - 1);
            assertEquals("error", last.name(), response.body());
            assertEquals("api_error", last.data().path("error").path("type").asText());
            assertTrue(last.data().path("request_id").asText().startsWith("req_"), response.body());
            client.awaitStat("in_use_connections", 0, Duration.ofSeconds(10));
            Await.until("the client whose stream broke to be destroyed", Duration.ofSeconds(10),
                    () -> client.stat("connections_destroyed") > destroyedBefore);
        }
    }
}
