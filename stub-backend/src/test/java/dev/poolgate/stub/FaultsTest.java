package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.assertError;
import static dev.poolgate.stub.StubClient.events;
import static dev.poolgate.stub.StubClient.message;
import static dev.poolgate.stub.StubClient.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poolgate.stub.StubClient.Event;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every fault, set through {@link Faults} or {@link StubConfig}: what a client sees. */
@Timeout(30)
class FaultsTest extends RunningStubTest {

    private static ObjectNode streamed(String text) {
        ObjectNode request = message(text, 1024);
        request.put("stream", true);
        return request;
    }

    @Test
    void everyFaultIsOffByDefault() {
        Faults faults = stub.faults();
        assertEquals(Duration.ZERO, faults.requestLatency());
        assertEquals(Duration.ZERO, faults.eventLatency());
        assertEquals(0.0, faults.failureRate());
        assertEquals(500, faults.failureStatus());
        assertEquals(-1, faults.midStreamErrorAfterDeltas());
        assertEquals(false, faults.healthFailing());
        assertEquals(0.0, faults.dropRate());
    }

    @Test
    void requestLatencyDelaysApiAndHealthAnswers() throws Exception {
        stub.faults().requestLatency(Duration.ofMillis(300));

        long started = System.nanoTime();
        assertEquals(200, client.postMessages(message("slow", 10)).statusCode());
        long messageNanos = System.nanoTime() - started;
        started = System.nanoTime();
        assertEquals(200, client.send(client.request("/health").GET()).statusCode());
        long healthNanos = System.nanoTime() - started;

        assertTrue(messageNanos >= Duration.ofMillis(300).toNanos(), "message after " + messageNanos / 1_000_000 + " ms");
        assertTrue(healthNanos >= Duration.ofMillis(300).toNanos(), "health after " + healthNanos / 1_000_000 + " ms");
        assertTrue(messageNanos < Duration.ofSeconds(10).toNanos());
    }

