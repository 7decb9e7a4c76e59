package dev.poolgate.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * An error answered in the Anthropic format:
 * {@code {"type":"error","error":{"type":...,"message":...},"request_id":"req_..."}}. Thrown by
 * endpoint code, written by {@link Router}.
 */
final class ApiError extends RuntimeException {

    private static final ObjectMapper JSON = new ObjectMapper();

    final int status;
    final String type;
    final Map<String, String> headers;

    ApiError(int status, String type, String message) {
        this(status, type, message, Map.of());
    }

    ApiError(int status, String type, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.headers = headers;
    }

    static ApiError invalidRequest(String message) {
        return new ApiError(400, "invalid_request_error", message);
    }

    /** The error body for a request id. */
    byte[] body(String requestId) {
        return body(type, getMessage(), requestId);
    }

    static byte[] body(String type, String message, String requestId) {
        ObjectNode root = JSON.createObjectNode();
        root.put("type", "error");
        ObjectNode error = root.putObject("error");
        error.put("type", type);
        error.put("message", message);
        root.put("request_id", requestId);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("an error body could not be written", e);
        }
    }
}
