package dev.poolgate.stub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.poolgate.httpkit.RequestReadDeadlines;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * One request and its response, over an {@link HttpExchange}: reads the body within the size
 * limit, writes a JSON, error or event-stream response, or drops the connection. Every response
 * carries the exchange's {@code request-id} header; error bodies repeat it as {@code request_id}.
 *
 * <p>Used by one handler thread at a time, so it needs no guard.
 */
final class StubExchange {

    private final HttpExchange http;
    private final String requestId;
    private final RequestReadDeadlines readDeadlines;
    private boolean responded;

    StubExchange(HttpExchange http, String requestId, RequestReadDeadlines readDeadlines) {
        this.http = http;
        this.requestId = requestId;
        this.readDeadlines = readDeadlines;
        http.getResponseHeaders().set("request-id", requestId);
    }

    String requestId() {
        return requestId;
    }

    String method() {
        return http.getRequestMethod();
    }

    String path() {
        return http.getRequestURI().getPath();
    }

    /** The raw query string, or {@code null}. */
    String rawQuery() {
        return http.getRequestURI().getRawQuery();
    }

    /** The first value of a request header, or {@code null}. */
    String header(String name) {
        return http.getRequestHeaders().getFirst(name);
    }

    /** Whether a response (or its headers) has been sent. */
    boolean responded() {
        return responded;
    }

    /**
     * The whole request body; reading it to its end ends the request's read deadline.
     *
     * <p>The body stream is closed only once read to its end: closing it earlier makes the JDK read
     * and discard what is left (up to {@code sun.net.httpserver.drainAmount}), which must happen
     * after the error response went out, not before it.
     *
     * @throws ApiException 413 {@code request_too_large} when it is longer than {@code limit}; 400
     *         {@code invalid_request_error} when it breaks off (malformed chunked encoding, or the
     *         client closed its side before content-length bytes)
     * @throws IOException when the connection was closed under it (the read deadline passed)
     */
    byte[] readBody(int limit) throws IOException {
        long declared = declaredLength();
        if (declared > limit) {
            throw ApiException.tooLarge(declared, limit);
        }
        InputStream in = http.getRequestBody();
        byte[] body;
        try {
            body = in.readNBytes(limit + 1);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e; // cut off by the read deadline: the connection is closed
            }
            throw ApiException.invalidRequest("The request body could not be read in full (malformed chunked"
                    + " encoding, or the connection ended before content-length bytes); send the whole body");
        }
        if (body.length > limit) {
            throw ApiException.tooLarge(-1, limit);
        }
        in.close();
        readDeadlines.requestRead();
        return body;
    }

    /** The {@code content-length} of the request, or -1 when it has none (a chunked body). */
    private long declaredLength() {
        String value = header("content-length");
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            // The HTTP server rejects a malformed content-length before any handler runs.
            throw new IllegalStateException("content-length " + value + " passed the HTTP server's check", e);
        }
    }

    void sendJson(int status, JsonNode body) throws IOException {
        send(status, body, Map.of());
    }

    void sendError(ApiException error) throws IOException {
        ObjectNode body = errorJson(error.errorType(), error.getMessage(), requestId);
        send(error.status(), body, error.headers());
    }

    /** The Anthropic error body: {@code {"type":"error","error":{"type":...,"message":...},"request_id":...}}. */
    static ObjectNode errorJson(String errorType, String message, String requestId) {
        ObjectNode body = Json.object();
        body.put("type", "error");
        ObjectNode error = body.putObject("error");
        error.put("type", errorType);
        error.put("message", message);
        body.put("request_id", requestId);
        return body;
    }

    private void send(int status, JsonNode body, Map<String, String> headers) throws IOException {
        byte[] bytes = Json.bytes(body);
        headers.forEach(http.getResponseHeaders()::set);
        http.getResponseHeaders().set("content-type", "application/json");
        responded = true;
        if (method().equals("HEAD")) {
            // A response to HEAD has no body: the JDK writes none, and warns when given a length.
            http.sendResponseHeaders(status, -1);
            return;
        }
        http.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Sends a body that is not JSON: batch results, file contents. */
    void sendBytes(int status, String contentType, byte[] body) throws IOException {
        http.getResponseHeaders().set("content-type", contentType);
        responded = true;
        if (method().equals("HEAD")) {
            http.sendResponseHeaders(status, -1);
            return;
        }
        http.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(body);
        }
    }

    /** Sends 200 with {@code content-type: text/event-stream} and returns the chunked body to write events to. */
    OutputStream startEventStream() throws IOException {
        http.getResponseHeaders().set("content-type", "text/event-stream; charset=utf-8");
        http.getResponseHeaders().set("cache-control", "no-cache");
        responded = true;
        http.sendResponseHeaders(200, 0);
        return http.getResponseBody();
    }

    /**
     * Closes the connection without any response. The HTTP server closes the underlying socket
     * when an exchange is closed before its response headers were sent.
     */
    void drop() {
        responded = true;
        http.close();
    }

    /** Ends the exchange: completes the response body, or closes the connection if none was sent. */
    void close() {
        http.close();
    }
}
