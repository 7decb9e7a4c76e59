package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.assertError;
import static dev.poolgate.stub.StubClient.events;
import static dev.poolgate.stub.StubClient.fieldNames;
import static dev.poolgate.stub.StubClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.stub.StubClient.Event;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The legacy {@code POST /v1/complete}, plain and streamed in its own event format. */
@Timeout(30)
class CompleteTest extends RunningStubTest {

    private static final String PROMPT = "\\n\\nHuman: Tell me a story\\n\\nAssistant:";

    private HttpResponse<String> complete(String body) throws Exception {
        return client.send(client.api("/v1/complete").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void aCompletionAnswersTheLastHumanTurnAndStopsAtHuman() throws Exception {
        HttpResponse<String> response = complete("{\"model\": \"claude-2.1\", \"max_tokens_to_sample\": 256,"
                + " \"prompt\": \"" + PROMPT + "\"}");

        assertEquals(200, response.statusCode(), response::body);
        JsonNode body = json(response);
        assertEquals(List.of("type", "id", "completion", "stop_reason", "model", "stop", "log_id"), fieldNames(body));
        assertEquals("completion", body.get("type").textValue());
        assertTrue(body.get("id").textValue().startsWith("compl_"));
        assertEquals(Reply.fullText("Tell me a story"), body.get("completion").textValue());
        assertEquals("stop_sequence", body.get("stop_reason").textValue());
        assertEquals("\n\nHuman:", body.get("stop").textValue());
        assertEquals("claude-2.1", body.get("model").textValue());
    }

    @Test
    void maxTokensToSampleCutsTheCompletion() throws Exception {
        JsonNode body = json(complete("{\"model\": \"claude-2.1\", \"max_tokens_to_sample\": 2,"
                + " \"prompt\": \"" + PROMPT + "\"}"));
        assertEquals("This is ", body.get("completion").textValue());
        assertEquals("max_tokens", body.get("stop_reason").textValue());
        assertTrue(body.get("stop").isNull());
    }

    @Test
    void aStreamedCompletionIsCompletionEventsEndingWithTheStopReason() throws Exception {
        HttpResponse<String> response = complete("{\"model\": \"claude-2.1\", \"max_tokens_to_sample\": 256,"
                + " \"stream\": true, \"prompt\": \"" + PROMPT + "\"}");

        assertEquals(200, response.statusCode(), response::body);
        assertEquals("text/event-stream; charset=utf-8", response.headers().firstValue("content-type").orElseThrow());
        List<Event> events = events(response.body());
        StringBuilder text = new StringBuilder();
        for (Event event : events) {
            assertEquals(event.name(), event.data().get("type").textValue());
            if (event.name().equals("completion")) {
                text.append(event.data().get("completion").textValue());
            }
        }
        assertEquals("ping", events.get(1).name());
        assertEquals(Reply.fullText("Tell me a story"), text.toString());
        JsonNode last = events.get(events.size() - 1).data();
        assertEquals("", last.get("completion").textValue());
        assertEquals("stop_sequence", last.get("stop_reason").textValue());
        assertTrue(events.get(0).data().get("stop_reason").isNull());
    }

    @Test
    void missingFieldsAre400NamingThem() throws Exception {
        assertError(complete("{\"model\": \"claude-2.1\", \"prompt\": \"" + PROMPT + "\"}"), 400,
                "invalid_request_error", "max_tokens_to_sample: field required");
        assertError(complete("{\"model\": \"claude-2.1\", \"max_tokens_to_sample\": 5}"), 400,
                "invalid_request_error", "prompt: field required");
        assertError(complete("{\"max_tokens_to_sample\": 5, \"prompt\": \"x\"}"), 400,
                "invalid_request_error", "model: field required");
    }
}