    @Test
    void requestLatencyLeavesTheAdminEndpointAlone() throws Exception {
        stub.faults().requestLatency(Duration.ofSeconds(20));
        long started = System.nanoTime();
        assertEquals(200, client.send(client.request("/admin/faults").GET()).statusCode());
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos());
    }

    @Test
    void eventLatencyDelaysEachStreamedEvent() throws Exception {
        stub.faults().eventLatency(Duration.ofMillis(25));

        long started = System.nanoTime();
        List<Event> events = events(client.postMessages(streamed("slow stream")).body());
        long elapsed = System.nanoTime() - started;

        assertTrue(elapsed >= Duration.ofMillis(25L * events.size()).toNanos(),
                events.size() + " events in " + elapsed / 1_000_000 + " ms");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"429, rate_limit_error, true", "500, api_error, false", "529, overloaded_error, true"})
    void fixedErrorStatusFailsEveryApiRequest(int status, String errorType, boolean retryAfter) throws Exception {
        stub.faults().failWith(status).retryAfterSeconds(7);

        for (HttpResponse<String> response : List.of(
                client.postMessages(message("fail", 10)),
                client.postMessages(streamed("fail")),
                client.get("/v1/models"))) {
            assertError(response, status, errorType, "injected by the stub backend");
            assertEquals(retryAfter ? "7" : null, response.headers().firstValue("retry-after").orElse(null));
            assertEquals("true", response.headers().firstValue("x-should-retry").orElseThrow());
        }
    }

    @Test
    void failureRateOneFailsApiRequestsButNeitherHealthNorAdmin() throws Exception {
        stub.faults().failureRate(1.0);

        for (int i = 0; i < 5; i++) {
            assertError(client.postMessages(message("fail", 10)), 500, "api_error", "Internal server error");
        }
        assertEquals(200, client.send(client.request("/health").GET()).statusCode());
        assertEquals(200, client.send(client.request("/admin/stats").GET()).statusCode());
    }

    @Test
    void failuresComeBeforeTheKeyCheck() throws Exception {
        stub.faults().failWith(529);
        HttpResponse<String> response = client.send(client.request("/v1/models").GET());
        assertError(response, 529, "overloaded_error", "Overloaded");
    }

    @Test
    void faultsFromTheConfigurationApplyFromTheStart() throws Exception {
        try (StubBackend faulty = StubBackend.start(StubConfig.builder().failureRate(1.0).failureStatus(429)
                        .retryAfterSeconds(3).build());
                StubClient faultyClient = new StubClient(faulty)) {
            HttpResponse<String> response = faultyClient.postMessages(message("fail", 10));
            assertError(response, 429, "rate_limit_error", "rate limit");
            assertEquals("3", response.headers().firstValue("retry-after").orElseThrow());
        }
    }

    @Test
    void midStreamErrorEndsTheStreamAfterNDeltas() throws Exception {
        stub.faults().midStreamErrorAfterDeltas(2);

        HttpResponse<String> response = client.postMessages(streamed("break the stream"));

        assertEquals(200, response.statusCode());
        List<Event> events = events(response.body());
        assertEquals(List.of("message_start", "ping", "content_block_start", "content_block_delta",
                "content_block_delta", "error"), names(events));
        JsonNode error = events.get(5).data();
        assertEquals(List.of("type", "error", "request_id"), StubClient.fieldNames(error));
        assertEquals("error", error.get("type").textValue());
        assertEquals("overloaded_error", error.get("error").get("type").textValue());
        assertEquals(response.headers().firstValue("request-id").orElseThrow(), error.get("request_id").textValue());
    }

    @Test
    void midStreamErrorAfterMoreDeltasThanTheReplyHasFollowsTheLastDelta() throws Exception {
        stub.faults().midStreamErrorAfterDeltas(10_000);
        List<String> names = names(events(client.postMessages(streamed("short")).body()));
        assertEquals("error", names.get(names.size() - 1));
        assertEquals("content_block_delta", names.get(names.size() - 2));
    }

    @Test
    void midStreamErrorLeavesPlainRepliesAlone() throws Exception {
        stub.faults().midStreamErrorAfterDeltas(0);
        assertEquals(200, client.postMessages(message("plain", 100)).statusCode());
        List<String> names = names(events(client.postMessages(streamed("streamed")).body()));
        assertEquals(List.of("message_start", "ping", "content_block_start", "error"), names);
    }

    @Test
    void failingHealthAnswers503UntilTurnedOff() throws Exception {
        stub.faults().healthFailing(true);
        assertError(client.send(client.request("/health").GET()), 503, "overloaded_error", "health fault is on");
        assertEquals(200, client.postMessages(message("the API still works", 10)).statusCode());

        stub.faults().healthFailing(false);
        assertEquals(200, client.send(client.request("/health").GET()).statusCode());
    }

    @Test
    void droppedConnectionGivesTheClientAnIOException() throws Exception {
        stub.faults().dropRate(1.0);

        assertThrows(IOException.class, () -> client.postMessages(message("dropped", 10)));
        assertThrows(IOException.class, () -> client.send(client.request("/health").GET()));
        assertTrue(stub.requestCount("/v1/messages") >= 1 && stub.requestCount("/health") >= 1,
                "the requests arrived and were dropped unanswered");

        stub.faults().dropRate(0.0);
        assertEquals(200, client.postMessages(message("kept", 10)).statusCode());
    }

    @Test
    void resetTurnsEveryFaultOff() throws Exception {
        stub.faults().requestLatency(Duration.ofMillis(5)).eventLatency(Duration.ofMillis(5)).failWith(429)
                .retryAfterSeconds(9).midStreamErrorAfterDeltas(1).healthFailing(true).dropRate(0.5);

        stub.faults().reset();

        assertEquals(AdminEndpoint.toJson(FaultSettings.NONE).toString(), stub.faults().toString());
        assertEquals(200, client.postMessages(message("fine again", 10)).statusCode());
    }

    @Test
    void badFaultValuesAreRejectedAndChangeNothing() {
        Faults faults = stub.faults().failureRate(0.25);

        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class, () -> faults.failureRate(1.5));
        assertEquals("failureRate must be a number from 0 to 1 (0 = never, 1 = always), but was 1.5", rate.getMessage());
        IllegalArgumentException status = assertThrows(IllegalArgumentException.class, () -> faults.failWith(404));
        assertTrue(status.getMessage().startsWith("failureStatus must be one of 429"), status.getMessage());
        assertThrows(IllegalArgumentException.class, () -> faults.requestLatency(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> faults.eventLatency(Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> faults.midStreamErrorAfterDeltas(-2));
        assertThrows(IllegalArgumentException.class, () -> faults.retryAfterSeconds(-1));
        assertThrows(IllegalArgumentException.class, () -> faults.dropRate(Double.NaN));

        assertEquals(0.25, faults.failureRate());
        assertEquals(500, faults.failureStatus());
    }

    @Test
    void aStreamCutByTheClientDoesNotStopTheStub() throws Exception {
        stub.faults().eventLatency(Duration.ofMillis(20));
        HttpRequest request = client.api("/v1/messages")
                .POST(HttpRequest.BodyPublishers.ofString(streamed("abandoned").toString())).build();
        HttpResponse<InputStream> response = client.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            assertTrue(body.read() >= 0);
        }
        stub.faults().eventLatency(Duration.ZERO);
        assertEquals(200, client.postMessages(message("still serving", 10)).statusCode());
    }
}
