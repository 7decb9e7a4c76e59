package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.events;
import static dev.poolgate.stub.StubClient.fieldNames;
import static dev.poolgate.stub.StubClient.json;
import static dev.poolgate.stub.StubClient.message;
import static dev.poolgate.stub.StubClient.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poolgate.stub.StubClient.Event;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Thinking: with {@code thinking} {@code enabled} or {@code adaptive}, a signed {@code thinking}
 * block precedes the answer, streamed as {@code thinking_delta}s and a {@code signature_delta}.
 */
@Timeout(30)
class ThinkingTest extends RunningStubTest {

    private static ObjectNode thinking(String text, String type) {
        ObjectNode request = message(text, 4096);
        ObjectNode thinking = request.putObject("thinking").put("type", type);
        if (type.equals("enabled")) {
            thinking.put("budget_tokens", 2048);
        }
        return request;
    }

    @ParameterizedTest
    @ValueSource(strings = {"enabled", "adaptive"})
    void thinkingOnPutsASignedThinkingBlockBeforeTheText(String type) throws Exception {
        JsonNode body = json(client.postMessages(thinking("Think about this", type)));

        JsonNode content = body.get("content");
        assertEquals(2, content.size(), body::toString);
        JsonNode block = content.get(0);
        assertEquals(List.of("type", "thinking", "signature"), fieldNames(block));
        assertEquals("thinking", block.get("type").textValue());
        String thought = block.get("thinking").textValue();
        assertEquals("The stub backend reads the message of 3 words and will answer with text.", thought);
        assertEquals(Thinking.signatureOf(thought), block.get("signature").textValue());
        assertEquals(Reply.fullText("Think about this"), content.get(1).get("text").textValue());
        int textTokens = (Reply.fullText("Think about this").length() + 3) / 4;
        assertEquals(textTokens + (thought.length() + 3) / 4, body.get("usage").get("output_tokens").intValue());
    }

    @Test
    void thinkingDisabledOrAbsentAddsNoBlock() throws Exception {
        assertEquals(1, json(client.postMessages(thinking("Quick", "disabled"))).get("content").size());
        assertEquals(1, json(client.postMessages(message("Quick", 100))).get("content").size());
    }

    @Test
    void thinkingPrecedesAToolCall() throws Exception {
        ObjectNode request = thinking("Call it", "enabled");
        ObjectNode tool = request.putArray("tools").addObject().put("name", "lookup");
        tool.putObject("input_schema").put("type", "object");

        JsonNode content = json(client.postMessages(request)).get("content");

        assertEquals("The stub backend reads the message of 2 words and will call the tool lookup.",
                content.get(0).get("thinking").textValue());
        assertEquals("tool_use", content.get(1).get("type").textValue());
    }

    @Test
    void streamedThinkingHasThinkingDeltasThenOneSignatureDelta() throws Exception {
        ObjectNode request = thinking("Stream your thoughts", "adaptive");
        request.put("stream", true);

        List<Event> events = events(client.postMessages(request).body());

        List<String> names = names(events);
        int thinkingStop = names.indexOf("content_block_stop");
        JsonNode start = events.get(2).data();
        assertEquals("content_block_start", events.get(2).name());
        assertEquals(0, start.get("index").intValue());
        assertEquals(json("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}"), start.get("content_block"));
        StringBuilder thought = new StringBuilder();
        List<String> deltaTypes = new ArrayList<>();
        for (Event event : events.subList(3, thinkingStop)) {
            assertEquals("content_block_delta", event.name());
            assertEquals(0, event.data().get("index").intValue());
            JsonNode delta = event.data().get("delta");
            deltaTypes.add(delta.get("type").textValue());
            if (delta.get("type").textValue().equals("thinking_delta")) {
                thought.append(delta.get("thinking").textValue());
            } else {
                assertEquals(Thinking.signatureOf(thought.toString()), delta.get("signature").textValue());
            }
        }
        assertTrue(deltaTypes.size() >= 3, deltaTypes::toString);
        assertEquals("signature_delta", deltaTypes.get(deltaTypes.size() - 1), "the signature comes last");
        assertTrue(deltaTypes.subList(0, deltaTypes.size() - 1).stream().allMatch("thinking_delta"::equals));
        assertEquals(0, events.get(thinkingStop).data().get("index").intValue());
        JsonNode textStart = events.get(thinkingStop + 1).data();
        assertEquals(1, textStart.get("index").intValue());
        assertEquals("text", textStart.get("content_block").get("type").textValue());
        assertEquals(Reply.fullText("Stream your thoughts"), StubClient.streamedText(events));
        assertEquals(List.of("content_block_stop", "message_delta", "message_stop"),
                names.subList(names.size() - 3, names.size()));
    }
}
