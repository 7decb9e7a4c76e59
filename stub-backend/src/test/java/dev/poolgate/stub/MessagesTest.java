package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.fieldNames;
import static dev.poolgate.stub.StubClient.json;
import static dev.poolgate.stub.StubClient.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code POST /v1/messages} without streaming, and {@code POST /v1/messages/count_tokens}. */
@Timeout(30)
class MessagesTest extends RunningStubTest {

    @Test
    void replyHasTheMessageShapeOfTheApi() throws Exception {
        String userText = "Hello there, how are you today?";
        HttpResponse<String> response = client.postMessages(message(userText, 1024));

        assertEquals(200, response.statusCode(), response::body);
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        JsonNode body = json(response);
        assertEquals(List.of("id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"),
                fieldNames(body));
        assertTrue(body.get("id").textValue().matches("msg_[0-9A-Za-z]{24}"), body.get("id").textValue());
        assertEquals("message", body.get("type").textValue());
        assertEquals("assistant", body.get("role").textValue());
        assertEquals("claude-test", body.get("model").textValue());
        assertEquals(1, body.get("content").size());
        JsonNode block = body.get("content").get(0);
        assertEquals(List.of("type", "text"), fieldNames(block));
        assertEquals("text", block.get("type").textValue());
        String text = block.get("text").textValue();
        assertEquals(Reply.fullText(userText), text);
        assertEquals("end_turn", body.get("stop_reason").textValue());
        assertTrue(body.get("stop_sequence").isNull());
        JsonNode usage = body.get("usage");
        assertEquals(List.of("input_tokens", "output_tokens"), fieldNames(usage));
        assertEquals(ceilQuarter(userText.length()), usage.get("input_tokens").intValue());
        assertEquals(ceilQuarter(text.length()), usage.get("output_tokens").intValue());
    }

    @Test
    void replyQuotesTheLastUserMessageInSeveralWords() throws Exception {
        ObjectNode body = message("the first question", 1024);
        ObjectNode answer = body.withArray("messages").addObject();
        answer.put("role", "assistant");
        answer.put("content", "an earlier answer");
        ObjectNode last = body.withArray("messages").addObject();
        last.put("role", "user");
        last.put("content", "the second question");

        String text = json(client.postMessages(body)).get("content").get(0).get("text").textValue();

        assertTrue(text.contains("\"the second question\""), text);
        assertTrue(text.split(" ").length >= 10, "several words, so that a stream has several deltas: " + text);
    }

    @Test
    void sameRequestGetsTheSameTextAndTokenCountsButANewId() throws Exception {
        ObjectNode request = message("Determinism, please.", 1024);
        JsonNode first = json(client.postMessages(request));
        JsonNode second = json(client.postMessages(request));

        assertEquals(first.get("content"), second.get("content"));
        assertEquals(first.get("usage"), second.get("usage"));
        assertEquals(first.get("stop_reason"), second.get("stop_reason"));
        assertNotEquals(first.get("id"), second.get("id"));
    }

    @Test
    void differentMessagesGetDifferentReplies() throws Exception {
        String one = json(client.postMessages(message("one", 1024))).get("content").get(0).get("text").textValue();
        String two = json(client.postMessages(message("two", 1024))).get("content").get(0).get("text").textValue();
        assertNotEquals(one, two);
    }

    @Test
    void messageAndRequestIdsAreUnique() throws Exception {
        Set<String> messageIds = new HashSet<>();
        Set<String> requestIds = new HashSet<>();
        for (int i = 0; i < 25; i++) {
            HttpResponse<String> response = client.postMessages(message("same text", 1024));
            messageIds.add(json(response).get("id").textValue());
            requestIds.add(response.headers().firstValue("request-id").orElseThrow());
        }
        assertEquals(25, messageIds.size());
        assertEquals(25, requestIds.size());
    }

    @Test
    void maxTokensTruncatesTheReplyAtFourCharactersPerToken() throws Exception {
        String full = Reply.fullText("Truncate me");
        JsonNode body = json(client.postMessages(message("Truncate me", 3)));

        String text = body.get("content").get(0).get("text").textValue();
        assertEquals(full.substring(0, 12), text);
        assertEquals("max_tokens", body.get("stop_reason").textValue());
        assertTrue(body.get("stop_sequence").isNull());
        assertEquals(3, body.get("usage").get("output_tokens").intValue());
    }

