package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.assertError;
import static dev.poolgate.stub.StubClient.json;
import static dev.poolgate.stub.StubClient.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code /admin/faults}, {@code /admin/faults/reset}, {@code /admin/stats}, and who may use them. */
@Timeout(30)
class AdminEndpointTest extends RunningStubTest {

    private static final String ALL_OFF = "{\"request_latency_ms\":0,\"event_latency_ms\":0,\"failure_rate\":0.0,"
            + "\"failure_status\":500,\"retry_after_seconds\":1,\"mid_stream_error_after_deltas\":-1,"
            + "\"health_failing\":false,\"drop_rate\":0.0}";

    @Test
    void getFaultsShowsEveryFaultOffByDefault() throws Exception {
        HttpResponse<String> response = client.send(client.request("/admin/faults").GET());
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        assertEquals(ALL_OFF, response.body());
    }

    @Test
    void postFaultsChangesOnlyTheGivenFields() throws Exception {
        HttpResponse<String> response = client.postAdmin("/admin/faults",
                "{\"failure_rate\": 1, \"failure_status\": 429, \"retry_after_seconds\": 4, \"request_latency_ms\": 5}");

        assertEquals(200, response.statusCode(), response::body);
        JsonNode faults = json(response);
        assertEquals(1.0, faults.get("failure_rate").doubleValue());
        assertEquals(429, faults.get("failure_status").intValue());
        assertEquals(0, faults.get("event_latency_ms").intValue());
        assertEquals(429, stub.faults().failureStatus());
        assertEquals(Duration.ofMillis(5), stub.faults().requestLatency());
        HttpResponse<String> failed = client.postMessages(message("now failing", 10));
        assertError(failed, 429, "rate_limit_error", "rate limit");
        assertEquals("4", failed.headers().firstValue("retry-after").orElseThrow());

        client.postAdmin("/admin/faults", "{\"health_failing\": true, \"mid_stream_error_after_deltas\": 3,"
                + " \"drop_rate\": 0.0, \"event_latency_ms\": 1}");
        assertTrue(stub.faults().healthFailing());
        assertEquals(3, stub.faults().midStreamErrorAfterDeltas());
        assertEquals(429, stub.faults().failureStatus(), "untouched by the second update");
    }

