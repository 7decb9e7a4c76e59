package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.testkit.Await;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * One {@code [ACCESS]} line per request, refused ones included, with who made the status, the
 * tokens upstream reported (plain and streamed), the client as a digest of its key (never the
 * key), the sizes and timings.
 */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessLogTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);
    private static final Pattern LINE = Pattern.compile(".*\\[ACCESS\\] (req_[0-9a-f]+) (.*)");

    private Gateway gateway;
    private GatewayClient client;
    private LogCapture log;

    @BeforeAll
    void start() {
        log = LogCapture.start();
        gateway = Gateways.start("--proxy-api-keys", GatewayClient.CLIENT_KEY, "--max-request-bytes", "4000");
        client = new GatewayClient(gateway);
    }

    @AfterAll
    void stop() {
        gateway.close();
        log.close();
    }

    /**
     * The fields of the access line naming {@code requestId} (the gateway's, or upstream's when
     * its answer was passed on), once it is written.
     */
    private Map<String, String> accessLine(String requestId) {
        String line = Await.until("the access line of " + requestId, AWAIT, () -> log.rawLines().stream()
                .filter(raw -> raw.contains("[ACCESS] ") && raw.contains(requestId)).findFirst().orElse(null), l -> l != null);
        Matcher matcher = LINE.matcher(line);
        assertTrue(matcher.matches(), line);
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : matcher.group(2).split(" ")) {
            int equals = pair.indexOf('=');
            assertTrue(equals > 0, () -> "key=value pairs only: " + line);
            fields.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        assertEquals(List.of("client", "method", "route", "status", "origin", "model", "stream", "input_tokens",
                "output_tokens", "acquire_ms", "ttfb_ms", "total_ms", "bytes_in", "bytes_out", "upstream_request_id"),
                List.copyOf(fields.keySet()), line);
        assertFalse(line.contains(GatewayClient.CLIENT_KEY), "never the key: " + line);
        return fields;
    }

    private static String digestOf(String key) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        return "key-" + HexFormat.of().formatHex(digest, 0, 4);
    }

    @Test
    void aPlainAnswerIsLoggedWithItsUsageOriginSizesAndClientDigest() throws Exception {
        String body = GatewayClient.message("Hello there");
        Response response = client.post("/v1/messages", body);
        assertEquals(200, response.status(), response.body());

        Map<String, String> line = accessLine(response.header("request-id"));
        JsonNode usage = response.json().path("usage");
        assertEquals(digestOf(GatewayClient.CLIENT_KEY), line.get("client"));
        assertEquals("POST", line.get("method"));
        assertEquals("/v1/messages", line.get("route"));
        assertEquals("200", line.get("status"));
        assertEquals("upstream", line.get("origin"));
        assertEquals(response.header("request-id"), line.get("upstream_request_id"));
        assertEquals(GatewayClient.MODEL, line.get("model"));
        assertEquals("false", line.get("stream"));
        assertEquals(usage.path("input_tokens").asText(), line.get("input_tokens"));
        assertEquals(usage.path("output_tokens").asText(), line.get("output_tokens"));
        assertEquals(Integer.toString(body.getBytes(StandardCharsets.UTF_8).length), line.get("bytes_in"));
        assertEquals(Integer.toString(response.body().getBytes(StandardCharsets.UTF_8).length), line.get("bytes_out"));
        assertTrue(line.get("acquire_ms").matches("\\d+\\.\\d{3}"), line.toString());
        assertTrue(Double.parseDouble(line.get("ttfb_ms")) <= Double.parseDouble(line.get("total_ms")),
                line.toString());
    }

    @Test
    void aStreamIsLoggedWithTheTokensOfItsMessageStartAndMessageDelta() {
        Response response = client.post("/v1/messages", GatewayClient.message("Stream this", 256, true));
        assertEquals(200, response.status(), response.body());
        long input = -1;
        long output = -1;
        for (ServerSentEvents.Event event : ServerSentEvents.parse(response.body())) {
            JsonNode data = event.data();
            if (event.name().equals("message_start")) {
                input = data.path("message").path("usage").path("input_tokens").asLong();
            } else if (event.name().equals("message_delta")) {
                output = data.path("usage").path("output_tokens").asLong();
            }
        }

        Map<String, String> line = accessLine(response.header("request-id"));
        assertEquals("true", line.get("stream"));
        assertEquals("upstream", line.get("origin"));
        assertEquals(Long.toString(input), line.get("input_tokens"));
        assertEquals(Long.toString(output), line.get("output_tokens"));
        assertEquals(Integer.toString(response.body().getBytes(StandardCharsets.UTF_8).length), line.get("bytes_out"));
    }

    @Test
    void refusedRequestsAreLoggedAsTheGatewaysStatus() {
        Response unknownKey = client.send(client.request("/v1/messages")
                .setHeader("x-api-key", "wrong-key").POST(HttpRequest.BodyPublishers.ofString("{}")));
        Response notFound = client.get("/v2/nothing");
        Response invalid = client.post("/v1/messages", "{\"model\":");
        Response tooLarge = client.post("/v1/messages", GatewayClient.message("x".repeat(5000)));
        for (Response response : List.of(unknownKey, notFound, invalid, tooLarge)) {
            Map<String, String> line = accessLine(response.header("request-id"));
            assertEquals(Integer.toString(response.status()), line.get("status"));
            assertEquals("gateway", line.get("origin"), line.toString());
            assertEquals("-", line.get("input_tokens"));
            assertEquals("-", line.get("acquire_ms"), "no pooled client was taken");
            assertEquals("-", line.get("upstream_request_id"));
        }
        assertEquals(List.of(401, 404, 400, 413), List.of(unknownKey.status(), notFound.status(), invalid.status(),
                tooLarge.status()));
        assertEquals("unmatched", accessLine(notFound.header("request-id")).get("route"));
    }

    @Test
    void anUpstreamErrorIsLoggedAsUpstreamsStatus() {
        gateway.embeddedStub().faults().failWith(529);
        try {
            Response response = client.post("/v1/messages", GatewayClient.message("busy?"));
            assertEquals(529, response.status(), response.body());
            Map<String, String> line = accessLine(response.header("request-id"));
            assertEquals("529", line.get("status"));
            assertEquals("upstream", line.get("origin"));
        } finally {
            gateway.embeddedStub().faults().reset();
        }
    }
}