    @Test
    void aStopSequenceInTheReplyCutsItJustBefore() throws Exception {
        ObjectNode request = message("Stop early", 1024);
        request.putArray("stop_sequences").add("not in the reply").add("reply");

        JsonNode body = json(client.postMessages(request));

        assertEquals("This is the stub backend's ", body.get("content").get(0).get("text").textValue());
        assertEquals("stop_sequence", body.get("stop_reason").textValue());
        assertEquals("reply", body.get("stop_sequence").textValue());
        assertEquals(ceilQuarter("This is the stub backend's ".length()), body.get("usage").get("output_tokens").intValue());
    }

    @Test
    void theEarliestStopSequenceInTheReplyWins() throws Exception {
        ObjectNode request = message("Stop early", 1024);
        request.putArray("stop_sequences").add("backend").add("stub");

        JsonNode body = json(client.postMessages(request));

        assertEquals("This is the ", body.get("content").get(0).get("text").textValue());
        assertEquals("stub", body.get("stop_sequence").textValue());
    }

    @Test
    void aStopSequenceBeyondTheTokenBudgetLosesToMaxTokens() throws Exception {
        ObjectNode request = message("Stop late", 2);
        request.putArray("stop_sequences").add("reply");

        JsonNode body = json(client.postMessages(request));

        assertEquals("This is ", body.get("content").get(0).get("text").textValue());
        assertEquals("max_tokens", body.get("stop_reason").textValue());
        assertTrue(body.get("stop_sequence").isNull());
    }

    @Test
    void contentBlocksSystemAndToolsAreAcceptedAndCountedAsInput() throws Exception {
        ObjectNode request = StubClient.MAPPER.createObjectNode();
        request.put("model", "claude-test");
        request.put("max_tokens", 100);
        request.put("system", "Be brief.");
        ObjectNode message = request.putArray("messages").addObject();
        message.put("role", "user");
        ObjectNode first = message.putArray("content").addObject();
        first.put("type", "text");
        first.put("text", "Hello");
        ObjectNode second = message.withArray("content").addObject();
        second.put("type", "text");
        second.put("text", "world");
        ObjectNode tool = request.putArray("tools").addObject();
        tool.put("name", "get_weather");
        tool.putObject("input_schema").put("type", "object");
        // A text answer, whose tokens this test predicts; without it the stub would call the tool.
        request.putObject("tool_choice").put("type", "none");

        JsonNode body = json(client.postMessages(request));

        assertTrue(body.get("content").get(0).get("text").textValue().contains("\"Hello world\""),
                "text blocks are joined by a newline, shown as a space");
        long chars = "Be brief.".length() + "Hello".length() + "world".length() + request.get("tools").toString().length();
        assertEquals(ceilQuarter(chars), body.get("usage").get("input_tokens").intValue());
    }

    @Test
    void optionalAndUnknownFieldsAreAccepted() throws Exception {
        ObjectNode request = message("Everything at once", 100);
        request.put("temperature", 0.5);
        request.put("top_p", 0.9);
        request.put("top_k", 40);
        request.put("stream", false);
        request.putObject("metadata").put("user_id", "u-1");
        request.putObject("tool_choice").put("type", "auto");
        request.putObject("thinking").put("type", "disabled");
        request.putArray("tools");
        request.putNull("system");
        request.put("a_field_from_the_future", "kept quiet");

        HttpResponse<String> response = client.postMessages(request);

        assertEquals(200, response.statusCode(), response::body);
    }

    @Test
    void contentTypeWithACharsetIsAccepted() throws Exception {
        HttpResponse<String> response = client.send(client.api("/v1/messages")
                .setHeader("content-type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(message("charset", 100).toString())));
        assertEquals(200, response.statusCode(), response::body);
    }

    @Test
    void countTokensAnswersTheInputTokensOfTheSameRequest() throws Exception {
        ObjectNode request = message("Count these tokens, please, all of them.", 100);
        int inputTokens = json(client.postMessages(request)).get("usage").get("input_tokens").intValue();
        request.remove("max_tokens");

        HttpResponse<String> response = client.send(client.api("/v1/messages/count_tokens")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())));

        assertEquals(200, response.statusCode(), response::body);
        JsonNode body = json(response);
        assertEquals(List.of("input_tokens"), fieldNames(body));
        assertEquals(inputTokens, body.get("input_tokens").intValue());
    }

    @Test
    void anyNonBlankKeyIsAcceptedWhenNoKeysAreConfigured() throws Exception {
        HttpResponse<String> response = client.send(client.api("/v1/messages")
                .setHeader("x-api-key", "anything")
                .POST(HttpRequest.BodyPublishers.ofString(message("hi", 10).toString())));
        assertEquals(200, response.statusCode(), response::body);
    }

    private static int ceilQuarter(long chars) {
        return (int) Math.max(1, (chars + 3) / 4);
    }
}
