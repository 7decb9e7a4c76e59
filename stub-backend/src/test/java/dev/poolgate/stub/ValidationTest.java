package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.assertError;
import static dev.poolgate.stub.StubClient.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request checks of the real API and their error responses: 400 {@code invalid_request_error}
 * naming the field and the fix, 401 {@code authentication_error}.
 */
@Timeout(30)
class ValidationTest extends RunningStubTest {

    private static final String MESSAGES = "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]";

    static Stream<Arguments> invalidBodies() {
        return Stream.of(
                Arguments.of("malformed JSON", "{\"model\": \"m\",", "The request body is not valid JSON (line 1"),
                Arguments.of("trailing garbage", "{} {}", "is not valid JSON"),
                Arguments.of("empty body", "", "The request body is empty; send a JSON object such as"),
                Arguments.of("an array", "[1, 2]", "The request body must be a JSON object, but was an array"),
                Arguments.of("missing model", "{\"max_tokens\": 10, " + MESSAGES + "}", "model: field required"),
                Arguments.of("model a number", "{\"model\": 5, \"max_tokens\": 10, " + MESSAGES + "}",
                        "model: must be a model name such as \"claude-sonnet-4-5\", but was a number (5)"),
                Arguments.of("model blank", "{\"model\": \" \", \"max_tokens\": 10, " + MESSAGES + "}",
                        "model: must be a model name"),
                Arguments.of("missing max_tokens", "{\"model\": \"m\", " + MESSAGES + "}",
                        "max_tokens: field required; give the most tokens"),
                Arguments.of("max_tokens a string", "{\"model\": \"m\", \"max_tokens\": \"10\", " + MESSAGES + "}",
                        "max_tokens: must be a positive integer such as 1024, but was the string \"10\""),
                Arguments.of("max_tokens zero", "{\"model\": \"m\", \"max_tokens\": 0, " + MESSAGES + "}",
                        "max_tokens: must be a positive integer"),
                Arguments.of("max_tokens a fraction", "{\"model\": \"m\", \"max_tokens\": 1.5, " + MESSAGES + "}",
                        "max_tokens: must be a positive integer"),
                Arguments.of("missing messages", "{\"model\": \"m\", \"max_tokens\": 10}", "messages: field required"),
                Arguments.of("messages empty", "{\"model\": \"m\", \"max_tokens\": 10, \"messages\": []}",
                        "messages: must be a non-empty array of messages"),
                Arguments.of("messages an object", "{\"model\": \"m\", \"max_tokens\": 10, \"messages\": {}}",
                        "but was an object"),
                Arguments.of("message not an object", "{\"model\": \"m\", \"max_tokens\": 10, \"messages\": [\"Hi\"]}",
                        "messages.0: must be an object"),
                Arguments.of("role missing", "{\"model\": \"m\", \"max_tokens\": 10, \"messages\": [{\"content\": \"Hi\"}]}",
                        "messages.0.role: field required"),
                Arguments.of("role a number", "{\"model\": \"m\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\","
                        + " \"content\": \"Hi\"}, {\"role\": 3, \"content\": \"Hi\"}]}",
                        "messages.1.role: must be a string such as \"user\" or \"assistant\", but was a number (3)"),
                Arguments.of("tool_choice tool without a name", "{\"model\": \"m\", \"max_tokens\": 10, \"tools\": [{\"name\":"
                        + " \"t\", \"input_schema\": {}}], \"tool_choice\": {\"type\": \"tool\"}, " + MESSAGES + "}",
                        "tool_choice.name: field required"),
                Arguments.of("tool_choice naming no tool given", "{\"model\": \"m\", \"max_tokens\": 10, \"tools\": [{\"name\":"
                        + " \"t\", \"input_schema\": {}}], \"tool_choice\": {\"type\": \"tool\", \"name\": \"u\"}, "
                        + MESSAGES + "}", "tool_choice.name: \"u\" is not the name of any tool in tools"),
                Arguments.of("content missing", "{\"model\": \"m\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\"}]}",
                        "messages.0.content: field required"),
                Arguments.of("content a number", "{\"model\": \"m\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\","
                        + " \"content\": 7}]}", "messages.0.content: must be a string or an array of content blocks"),
                Arguments.of("block without type", "{\"model\": \"m\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\","
                        + " \"content\": [{\"text\": \"Hi\"}]}]}", "messages.0.content.0.type: field required"),
                Arguments.of("text block without text", "{\"model\": \"m\", \"max_tokens\": 10, \"messages\": [{\"role\":"
                        + " \"user\", \"content\": [{\"type\": \"text\"}]}]}", "messages.0.content.0.text: field required"),
                Arguments.of("text a number", "{\"model\": \"m\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\","
                        + " \"content\": [{\"type\": \"text\", \"text\": 1}]}]}", "messages.0.content.0.text: must be a string"),
                Arguments.of("system a number", "{\"model\": \"m\", \"max_tokens\": 10, \"system\": 1, " + MESSAGES + "}",
                        "system: must be a string or an array of text blocks"),
                Arguments.of("stream a string", "{\"model\": \"m\", \"max_tokens\": 10, \"stream\": \"yes\", " + MESSAGES + "}",
                        "stream: must be true or false"),
                Arguments.of("temperature 2", "{\"model\": \"m\", \"max_tokens\": 10, \"temperature\": 2, " + MESSAGES + "}",
                        "temperature: must be a number from 0 to 1, but was a number (2)"),
                Arguments.of("top_p a string", "{\"model\": \"m\", \"max_tokens\": 10, \"top_p\": \"x\", " + MESSAGES + "}",
                        "top_p: must be a number from 0 to 1"),
                Arguments.of("top_k negative", "{\"model\": \"m\", \"max_tokens\": 10, \"top_k\": -1, " + MESSAGES + "}",
                        "top_k: must be a non-negative integer"),
                Arguments.of("stop_sequences a string", "{\"model\": \"m\", \"max_tokens\": 10, \"stop_sequences\": \"x\", "
                        + MESSAGES + "}", "stop_sequences: must be an array of strings"),
                Arguments.of("stop sequence empty", "{\"model\": \"m\", \"max_tokens\": 10, \"stop_sequences\": [\"\"], "
                        + MESSAGES + "}", "stop_sequences.0: must be a non-empty string"),
                Arguments.of("tools an object", "{\"model\": \"m\", \"max_tokens\": 10, \"tools\": {}, " + MESSAGES + "}",
                        "tools: must be an array of tool definitions"),
                Arguments.of("tool_choice a string", "{\"model\": \"m\", \"max_tokens\": 10, \"tool_choice\": \"auto\", "
                        + MESSAGES + "}", "tool_choice: must be an object"),
                Arguments.of("metadata an array", "{\"model\": \"m\", \"max_tokens\": 10, \"metadata\": [], " + MESSAGES + "}",
                        "metadata: must be an object"),
                Arguments.of("thinking a boolean", "{\"model\": \"m\", \"max_tokens\": 10, \"thinking\": true, " + MESSAGES + "}",
                        "thinking: must be an object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidBodies")
    void invalidBodyIs400NamingTheFieldAndTheFix(String what, String body, String expectedMessage) throws Exception {
        assertError(client.postMessages(body), 400, "invalid_request_error", expectedMessage);
    }

    @Test
    void missingApiKeyIs401() throws Exception {
        HttpResponse<String> response = client.send(client.request("/v1/messages")
                .header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(message("Hi", 10).toString())));
        assertError(response, 401, "authentication_error", "x-api-key header is required");
    }

    @Test
    void missingApiKeyIs401OnEveryApiPath() throws Exception {
        for (String path : new String[] {"/v1/models", "/v1/models/claude-sonnet-4-5-20250929"}) {
            HttpResponse<String> response = client.send(client.request(path)
                    .header("anthropic-version", "2023-06-01").GET());
            assertError(response, 401, "authentication_error", "x-api-key");
        }
    }

    @Test
    void unknownApiKeyIs401WhenKeysAreConfigured() throws Exception {
        try (StubBackend keyed = StubBackend.start(StubConfig.builder().apiKey("sk-good").build());
                StubClient keyedClient = new StubClient(keyed)) {
            HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofString(message("Hi", 10).toString());

            HttpResponse<String> unknown = keyedClient.send(keyedClient.api("/v1/messages").POST(body));
            assertError(unknown, 401, "authentication_error", "invalid x-api-key");

            HttpResponse<String> known = keyedClient.send(keyedClient.api("/v1/messages")
                    .setHeader("x-api-key", "sk-good").POST(body));
            assertEquals(200, known.statusCode(), known::body);
        }
    }

    @Test
    void missingAnthropicVersionIs400NamingTheHeader() throws Exception {
        HttpResponse<String> response = client.send(client.request("/v1/messages")
                .header("x-api-key", StubClient.KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(message("Hi", 10).toString())));
        assertError(response, 400, "invalid_request_error",
                "anthropic-version: header is required; send the header anthropic-version: 2023-06-01");
    }

    @Test
    void unknownAnthropicVersionIs400() throws Exception {
        HttpResponse<String> response = client.send(client.api("/v1/messages")
                .setHeader("anthropic-version", "2021-01-01")
                .POST(HttpRequest.BodyPublishers.ofString(message("Hi", 10).toString())));
        assertError(response, 400, "invalid_request_error", "\"2021-01-01\" is not a supported version");
    }

    @Test
    void newerAnthropicVersionsAreAcceptedAsTheSdksSendThem() throws Exception {
        for (String version : List.of("2023-01-01", "2026-10-21")) {
            HttpResponse<String> response = client.send(client.api("/v1/messages")
                    .setHeader("anthropic-version", version)
                    .POST(HttpRequest.BodyPublishers.ofString(message("Hi", 10).toString())));
            assertEquals(200, response.statusCode(), () -> version + ": " + response.body());
        }
        HttpResponse<String> malformed = client.send(client.api("/v1/messages")
                .setHeader("anthropic-version", "latest")
                .POST(HttpRequest.BodyPublishers.ofString(message("Hi", 10).toString())));
        assertError(malformed, 400, "invalid_request_error", "\"latest\" is not a supported version");
    }

    @Test
    void contentTypeOtherThanJsonIs400() throws Exception {
        HttpResponse<String> wrong = client.send(client.api("/v1/messages")
                .setHeader("content-type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(message("Hi", 10).toString())));
        assertError(wrong, 400, "invalid_request_error", "content-type: must be application/json, but was \"text/plain\"");

        HttpResponse<String> missing = client.send(client.request("/v1/messages")
                .header("x-api-key", StubClient.KEY)
                .header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(message("Hi", 10).toString())));
        assertError(missing, 400, "invalid_request_error", "content-type: must be application/json, but was missing");
    }

    @Test
    void countTokensChecksLikeMessagesExceptMaxTokens() throws Exception {
        HttpResponse<String> noMessages = client.send(client.api("/v1/messages/count_tokens")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"m\"}")));
        assertError(noMessages, 400, "invalid_request_error", "messages: field required");

        HttpResponse<String> noModel = client.send(client.api("/v1/messages/count_tokens")
                .POST(HttpRequest.BodyPublishers.ofString("{" + MESSAGES + "}")));
        assertError(noModel, 400, "invalid_request_error", "model: field required");

        HttpResponse<String> noMaxTokens = client.send(client.api("/v1/messages/count_tokens")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"m\", " + MESSAGES + "}")));
        assertEquals(200, noMaxTokens.statusCode(), noMaxTokens::body);
    }

    @Test
    void keyIsCheckedBeforeTheBody() throws Exception {
        HttpResponse<String> response = client.send(client.request("/v1/messages")
                .header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString("not even JSON")));
        String message = assertError(response, 401, "authentication_error", "x-api-key");
        assertTrue(!message.contains("JSON"));
    }
}