    static Stream<Arguments> badUpdates() {
        return Stream.of(
                Arguments.of("{\"failure_rat\": 1}", "unknown fault \"failure_rat\"; the faults are request_latency_ms,"),
                Arguments.of("{\"failure_rate\": 1.5}", "failure_rate must be a number from 0 to 1"),
                Arguments.of("{\"failure_rate\": \"1\"}", "failure_rate must be a number from 0 to 1, but was the string"),
                Arguments.of("{\"failure_status\": 404}", "failure_status must be one of 429 (rate_limit_error)"),
                Arguments.of("{\"request_latency_ms\": -1}", "request_latency_ms must be an integer from 0 to 600000"),
                Arguments.of("{\"event_latency_ms\": 1.5}", "event_latency_ms must be an integer, but was a number"),
                Arguments.of("{\"retry_after_seconds\": 100000}", "retry_after_seconds must be an integer from 0 to 86400"),
                Arguments.of("{\"mid_stream_error_after_deltas\": -2}", "mid_stream_error_after_deltas must be"),
                Arguments.of("{\"health_failing\": 1}", "health_failing must be true or false"),
                Arguments.of("{\"drop_rate\": null}", "drop_rate must be a number from 0 to 1, but was null"),
                Arguments.of("{\"failure_rate\": 1,", "The faults update is not valid JSON"),
                Arguments.of("[]", "The faults update must be a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badUpdates")
    void badFaultsUpdateIs400AndChangesNothing(String update, String expectedMessage) throws Exception {
        String withAGoodField = update.startsWith("{\"")
                ? "{\"health_failing\": true, " + update.substring(1)
                : update;
        HttpResponse<String> response = client.postAdmin("/admin/faults", withAGoodField);

        assertError(response, 400, "invalid_request_error", expectedMessage);
        assertEquals(ALL_OFF, stub.faults().toString(), "a rejected update changes no field, not even a good one");
    }

    @Test
    void resetTurnsEveryFaultOff() throws Exception {
        stub.faults().failWith(529).healthFailing(true).eventLatency(Duration.ofMillis(3));
        HttpResponse<String> response = client.postAdmin("/admin/faults/reset", "");
        assertEquals(200, response.statusCode(), response::body);
        assertEquals(ALL_OFF, response.body());
        assertEquals(ALL_OFF, stub.faults().toString());
    }

    @Test
    void statsCountRequestsByPathOnArrival() throws Exception {
        for (int i = 0; i < 3; i++) {
            client.send(client.request("/health").GET());
        }
        client.postMessages(message("one", 10));
        client.postMessages("not JSON");
        client.send(client.request("/nowhere").GET());
        stub.faults().healthFailing(true);
        client.send(client.request("/health").GET());

        HttpResponse<String> response = client.send(client.request("/admin/stats").GET());

        assertEquals(200, response.statusCode());
        JsonNode stats = json(response);
        assertEquals(8, stats.get("requests_total").longValue(), response::body);
        JsonNode byPath = stats.get("requests_by_path");
        assertEquals(4, byPath.get("/health").longValue());
        assertEquals(2, byPath.get("/v1/messages").longValue());
        assertEquals(1, byPath.get("(unknown)").longValue());
        assertEquals(1, byPath.get("/admin/stats").longValue());
        assertEquals(4, stub.requestCount("/health"));
        assertEquals(8, stub.requestCount());
        assertEquals(0, stub.requestCount("/v1/models"));
    }

    @Test
    void statsShowTheApiRequestsInProgressAndTheMostAtOnce() throws Exception {
        // Long enough for three requests started together to be in progress at once, however loaded the machine.
        stub.faults().requestLatency(Duration.ofSeconds(3));
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            responses.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return client.postMessages(message("held", 10));
                } catch (IOException | InterruptedException e) {
                    throw new CompletionException(e);
                }
            }, command -> Thread.ofVirtual().start(command)));
        }
        Await.until("three messages in progress", () -> inFlight() == 3);
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertEquals(200, response.get().statusCode());
        }
        JsonNode stats = json(client.send(client.request("/admin/stats").GET()));
        assertEquals(0, stats.get("api_in_flight").intValue(), stats::toString);
        assertEquals(3, stats.get("api_in_flight_peak").intValue(), "admin and health requests do not count");
    }

    private int inFlight() {
        try {
            return json(client.send(client.request("/admin/stats").GET())).get("api_in_flight").intValue();
        } catch (IOException | InterruptedException e) {
            throw new CompletionException(e);
        }
    }

    @Test
    void statsCountClientConnectionsNotRequests() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, client.send(client.request("/health").GET()).statusCode());
        }
        assertEquals(1, stub.clientConnectionsSeen(), "three sequential requests over one kept-alive connection");

        try (StubClient second = new StubClient(stub)) {
            second.send(second.request("/health").GET());
        }
        assertEquals(2, stub.clientConnectionsSeen());
        assertEquals(2, json(client.send(client.request("/admin/stats").GET())).get("client_connections_seen").longValue());
    }

    @Test
    void adminEndpointIsOnByDefaultOnALoopbackBind() {
        assertEquals(StubConfig.AdminAccess.LOOPBACK_ONLY, stub.config().adminAccess());
        assertTrue(stub.adminEnabled());
    }

    @Test
    void loopbackOnlyAccessRefusesEveryOtherBind() throws Exception {
        InetAddress loopback4 = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        InetAddress loopback6 = InetAddress.getByName("::1");
        InetAddress privateAddress = InetAddress.getByAddress(new byte[] {10, 1, 2, 3});
        InetAddress wildcard = InetAddress.getByAddress(new byte[] {0, 0, 0, 0});

        assertTrue(StubConfig.AdminAccess.LOOPBACK_ONLY.allows(loopback4));
        assertTrue(StubConfig.AdminAccess.LOOPBACK_ONLY.allows(loopback6));
        assertFalse(StubConfig.AdminAccess.LOOPBACK_ONLY.allows(privateAddress));
        assertFalse(StubConfig.AdminAccess.LOOPBACK_ONLY.allows(wildcard), "0.0.0.0 listens on every interface");
        assertTrue(StubConfig.AdminAccess.ENABLED.allows(privateAddress));
        assertTrue(StubConfig.AdminAccess.ENABLED.allows(wildcard));
        assertFalse(StubConfig.AdminAccess.DISABLED.allows(loopback4));
    }

    @Test
    void disabledAdminEndpointIs404AndNamesTheFlag() throws Exception {
        try (StubBackend closed = StubBackend.start(StubConfig.builder()
                        .adminAccess(StubConfig.AdminAccess.DISABLED).build());
                StubClient closedClient = new StubClient(closed)) {
            assertFalse(closed.adminEnabled());
            for (String path : new String[] {"/admin/faults", "/admin/stats"}) {
                assertError(closedClient.send(closedClient.request(path).GET()), 404, "not_found_error", "--enable-admin");
            }
            assertError(closedClient.postAdmin("/admin/faults", "{\"health_failing\": true}"), 404, "not_found_error",
                    "admin endpoint is off");
            assertFalse(closed.faults().healthFailing());
            assertEquals(200, closedClient.send(closedClient.request("/health").GET()).statusCode());
        }
    }

    @Test
    void aStubReachableFromOtherMachinesServesNoAdminEndpointUnlessEnabled() throws Exception {
        try (StubBackend wildcard = StubBackend.start(StubConfig.builder().host("0.0.0.0").build());
                StubClient wildcardClient = new StubClient(wildcard)) {
            assertFalse(wildcard.adminEnabled());
            assertError(wildcardClient.send(wildcardClient.request("/admin/faults").GET()), 404, "not_found_error",
                    "--enable-admin");
            assertError(wildcardClient.postAdmin("/admin/faults", "{\"failure_rate\": 1}"), 404, "not_found_error",
                    "admin endpoint is off");
            assertError(wildcardClient.postAdmin("/admin/faults/reset", ""), 404, "not_found_error", "--enable-admin");
            assertEquals(0.0, wildcard.faults().failureRate(), "nothing changed");
            assertEquals(200, wildcardClient.postMessages(message("still healthy", 64)).statusCode());
        }
        try (StubBackend enabled = StubBackend.start(StubConfig.builder().host("0.0.0.0")
                        .adminAccess(StubConfig.AdminAccess.ENABLED).build());
                StubClient enabledClient = new StubClient(enabled)) {
            assertTrue(enabled.adminEnabled());
            assertEquals(200, enabledClient.send(enabledClient.request("/admin/faults").GET()).statusCode());
        }
    }
}
