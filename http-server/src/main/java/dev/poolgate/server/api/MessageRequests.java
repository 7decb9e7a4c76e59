package dev.poolgate.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Checks a Messages API request body before any pooled client is taken for it: well-formed JSON
 * and the required fields with the right types. Fields it does not know are passed through.
 */
final class MessageRequests {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MessageRequests() {
    }

    /** {@code POST /v1/messages}: model, max_tokens and messages are required. */
    static void checkMessage(byte[] body) {
        JsonNode root = parse(body);
        checkModelAndMessages(root);
        JsonNode maxTokens = root.get("max_tokens");
        if (maxTokens == null || maxTokens.isNull()) {
            throw ApiError.invalidRequest("max_tokens: Field required; give the most tokens to generate, e.g. 1024");
        }
        if (!maxTokens.canConvertToInt() || !maxTokens.isIntegralNumber() || maxTokens.intValue() < 1) {
            throw ApiError.invalidRequest("max_tokens: must be a positive integer, but was " + maxTokens);
        }
        JsonNode stream = root.get("stream");
        if (stream != null && !stream.isBoolean() && !stream.isNull()) {
            throw ApiError.invalidRequest("stream: must be true or false, but was " + stream);
        }
    }

    /** {@code POST /v1/messages/count_tokens}: model and messages are required. */
    static void checkCountTokens(byte[] body) {
        checkModelAndMessages(parse(body));
    }

    /** Whether a checked message request asks for a stream. */
    static boolean streams(byte[] body) {
        try {
            JsonNode stream = JSON.readTree(body).get("stream");
            return stream != null && stream.asBoolean(false);
        } catch (IOException e) {
            return false;
        }
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw ApiError.invalidRequest("The request body is empty; send a JSON object");
        }
        try {
            JsonNode root = JSON.readTree(body);
            if (root == null || !root.isObject()) {
                throw ApiError.invalidRequest("The request body must be a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw ApiError.invalidRequest("The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiError.invalidRequest("The request body could not be read as JSON");
        }
    }

    private static void checkModelAndMessages(JsonNode root) {
        JsonNode model = root.get("model");
        if (model == null || model.isNull()) {
            throw ApiError.invalidRequest("model: Field required; name a model, e.g. claude-sonnet-4-5");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw ApiError.invalidRequest("model: must be a non-empty string, but was " + model);
        }
        JsonNode messages = root.get("messages");
        if (messages == null || messages.isNull()) {
            throw ApiError.invalidRequest("messages: Field required; send a list of {role, content} messages");
        }
        if (!messages.isArray()) {
            throw ApiError.invalidRequest("messages: must be a list of messages, but was " + messages.getNodeType());
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            if (!message.isObject()) {
                throw ApiError.invalidRequest("messages." + i + ": must be an object with role and content");
            }
            String role = message.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw ApiError.invalidRequest("messages." + i + ".role: must be \"user\" or \"assistant\", but was "
                        + message.get("role"));
            }
            JsonNode content = message.get("content");
            if (content == null || !(content.isTextual() || content.isArray())) {
                throw ApiError.invalidRequest("messages." + i + ".content: must be a string or a list of content "
                        + "blocks");
            }
        }
    }
}
