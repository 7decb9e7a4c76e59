package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.events;
import static dev.poolgate.stub.StubClient.json;
import static dev.poolgate.stub.StubClient.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stub accepts what the real API accepts from real clients, Claude Code above all: a
 * {@code system}-role message in {@code messages}, adaptive thinking, {@code context_management},
 * {@code output_config}, {@code metadata}, unknown fields and block types, many tools, bodies of
 * tens of kilobytes, {@code ?beta=true} and any {@code anthropic-beta} values.
 */
@Timeout(30)
class RealClientRequestsTest extends RunningStubTest {

    /** A request shaped like Claude Code's: about 64 KB, 18 tools, a system-role message, streamed. */
    static ObjectNode claudeCodeShaped(String prompt) {
        ObjectNode request = StubClient.MAPPER.createObjectNode();
        request.put("model", "claude-sonnet-4-5-20250929");
        request.put("max_tokens", 32000);
        request.put("stream", true);
        ArrayNode system = request.putArray("system");
        system.addObject().put("type", "text").put("text", "You are Claude Code.")
                .putObject("cache_control").put("type", "ephemeral");
        ArrayNode messages = request.putArray("messages");
        ObjectNode user = messages.addObject();
        user.put("role", "user");
        ArrayNode content = user.putArray("content");
        content.addObject().put("type", "text").put("text", "<system-reminder>" + "context ".repeat(4000)
                + "</system-reminder>");
        content.addObject().put("type", "text").put("text", prompt).putObject("cache_control").put("type", "ephemeral");
        content.addObject().put("type", "a_block_type_from_the_future").put("data", 1);
        messages.addObject().put("role", "system").put("content", "A system-role message, as Claude Code sends.");
        ArrayNode tools = request.putArray("tools");
        for (int i = 0; i < 18; i++) {
            ObjectNode tool = tools.addObject();
            tool.put("name", i == 0 ? "Task" : "Tool" + i);
            tool.put("description", "A tool. ".repeat(200));
            ObjectNode schema = tool.putObject("input_schema");
            schema.put("$schema", "http://json-schema.org/draft-07/schema#");
            schema.put("type", "object");
            schema.putObject("properties").putObject("description").put("type", "string");
            schema.putArray("required").add("description");
            schema.put("additionalProperties", false);
        }
        request.putObject("thinking").put("type", "adaptive");
        request.putObject("context_management").putArray("edits").addObject().put("type", "clear_thinking_20251015")
                .put("keep", "all");
        request.putObject("output_config").put("effort", "high");
        request.putObject("metadata").put("user_id", "user_abc_account_def_session_123");
        request.put("temperature", 1);
        return request;
    }

    private HttpResponse<String> postBeta(String path, ObjectNode body) throws Exception {
        return client.send(client.api(path)
                .header("anthropic-beta", "claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,"
                        + "context-management-2025-06-27,fine-grained-tool-streaming-2025-05-14,a-beta-from-the-future")
                .header("x-app", "cli")
                .header("x-stainless-lang", "js")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    @Test
    void aClaudeCodeShapedStreamedRequestIsAnswered() throws Exception {
        ObjectNode request = claudeCodeShaped("Say hello. use no tool");
        assertTrue(request.toString().length() > 50_000, "a body of tens of kilobytes");

        HttpResponse<String> response = postBeta("/v1/messages?beta=true", request);

        assertEquals(200, response.statusCode(), response::body);
        List<StubClient.Event> events = events(response.body());
        assertEquals("message_stop", names(events).get(names(events).size() - 1));
        assertEquals("thinking", events.get(2).data().get("content_block").get("type").textValue());
        assertEquals(Reply.fullText("Say hello. use no tool"), StubClient.streamedText(events),
                "the answer quotes the prompt, not the system reminder before it");
    }

    @Test
    void aClaudeCodeShapedRequestWithoutAHintCallsTheFirstTool() throws Exception {
        ObjectNode request = claudeCodeShaped("List the files");
        request.put("stream", false);

        HttpResponse<String> response = postBeta("/v1/messages?beta=true", request);

        assertEquals(200, response.statusCode(), response::body);
        JsonNode content = json(response).get("content");
        assertEquals("thinking", content.get(0).get("type").textValue());
        assertEquals("Task", content.get(1).get("name").textValue());
        assertEquals(json("{\"description\":\"description\"}"), content.get(1).get("input"));
    }

    @Test
    void countTokensAcceptsTheSameRequest() throws Exception {
        ObjectNode request = claudeCodeShaped("Count me");
        request.remove("stream");
        request.remove("max_tokens");

        HttpResponse<String> response = postBeta("/v1/messages/count_tokens?beta=true", request);

        assertEquals(200, response.statusCode(), response::body);
        assertTrue(json(response).get("input_tokens").intValue() > 10_000, response::body);
    }

    @Test
    void aSystemRoleMessageIsCountedButIsNotTheUserText() throws Exception {
        ObjectNode request = StubClient.message("The user's words", 100);
        request.withArray("messages").addObject().put("role", "system").put("content", "System words");

        JsonNode body = json(client.postMessages(request));

        assertEquals(Reply.fullText("The user's words"), body.get("content").get(0).get("text").textValue());
        int chars = "The user's words".length() + "System words".length();
        assertEquals((chars + 3) / 4, body.get("usage").get("input_tokens").intValue());
    }
}
