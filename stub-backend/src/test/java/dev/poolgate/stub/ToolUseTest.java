package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.MAPPER;
import static dev.poolgate.stub.StubClient.events;
import static dev.poolgate.stub.StubClient.fieldNames;
import static dev.poolgate.stub.StubClient.json;
import static dev.poolgate.stub.StubClient.message;
import static dev.poolgate.stub.StubClient.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poolgate.stub.StubClient.Event;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tools: with {@code tools} and a {@code tool_choice} that allows it, the answer is a
 * {@code tool_use} block (plain and streamed as the API streams it); after a {@code tool_result},
 * text about the result.
 */
@Timeout(30)
class ToolUseTest extends RunningStubTest {

    /** A request asking {@code text} with two tools: get_weather (first) and Bash. */
    private static ObjectNode withTools(String text) {
        ObjectNode request = message(text, 1024);
        ArrayNode tools = request.putArray("tools");
        ObjectNode weather = tools.addObject();
        weather.put("name", "get_weather");
        weather.put("description", "The weather at a place");
        ObjectNode schema = weather.putObject("input_schema");
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("location").put("type", "string");
        properties.putObject("unit").put("type", "string").putArray("enum").add("celsius").add("fahrenheit");
        properties.putObject("days").put("type", "integer").put("minimum", 3);
        properties.putObject("optional_note").put("type", "string");
        schema.putArray("required").add("location").add("unit").add("days");
        ObjectNode bash = tools.addObject();
        bash.put("name", "Bash");
        ObjectNode bashSchema = bash.putObject("input_schema");
        bashSchema.put("type", "object");
        bashSchema.putObject("properties").putObject("command").put("type", "string");
        bashSchema.withObject("properties").putObject("timeout").put("type", "number");
        bashSchema.putArray("required").add("command");
        return request;
    }

    private static JsonNode onlyBlock(JsonNode message) {
        assertEquals(1, message.get("content").size(), message::toString);
        return message.get("content").get(0);
    }

    @Test
    void toolsUnderAutoGetAToolUseOfTheFirstToolWithTheRequiredInputOfItsSchema() throws Exception {
        HttpResponse<String> response = client.postMessages(withTools("What is the weather in Paris?"));

        assertEquals(200, response.statusCode(), response::body);
        JsonNode body = json(response);
        JsonNode block = onlyBlock(body);
        assertEquals(List.of("type", "id", "name", "input"), fieldNames(block));
        assertEquals("tool_use", block.get("type").textValue());
        assertTrue(block.get("id").textValue().matches("toolu_[0-9A-Za-z]{24}"), block.toString());
        assertEquals("get_weather", block.get("name").textValue());
        assertEquals(json("{\"location\":\"location\",\"unit\":\"celsius\",\"days\":3}"), block.get("input"));
        assertEquals("tool_use", body.get("stop_reason").textValue());
        assertTrue(body.get("stop_sequence").isNull());
        assertEquals(ceilQuarter(block.get("input").toString().length()),
                body.get("usage").get("output_tokens").intValue());
    }

    @Test
    void toolChoiceAnyAlsoCallsATool() throws Exception {
        ObjectNode request = withTools("Anything");
        request.putObject("tool_choice").put("type", "any");
        assertEquals("get_weather", onlyBlock(json(client.postMessages(request))).get("name").textValue());
    }

    @Test
    void toolChoiceNoneGetsText() throws Exception {
        ObjectNode request = withTools("No tools now");
        request.putObject("tool_choice").put("type", "none");
        JsonNode body = json(client.postMessages(request));
        assertEquals("text", onlyBlock(body).get("type").textValue());
        assertEquals("end_turn", body.get("stop_reason").textValue());
    }

    @Test
    void toolChoiceToolCallsTheToolItNamesWhateverTheHint() throws Exception {
        ObjectNode request = withTools("Please use tool get_weather");
        request.putObject("tool_choice").put("type", "tool").put("name", "Bash");
        JsonNode block = onlyBlock(json(client.postMessages(request)));
        assertEquals("Bash", block.get("name").textValue());
        assertEquals(json("{\"command\":\"command\"}"), block.get("input"));
    }

    @Test
    void aHintInTheLastUserTextNamesTheToolAndItsInput() throws Exception {
        ObjectNode request = withTools("Please use tool Bash with {\"command\": \"echo hello\", \"timeout\": 5000} now.");
        JsonNode block = onlyBlock(json(client.postMessages(request)));
        assertEquals("Bash", block.get("name").textValue());
        assertEquals(json("{\"command\":\"echo hello\",\"timeout\":5000}"), block.get("input"));
    }

    @Test
    void theLastHintWinsAndAHintNamingNoToolGivenIsIgnored() throws Exception {
        JsonNode last = onlyBlock(json(client.postMessages(withTools("use tool Bash, no: use tool get_weather"))));
        assertEquals("get_weather", last.get("name").textValue());

        JsonNode unknown = onlyBlock(json(client.postMessages(withTools("use tool Bash then use tool Teleport"))));
        assertEquals("Bash", unknown.get("name").textValue());
    }

    @Test
    void useNoToolGetsTextUnderAutoButNotUnderAny() throws Exception {
        JsonNode auto = onlyBlock(json(client.postMessages(withTools("Just talk: use no tool"))));
        assertEquals("text", auto.get("type").textValue());

        ObjectNode forced = withTools("Just talk: use no tool");
        forced.putObject("tool_choice").put("type", "any");
        assertEquals("tool_use", onlyBlock(json(client.postMessages(forced))).get("type").textValue());
    }

