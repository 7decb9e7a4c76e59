package dev.poolgate.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A client of the gateway's HTTP interface, as an SDK would call it. Every request has a timeout,
 * so a request that hangs fails its test instead of stalling the suite.
 */
final class Api implements AutoCloseable {

    /** Sent by clients; the gateway must never forward it (the stub accepts only the upstream key). */
    static final String CLIENT_KEY = "poolgate-it-client-key";
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    /** A complete answer. */
    record Reply(int status, HttpHeaders headers, String body, long millis) {
        JsonNode json() {
            return Json.parse(body);
        }

        /** The reply text of a message, or an assertion error naming what came instead. */
        String text() {
            JsonNode text = json().path("content").path(0).path("text");
            if (status != 200 || !text.isTextual()) {
                throw new AssertionError("Expected a message, got " + this);
            }
            return text.textValue();
        }

        @Override
        public String toString() {
            return "HTTP " + status + " after " + millis + " ms: " + body;
        }
    }

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    Api(URI base) {
        this.base = base;
    }

    /** The body of a {@code /v1/messages} request whose last user message is {@code text}. */
    static String messageBody(String text, boolean stream) {
        return "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + Json.quote(text) + "}]}";
    }

    /** The start of the stub's deterministic reply to {@code text} (up to 12 words). */
    static String replyPrefix(String text) {
        return "This is the stub backend's reply to \"" + text + "\"";
    }

    Reply message(String text) {
        return send(messageRequest(text, false).build());
    }

    HttpRequest.Builder messageRequest(String text, boolean stream) {
        return HttpRequest.newBuilder(base.resolve("/v1/messages"))
                .timeout(REQUEST_TIMEOUT)
                .header("x-api-key", CLIENT_KEY)
                .header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(messageBody(text, stream)));
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT).GET().build());
    }

    PoolStats stats() {
        Reply reply = get("/pool/stats");
        if (reply.status() != 200) {
            throw new AssertionError("GET /pool/stats: " + reply);
        }
        return PoolStats.parse(reply.body());
    }

    /** Sends a streaming message request; the caller reads (and closes) the body as events arrive. */
    HttpResponse<InputStream> stream(String text) {
        try {
            return http.send(messageRequest(text, true).build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    Reply send(HttpRequest request) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers(), response.body(),
                    (System.nanoTime() - start) / 1_000_000);
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        http.shutdownNow();
    }
}
