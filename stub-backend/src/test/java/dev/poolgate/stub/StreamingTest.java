package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.events;
import static dev.poolgate.stub.StubClient.fieldNames;
import static dev.poolgate.stub.StubClient.json;
import static dev.poolgate.stub.StubClient.message;
import static dev.poolgate.stub.StubClient.names;
import static dev.poolgate.stub.StubClient.streamedText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poolgate.stub.StubClient.Event;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code POST /v1/messages} with {@code "stream": true}: the server-sent events of the API. */
@Timeout(30)
class StreamingTest extends RunningStubTest {

    private static ObjectNode streamed(String text, int maxTokens) {
        ObjectNode request = message(text, maxTokens);
        request.put("stream", true);
        return request;
    }

    @Test
    void eventsComeInTheOrderOfTheApi() throws Exception {
        HttpResponse<String> response = client.postMessages(streamed("Stream this, please", 1024));

        assertEquals(200, response.statusCode(), response::body);
        assertEquals("text/event-stream; charset=utf-8", response.headers().firstValue("content-type").orElseThrow());
        assertTrue(response.headers().firstValue("request-id").orElseThrow().startsWith("req_"));
        List<String> names = names(events(response.body()));
        int deltas = (int) names.stream().filter("content_block_delta"::equals).count();
        assertTrue(deltas >= 3, "several deltas: " + names);
        List<String> expected = new ArrayList<>(List.of("message_start", "ping", "content_block_start"));
        for (int i = 0; i < deltas; i++) {
            expected.add("content_block_delta");
        }
        expected.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
        assertEquals(expected, names);
    }

    @Test
    void everyEventsDataHasTheEventNameAsType() throws Exception {
        for (Event event : events(client.postMessages(streamed("Types", 1024)).body())) {
            assertEquals(event.name(), event.data().get("type").textValue(), event.toString());
            assertEquals("type", fieldNames(event.data()).get(0), "type comes first: " + event);
        }
    }

    @Test
    void eventsCarryTheMessageBlockAndUsageFieldsOfTheApi() throws Exception {
        String userText = "Fields of every event";
        List<Event> events = events(client.postMessages(streamed(userText, 1024)).body());
        JsonNode plain = json(client.postMessages(message(userText, 1024)));

        JsonNode start = events.get(0).data().get("message");
        assertTrue(start.get("id").textValue().matches("msg_[0-9A-Za-z]{24}"));
        assertEquals("message", start.get("type").textValue());
        assertEquals("assistant", start.get("role").textValue());
        assertEquals("claude-test", start.get("model").textValue());
        assertTrue(start.get("content").isArray() && start.get("content").isEmpty());
        assertTrue(start.get("stop_reason").isNull());
        assertEquals(plain.get("usage").get("input_tokens"), start.get("usage").get("input_tokens"));
        assertTrue(start.get("usage").get("output_tokens").intValue() <= 1);

        JsonNode blockStart = events.get(2).data();
        assertEquals(0, blockStart.get("index").intValue());
        assertEquals("text", blockStart.get("content_block").get("type").textValue());
        assertEquals("", blockStart.get("content_block").get("text").textValue());

        JsonNode firstDelta = events.get(3).data();
        assertEquals(0, firstDelta.get("index").intValue());
        assertEquals("text_delta", firstDelta.get("delta").get("type").textValue());

        assertEquals(0, events.get(events.size() - 3).data().get("index").intValue());
        JsonNode messageDelta = events.get(events.size() - 2).data();
        assertEquals("end_turn", messageDelta.get("delta").get("stop_reason").textValue());
        assertTrue(messageDelta.get("delta").get("stop_sequence").isNull());
        assertEquals(plain.get("usage").get("output_tokens"), messageDelta.get("usage").get("output_tokens"));
    }

    @Test
    void streamedTextEqualsThePlainReply() throws Exception {
        String userText = "Same words either way";
        String streamedText = streamedText(events(client.postMessages(streamed(userText, 1024)).body()));
        String plainText = json(client.postMessages(message(userText, 1024))).get("content").get(0).get("text").textValue();
        assertEquals(plainText, streamedText);
    }

    @Test
    void streamedRepliesStopLikePlainOnes() throws Exception {
        ObjectNode request = streamed("Stop the stream", 1024);
        request.putArray("stop_sequences").add("backend");
        List<Event> stopped = events(client.postMessages(request).body());
        assertEquals("This is the stub ", streamedText(stopped));
        JsonNode delta = stopped.get(stopped.size() - 2).data().get("delta");
        assertEquals("stop_sequence", delta.get("stop_reason").textValue());
        assertEquals("backend", delta.get("stop_sequence").textValue());

        List<Event> truncated = events(client.postMessages(streamed("Cut the stream", 2)).body());
        assertEquals("This is ", streamedText(truncated));
        assertEquals("max_tokens", truncated.get(truncated.size() - 2).data().get("delta").get("stop_reason").textValue());
        assertEquals(2, truncated.get(truncated.size() - 2).data().get("usage").get("output_tokens").intValue());
    }

    @Test
    void eachEventIsSentWhenReadyNotAtTheEnd() throws Exception {
        stub.faults().eventLatency(Duration.ofMillis(60));
        HttpRequest request = client.api("/v1/messages")
                .POST(HttpRequest.BodyPublishers.ofString(streamed("Flush each event", 1024).toString()))
                .build();
        long started = System.nanoTime();
        HttpResponse<Stream<String>> response = client.http().send(request, HttpResponse.BodyHandlers.ofLines());
        long firstEventNanos;
        int lines = 1;
        try (Stream<String> body = response.body()) {
            Iterator<String> iterator = body.iterator();
            assertEquals("event: message_start", iterator.next());
            firstEventNanos = System.nanoTime() - started;
            while (iterator.hasNext()) {
                iterator.next();
                lines++;
            }
        }
        long totalNanos = System.nanoTime() - started;
        int events = lines / 3;
        assertTrue(events >= 10, "events: " + events);
        assertTrue(totalNanos >= Duration.ofMillis(60L * events).toNanos(), "each event waited its latency");
        assertTrue(firstEventNanos < totalNanos / 2,
                "the first event arrived after " + firstEventNanos / 1_000_000 + " ms of "
                        + totalNanos / 1_000_000 + " ms: events are flushed one by one");
    }
}