    @Test
    void theSameRequestCallsTheSameToolWithTheSameInputButANewId() throws Exception {
        JsonNode first = onlyBlock(json(client.postMessages(withTools("Same"))));
        JsonNode second = onlyBlock(json(client.postMessages(withTools("Same"))));
        assertEquals(first.get("name"), second.get("name"));
        assertEquals(first.get("input"), second.get("input"));
        assertNotEquals(first.get("id"), second.get("id"));
    }

    /** The request after {@code request} was answered with {@code toolUse}: the call, then its result. */
    private static ObjectNode withResult(ObjectNode request, JsonNode toolUse, String result, boolean isError) {
        ObjectNode next = request.deepCopy();
        ObjectNode assistant = next.withArray("messages").addObject();
        assistant.put("role", "assistant");
        assistant.putArray("content").add(toolUse);
        ObjectNode user = next.withArray("messages").addObject();
        user.put("role", "user");
        ObjectNode block = user.putArray("content").addObject();
        block.put("type", "tool_result");
        block.put("tool_use_id", toolUse.get("id").textValue());
        block.put("content", result);
        if (isError) {
            block.put("is_error", true);
        }
        return next;
    }

    @Test
    void aToolRoundTripEndsWithTextAboutTheResult() throws Exception {
        ObjectNode request = withTools("use tool Bash with {\"command\": \"echo hi\"}");
        JsonNode toolUse = onlyBlock(json(client.postMessages(request)));

        JsonNode answer = json(client.postMessages(withResult(request, toolUse, "hi there", false)));

        JsonNode block = onlyBlock(answer);
        assertEquals("text", block.get("type").textValue());
        assertEquals("This is the stub backend's reply to the tool result of " + toolUse.get("id").textValue()
                + ": 8 characters, \"hi there\".", block.get("text").textValue());
        assertEquals("end_turn", answer.get("stop_reason").textValue());
    }

    @Test
    void anErrorResultIsSaidToBeOne() throws Exception {
        ObjectNode request = withTools("Weather?");
        JsonNode toolUse = onlyBlock(json(client.postMessages(request)));
        String text = onlyBlock(json(client.postMessages(withResult(request, toolUse, "no such place", true))))
                .get("text").textValue();
        assertTrue(text.contains(toolUse.get("id").textValue() + ": an error, 13 characters"), text);
    }

    @Test
    void streamedToolUseHasTheEventsOfTheApi() throws Exception {
        ObjectNode request = withTools("Stream a tool call");
        request.put("stream", true);

        HttpResponse<String> response = client.postMessages(request);

        assertEquals(200, response.statusCode(), response::body);
        List<Event> events = events(response.body());
        List<String> names = names(events);
        int deltas = (int) names.stream().filter("content_block_delta"::equals).count();
        assertTrue(deltas >= 3, "the input comes in pieces: " + names);
        List<String> expected = new ArrayList<>(List.of("message_start", "ping", "content_block_start"));
        for (int i = 0; i < deltas; i++) {
            expected.add("content_block_delta");
        }
        expected.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
        assertEquals(expected, names);

        JsonNode start = events.get(2).data();
        assertEquals(0, start.get("index").intValue());
        JsonNode block = start.get("content_block");
        assertEquals(List.of("type", "id", "name", "input"), fieldNames(block));
        assertEquals("tool_use", block.get("type").textValue());
        assertTrue(block.get("id").textValue().startsWith("toolu_"));
        assertEquals("get_weather", block.get("name").textValue());
        assertEquals(MAPPER.createObjectNode(), block.get("input"), "the input starts empty");

        StringBuilder partialJson = new StringBuilder();
        for (Event event : events.subList(3, 3 + deltas)) {
            assertEquals(0, event.data().get("index").intValue());
            JsonNode delta = event.data().get("delta");
            assertEquals(List.of("type", "partial_json"), fieldNames(delta));
            assertEquals("input_json_delta", delta.get("type").textValue());
            partialJson.append(delta.get("partial_json").textValue());
        }
        assertEquals("", events.get(3).data().get("delta").get("partial_json").textValue(),
                "the API's first input delta is empty");
        JsonNode plain = onlyBlock(json(client.postMessages(withTools("Stream a tool call"))));
        assertEquals(plain.get("input"), json(partialJson.toString()), "the pieces join to the input");

        JsonNode messageDelta = events.get(events.size() - 2).data();
        assertEquals("tool_use", messageDelta.get("delta").get("stop_reason").textValue());
        assertTrue(messageDelta.get("delta").get("stop_sequence").isNull());
        assertEquals(ceilQuarter(partialJson.length()), messageDelta.get("usage").get("output_tokens").intValue());
    }

    @Test
    void aStreamedToolRoundTripEndsWithStreamedText() throws Exception {
        ObjectNode request = withTools("use tool Bash with {\"command\": \"ls\"}");
        request.put("stream", true);
        List<Event> first = events(client.postMessages(request).body());
        JsonNode started = first.get(2).data().get("content_block");
        StringBuilder input = new StringBuilder();
        first.stream().filter(e -> e.name().equals("content_block_delta"))
                .forEach(e -> input.append(e.data().get("delta").get("partial_json").textValue()));
        ObjectNode toolUse = started.deepCopy();
        toolUse.set("input", json(input.toString()));
        assertEquals(json("{\"command\":\"ls\"}"), toolUse.get("input"));

        List<Event> second = events(client.postMessages(withResult(request, toolUse, "a.txt b.txt", false)).body());

        assertEquals("text", second.get(2).data().get("content_block").get("type").textValue());
        assertTrue(StubClient.streamedText(second).contains(toolUse.get("id").textValue() + ": 11 characters"),
                () -> StubClient.streamedText(second));
        assertEquals("end_turn", second.get(second.size() - 2).data().get("delta").get("stop_reason").textValue());
    }

    private static int ceilQuarter(long chars) {
        return (int) Math.max(1, (chars + 3) / 4);
    }
}
