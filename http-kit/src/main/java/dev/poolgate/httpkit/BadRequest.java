package dev.poolgate.httpkit;

/**
 * A request the server cannot frame exactly, answered by the server itself with {@link #status}
 * and an Anthropic-style error body, after which the connection is closed.
 */
final class BadRequest extends Exception {

    final int status;
    final String type;

    BadRequest(int status, String type, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
    }

    static BadRequest invalid(String message) {
        return new BadRequest(400, "invalid_request_error", message);
    }
}
