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

    /** The answer to an API request once shutdown began (the router's gate, or a request cut short by it). */
    static ApiError shuttingDown() {
        return new ApiError(503, "overloaded_error", "The gateway is shutting down; retry on another instance "
                + "or after it restarted", Map.of("retry-after", "1"));
    }

    static ApiError invalidRequest(String message) {
        return new ApiError(400, "invalid_request_error", message);
    }

    /** At most this many characters of a value the client sent appear in a message. */
    static final int SHOWN_CHARS = 80;

    /**
     * A value the client sent (a path, a method, a header), as a message may show it: characters
     * that do not print (controls, format and separator characters, lone surrogates...) escaped as
     * a backslash, u and four hex digits, and cut after {@value #SHOWN_CHARS} characters with the full length noted, so
     * that no client can put raw control bytes or megabytes into an error body or a log line.
     */
    static String shown(String value) {
        return shown(value, SHOWN_CHARS);
    }

    /** {@link #shown(String)} cut after {@code max} characters. */
    static String shown(String value, int max) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), max) + 16);
        int i = 0;
        for (; i < value.length() && out.length() < max; i++) {
            char c = value.charAt(i);
            if (printable(c)) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        if (i < value.length()) {
            out.append("... (").append(value.length()).append(" characters)");
        }
        return out.toString();
    }

    private static boolean printable(char c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
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
