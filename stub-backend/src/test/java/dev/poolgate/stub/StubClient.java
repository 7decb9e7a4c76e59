package dev.poolgate.stub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The tests' client of an in-process stub: {@link HttpClient} over HTTP/1.1 with the headers of a
 * valid API request, and parsers and assertions for the wire format (JSON, errors, events).
 */
final class StubClient implements AutoCloseable {

    static final String KEY = "sk-test-key";
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final URI base;

    StubClient(StubBackend stub) {
        base = stub.baseUri();
    }

    /** A request without any header. */
    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
    }

    /** A request with the headers of a valid API request: key, version, JSON content type. */
    HttpRequest.Builder api(String path) {
        return request(path)
                .header("x-api-key", KEY)
                .header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json");
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postMessages(String json) throws IOException, InterruptedException {
        return send(api("/v1/messages").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    HttpResponse<String> postMessages(ObjectNode body) throws IOException, InterruptedException {
        return postMessages(body.toString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(api(path).GET());
    }

    HttpResponse<String> postAdmin(String path, String json) throws IOException, InterruptedException {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    HttpClient http() {
        return http;
    }

    @Override
    public void close() {
        http.close();
    }

    /** {@code {"model":"claude-test","max_tokens":maxTokens,"messages":[{"role":"user","content":text}]}}. */
    static ObjectNode message(String text, int maxTokens) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("model", "claude-test");
        body.put("max_tokens", maxTokens);
        ObjectNode message = body.putArray("messages").addObject();
        message.put("role", "user");
        message.put("content", text);
        return body;
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.body(), e);
        }
    }

    static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * Asserts an Anthropic error response: the status, exactly
     * {@code {"type":"error","error":{"type":...,"message":...},"request_id":...}} with the
     * {@code request_id} of the {@code request-id} header, and a message containing
     * {@code messagePart}.
     *
     * @return the message
     */
    static String assertError(HttpResponse<String> response, int status, String errorType, String messagePart) {
        assertEquals(status, response.statusCode(), response::body);
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        JsonNode body = json(response);
        assertEquals(List.of("type", "error", "request_id"), fieldNames(body), response::body);
        assertEquals("error", body.get("type").textValue());
        assertEquals(List.of("type", "message"), fieldNames(body.get("error")), response::body);
        assertEquals(errorType, body.get("error").get("type").textValue(), response::body);
        String requestId = response.headers().firstValue("request-id").orElseThrow();
        assertEquals(requestId, body.get("request_id").textValue());
        String message = body.get("error").get("message").textValue();
        assertTrue(message.contains(messagePart), () -> "expected \"" + messagePart + "\" in: " + message);
        return message;
    }

    /** One server-sent event. */
    record Event(String name, JsonNode data) {
    }

    /**
     * Parses an event stream, checking the framing strictly: each event is exactly an
     * {@code event:} line, a {@code data:} line and a blank line.
     */
    static List<Event> events(String body) {
        List<Event> events = new ArrayList<>();
        Iterator<String> lines = body.lines().iterator();
        while (lines.hasNext()) {
            String event = lines.next();
            assertTrue(event.startsWith("event: "), () -> "expected an event line, got \"" + event + "\" in\n" + body);
            assertTrue(lines.hasNext(), "an event line without a data line");
            String data = lines.next();
            assertTrue(data.startsWith("data: "), () -> "expected a data line, got \"" + data + "\"");
            assertTrue(lines.hasNext(), "an event without its blank line");
            assertEquals("", lines.next(), "an event ends with a blank line");
            events.add(new Event(event.substring("event: ".length()), json(data.substring("data: ".length()))));
        }
        assertTrue(body.endsWith("\n\n"), "the stream ends after a blank line");
        return events;
    }

    static List<String> names(List<Event> events) {
        return events.stream().map(Event::name).toList();
    }

    /** The text of a stream's text deltas, joined. */
    static String streamedText(List<Event> events) {
        StringBuilder text = new StringBuilder();
        for (Event event : events) {
            if (event.name().equals("content_block_delta")
                    && event.data().get("delta").get("type").textValue().equals("text_delta")) {
                text.append(event.data().get("delta").get("text").textValue());
            }
        }
        return text.toString();
    }
}
