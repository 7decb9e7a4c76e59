package dev.poolgate.server.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The pooled resource: a client of the Claude API that owns its own upstream HTTP/1.1
 * connection. Leased to one request at a time, it keeps that one keep-alive connection warm, so a
 * reuse skips the TCP and TLS handshakes. It sends the configured upstream key, never a client's.
 */
public final class ClaudeClient implements AutoCloseable {

    /** Request headers passed upstream unchanged; anything else a client sends stays here. */
    public static final List<String> FORWARDED_REQUEST_HEADERS = List.of("anthropic-version", "anthropic-beta",
            "content-type", "accept");

    private final HttpClient http;
    private final URI base;
    private final String apiKey;
    private final Duration timeout;

    ClaudeClient(URI base, String apiKey, Duration connectTimeout, Duration timeout) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                // The client's internal tasks run on its selector thread instead of hopping to a
                // thread pool: none of them blocks (the body is read by the request's own virtual
                // thread from the InputStream), and each hop cost a context switch per request
                // (about +40% gateway throughput on 2 cores, bench/gateway/run.sh).
                .executor(Runnable::run)
                .build();
        this.base = base;
        this.apiKey = apiKey;
        this.timeout = timeout;
    }

    /**
     * Sends one request upstream and returns as soon as the status and headers arrived; the body
     * is read from the returned stream as it comes.
     *
     * @param pathAndQuery e.g. {@code /v1/messages}
     * @param headers the client's headers; only {@link #FORWARDED_REQUEST_HEADERS} are sent
     * @param body the request body, or null for none
     */
    public UpstreamResponse send(String method, String pathAndQuery, Map<String, List<String>> headers,
            byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(pathAndQuery))
                .timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((name, values) -> {
            if (FORWARDED_REQUEST_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        if (apiKey != null) {
            request.header("x-api-key", apiKey);
        }
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        Map<String, List<String>> lowerCase = new java.util.LinkedHashMap<>();
        response.headers().map().forEach((name, values) ->
                lowerCase.put(name.toLowerCase(java.util.Locale.ROOT), List.copyOf(values)));
        return new UpstreamResponse(response.statusCode(), lowerCase, response.body());
    }

    /** One cheap request upstream: true on a 2xx answer. */
    boolean ping(String pathAndQuery) throws IOException, InterruptedException {
        UpstreamResponse response = send("GET", pathAndQuery,
                Map.of("anthropic-version", List.of(AnthropicHeaders.VERSION)), null);
        try (InputStream body = response.body()) {
            body.transferTo(OutputStreamSink.INSTANCE);
        }
        return response.status() / 100 == 2;
    }

    /** Closes the upstream connection. */
    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "ClaudeClient[" + base + "]";
    }
}
