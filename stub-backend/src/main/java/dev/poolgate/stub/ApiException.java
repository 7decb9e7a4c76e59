package dev.poolgate.stub;

import java.util.Map;

/**
 * An error response of the Anthropic API, thrown by a handler and written by {@link Router} as
 * {@code {"type":"error","error":{"type":...,"message":...},"request_id":...}} with its status and
 * extra headers ({@code allow}, {@code retry-after}, {@code x-should-retry}).
 *
 * <p>It is control flow, not a fault of the stub, so it carries no stack trace.
 */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String errorType;
    private final Map<String, String> headers;

    private ApiException(int status, String errorType, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.errorType = errorType;
        this.headers = Map.copyOf(headers);
    }

    static ApiException invalidRequest(String message) {
        return new ApiException(400, "invalid_request_error", message, Map.of());
    }

    static ApiException authentication(String message) {
        return new ApiException(401, "authentication_error", message, Map.of());
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not_found_error", message, Map.of());
    }

    static ApiException methodNotAllowed(String method, Route route) {
        return new ApiException(405, "invalid_request_error",
                "Method " + shown(method) + " is not allowed on " + route.template() + "; use " + route.allowHeader(),
                Map.of("allow", route.allowHeader()));
    }

    static ApiException tooLarge(long size, int limit) {
        String actual = size >= 0 ? size + " bytes" : "more than " + limit + " bytes";
        return new ApiException(413, "request_too_large",
                "Request body is too large: " + actual + ", the limit is " + limit
                        + " bytes; send a smaller request or start the stub with a larger --max-body-bytes",
                // The rest of the body is not read: the connection cannot carry another request after it.
                Map.of("connection", "close"));
    }

    /** The error a failure fault injects: 429 {@code rate_limit_error}, 500 {@code api_error} or 529 {@code overloaded_error}. */
    static ApiException injected(int status, int retryAfterSeconds) {
        String turnOff = "; this failure was injected by the stub backend's failure fault"
                + " (turn it off with POST /admin/faults/reset)";
        return switch (status) {
            case 429 -> new ApiException(429, "rate_limit_error",
                    "Number of requests has exceeded your rate limit; retry after " + retryAfterSeconds + "s" + turnOff,
                    Map.of("retry-after", Integer.toString(retryAfterSeconds), "x-should-retry", "true"));
            case 500 -> new ApiException(500, "api_error",
                    "Internal server error; retry later" + turnOff, Map.of("x-should-retry", "true"));
            case 529 -> new ApiException(529, "overloaded_error",
                    "Overloaded; retry after " + retryAfterSeconds + "s" + turnOff,
                    Map.of("retry-after", Integer.toString(retryAfterSeconds), "x-should-retry", "true"));
            default -> throw new IllegalArgumentException("no injected error for status " + status
                    + "; the failure status must be one of " + FaultSettings.FAILURE_STATUSES);
        };
    }

    static ApiException healthFailing() {
        return new ApiException(503, "overloaded_error",
                "Health check failing: the stub backend's health fault is on"
                        + " (turn it off with POST /admin/faults {\"health_failing\": false})",
                Map.of());
    }

    /** At most this many characters of a value the client sent appear in a message. */
    static final int SHOWN_CHARS = 80;

    /**
     * A value the client sent (a path, a method, a header, a query parameter), as a message may
     * show it: characters that do not print (controls, format and separator characters, lone
     * surrogates...) escaped as a backslash, u and four hex digits, and cut after
     * {@value #SHOWN_CHARS} characters with the full length noted, so that no client can put raw
     * control bytes or megabytes into an error body or a log line.
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
            switch (Character.getType(c)) {
                case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                        Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR ->
                        out.append(String.format("\\u%04x", (int) c));
                default -> out.append(c);
            }
        }
        if (i < value.length()) {
            out.append("... (").append(value.length()).append(" characters)");
        }
        return out.toString();
    }

    static ApiException internal() {
        return new ApiException(500, "api_error", "Internal server error in the stub backend; see its log", Map.of());
    }

    int status() {
        return status;
    }

    String errorType() {
        return errorType;
    }

    Map<String, String> headers() {
        return headers;
    }
}
