package dev.poolgate.server.api;

import com.sun.net.httpserver.Headers;
import dev.poolgate.pool.AcquireInterruptedException;
import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.ConnectionCreationException;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolClosedException;
import dev.poolgate.server.metrics.Metrics;
import dev.poolgate.server.upstream.AnthropicHeaders;
import dev.poolgate.server.upstream.ClaudeClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one request upstream over a pooled {@link ClaudeClient}: the body is read and checked
 * first, then a client is acquired, the request sent, and the response passed back as it arrives
 * (a stream event by event). The client is released once upstream's last byte has been passed on,
 * before the router ends the response, so that a client's next request finds it back in the pool.
 * It is destroyed instead when upstream failed (also when a stream carried an {@code event: error})
 * or the client went away mid-response, since its connection is then in an unknown state.
 */
final class UpstreamEndpoint implements Router.Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger("dev.poolgate.server.api");
    /**
     * A path forwarded as it came: segments of unreserved and sub-delimiter characters, none of
     * them "." or "..", no percent-escape. A model id never needs more, and anything else could
     * mean another resource once upstream normalizes or decodes it.
     */
    private static final Pattern FORWARDABLE_PATH =
            Pattern.compile("(/(?!\\.\\.?(?:/|$))[A-Za-z0-9._~!$&'()*+,;=:@-]+)+");

    private final Pool<ClaudeClient> pool;
    private final Metrics metrics;
    private final String purpose;
    private final Consumer<byte[]> check;
    private final long maxRequestBytes;
    private final RequestReadDeadlines readDeadlines;

    /**
     * @param purpose what the [API] lines say the client is for, e.g. "message request"
     * @param check validates the body (POST), throwing {@link ApiError}; null for GET, whose body
     *        is read (within the limit) and dropped
     * @param readDeadlines ended once the body is read: a request that did not arrive in time never
     *        takes a pooled client
     */
    UpstreamEndpoint(Pool<ClaudeClient> pool, Metrics metrics, String purpose, Consumer<byte[]> check,
            long maxRequestBytes, RequestReadDeadlines readDeadlines) {
        this.pool = pool;
        this.metrics = metrics;
        this.purpose = purpose;
        this.check = check;
        this.maxRequestBytes = maxRequestBytes;
        this.readDeadlines = readDeadlines;
    }

    @Override
    public void handle(Call call) throws IOException {
        String path = call.exchange.getRequestURI().getRawPath();
        if (!FORWARDABLE_PATH.matcher(path).matches()) {
            throw new ApiError(404, "not_found_error", "No endpoint " + ApiError.shown(path) + "; the gateway "
                    + "forwards plain paths only (letters, digits and -._~:@ in each part, no percent-escapes or dot "
                    + "segments); GET /v1/models lists the model ids");
        }
        checkForwardedHeaders(call.exchange.getRequestHeaders());
        byte[] body = call.readBody(maxRequestBytes);
        readDeadlines.requestRead();
        if (check != null) {
            check.accept(body);
        } else {
            body = null;
        }
        Lease<ClaudeClient> lease = acquire();
        boolean reusable = false;
        try {
            reusable = forward(call, lease.connection(), body);
        } finally {
            if (reusable) {
                if (pool.config().poolingEnabled()) {
                    LOG.info("[API] Releasing {} client connection {} back to pool", pool.config().connectionName(),
                            lease.id());
                }
                lease.close();
            } else {
                lease.invalidate();
            }
        }
    }

    /**
     * Refuses a forwarded header whose value an HTTP request cannot carry (a control character), as
     * the client's error rather than a fault when the upstream request is built.
     */
    private static void checkForwardedHeaders(Headers headers) {
        for (String name : ClaudeClient.FORWARDED_REQUEST_HEADERS) {
            for (String value : headers.getOrDefault(name, List.of())) {
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                        throw ApiError.invalidRequest(name + ": the header value has a control character at "
                                + "position " + i + "; send printable characters only");
                    }
                }
            }
        }
    }

    private Lease<ClaudeClient> acquire() {
        boolean pooled = pool.config().poolingEnabled();
        if (pooled) {
            LOG.info("[API] Acquiring {} client from pool for {}", pool.config().connectionName(), purpose);
        }
        long start = System.nanoTime();
        try {
            return pool.acquire();
        } catch (ConnectionCreationException e) {
            throw unreachable(e.getCause());
        } catch (AcquireTimeoutException e) {
            if (e.getCause() != null && e.stats().totalConnections() < pool.config().maxSize()) {
                // The wait was for a client that could not be created: upstream, not the pool, is the problem.
                throw unreachable(e.getCause());
            }
            throw new ApiError(529, "overloaded_error", "No upstream connection became free within "
                    + e.timeout().toMillis() + " ms (total=" + e.stats().totalConnections() + ", in_use="
                    + e.stats().inUseConnections() + ", waiting=" + e.stats().waitingAcquirers() + "); retry after "
                    + "the retry-after seconds, or raise --pool-max-size", Map.of("retry-after", "1"));
        } catch (PoolClosedException | AcquireInterruptedException e) {
            throw new ApiError(503, "overloaded_error", "The gateway is shutting down; retry on another instance "
                    + "or after it restarted", Map.of("retry-after", "1"));
        } finally {
            metrics.acquireWaited(System.nanoTime() - start);
        }
    }

    /** 502 for a client that could not be created; the cause is logged, not sent (it may name hosts). */
    private static ApiError unreachable(Throwable cause) {
        LOG.warn("[API] No upstream client could be created: {}", String.valueOf(cause));
        return new ApiError(502, "api_error", "The gateway could not connect upstream; retry later");
    }

    /**
     * Sends the request and copies the response, leaving the response body open for the router to
     * end; returns whether the client may be reused.
     */
    private boolean forward(Call call, ClaudeClient client, byte[] body) throws IOException {
        HttpResponse<InputStream> response;
        try {
            String target = call.exchange.getRequestURI().getRawPath()
                    + (call.exchange.getRequestURI().getRawQuery() == null ? ""
                            : "?" + call.exchange.getRequestURI().getRawQuery());
            response = client.send(call.exchange.getRequestMethod(), target, call.exchange.getRequestHeaders(), body);
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new ApiError(502, "api_error", "The gateway could not connect upstream; retry later");
        } catch (HttpTimeoutException e) {
            throw new ApiError(504, "api_error", "Upstream did not answer in time; retry later, or raise "
                    + "--upstream-timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "overloaded_error", "The gateway is shutting down; retry later",
                    Map.of("retry-after", "1"));
        } catch (IOException e) {
            throw new ApiError(502, "api_error", "The connection upstream failed; retry later");
        }
        response.headers().map().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (AnthropicHeaders.forwardedResponseHeader(lower)) {
                call.exchange.getResponseHeaders().put(lower, List.copyOf(values));
            }
        });
        boolean stream = response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream");
        call.start(response.statusCode(), 0);
        OutputStream out = call.exchange.getResponseBody();
        ErrorEventScanner errorEvents = stream ? new ErrorEventScanner() : null;
        byte[] buffer = new byte[8 * 1024];
        try (InputStream in = response.body()) {
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    // Upstream failed after the status went out: say so in the stream's own format.
                    if (stream) {
                        writeQuietly(out, ("event: error\ndata: " + new String(ApiError.body("api_error",
                                "The upstream connection failed mid-stream; retry the request", call.requestId),
                                StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8));
                    }
                    LOG.warn("[API] Upstream failed mid-response ({}): {}", call.requestId, e.toString());
                    return false;
                }
                if (n < 0) {
                    break;
                }
                if (errorEvents != null) {
                    errorEvents.scan(buffer, 0, n);
                }
                // An IOException here means the client went away: the caller destroys the client.
                out.write(buffer, 0, n);
                out.flush();
            }
        }
        if (errorEvents != null && errorEvents.found()) {
            LOG.warn("[API] Upstream ended the stream with an error event ({}); its connection is not reused",
                    call.requestId);
            return false;
        }
        return true;
    }

    private static void writeQuietly(OutputStream out, byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            LOG.debug("[API] Could not tell the client about the upstream failure: {}", e.toString());
        }
    }
}
