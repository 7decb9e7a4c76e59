package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The log's two formats: text lines of date, level and the catalogue message (as before the
 * logging backend changed), and with {@code --log-format json} one JSON object per line for every
 * event, the catalogue lines' fields as arguments and the access line's as named fields.
 */
@Timeout(60)
class LogFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final Pattern TEXT_LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) (INFO|WARN|ERROR) \\[[A-Z_]+\\] .*");

    @Test
    void textLinesAreTheDateTheLevelAndTheCatalogueMessage() {
        try (LogCapture log = LogCapture.start()) {
            Gateways.start().close();
            List<String> lines = log.rawLines().stream().filter(line -> line.contains("[STARTUP]")).toList();
            assertFalse(lines.isEmpty());
            for (String line : lines) {
                assertTrue(TEXT_LINE.matcher(line).matches(), line);
            }
        }
    }

    @Test
    void jsonFormatWritesEveryEventAsOneJsonObjectWithItsFields() throws Exception {
        try (ServerProcess server = ServerProcess.start(List.of(), List.of("--port", "0", "--upstream", "stub",
                "--log-format", "json"), Map.of())) {
            Pattern listening = Pattern.compile("Gateway listening on http://127\\.0\\.0\\.1:(\\d+) ");
            // JSON escapes the slashes of the URL: the message is read from each line's JSON.
            Matcher port = Await.until("the listening line", AWAIT, () -> server.lines().stream()
                    .map(line -> listening.matcher(parse(line).path("formattedMessage").asText()))
                    .filter(Matcher::find).findFirst().orElse(null), m -> m != null);
            HttpResponse<String> response;
            try (HttpClient http = HttpClient.newHttpClient()) {
                response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + port.group(1) + "/v1/messages")).header("x-api-key", "k").header("anthropic-version",
                    GatewayClient.VERSION).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.message("json please"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            }
            assertEquals(200, response.statusCode(), response.body());
            String requestId = response.headers().firstValue("request-id").orElseThrow();
            Await.until("the access line", AWAIT, () -> server.lines().stream()
                    .anyMatch(line -> line.contains("[ACCESS] ") && line.contains(requestId)));

            List<JsonNode> events = new ArrayList<>();
            for (String line : server.lines()) {
                events.add(parse(line));
            }
            for (JsonNode event : events) {
                assertTrue(event.path("level").isTextual() && event.path("timestamp").canConvertToLong()
                        && event.path("formattedMessage").isTextual(), event.toString());
            }
            JsonNode configured = find(events, "[POOL_MANAGER] ");
            assertTrue(configured.path("arguments").isArray() && !configured.path("arguments").isEmpty(),
                    "the pool's catalogue fields: " + configured);
            JsonNode stubWarning = find(events, "[STARTUP] Forwarding to the embedded stub backend");
            assertEquals("WARN", stubWarning.path("level").asText());
            JsonNode access = find(events, "[ACCESS] ");
            Map<String, JsonNode> fields = new java.util.HashMap<>();
            access.path("kvpList").forEach(pair -> pair.fields().forEachRemaining(e -> fields.put(e.getKey(),
                    e.getValue())));
            assertEquals("200", fields.get("status").asText(), access.toString());
            assertEquals("upstream", fields.get("origin").asText());
            assertEquals(requestId, fields.get("upstream_request_id").asText());
            assertTrue(fields.get("request_id").asText().startsWith("req_"));
            assertEquals(GatewayClient.MODEL, fields.get("model").asText());
        }
    }

    private static JsonNode parse(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            assertTrue(node != null && node.isObject(), "one JSON object per line: " + line);
            return node;
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    private static JsonNode find(List<JsonNode> events, String prefix) {
        return events.stream().filter(event -> event.path("formattedMessage").asText().startsWith(prefix))
                .findFirst().orElseThrow(() -> new AssertionError("no event starting with " + prefix + " in "
                        + events));
    }
}
