package dev.poolgate.server.api;

import com.sun.net.httpserver.Headers;
import dev.poolgate.pool.AcquireInterruptedException;
import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.ConnectionCreationException;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolClosedException;
import dev.poolgate.server.budget.UpstreamBudget;
import dev.poolgate.server.metrics.Metrics;
import dev.poolgate.server.upstream.AnthropicHeaders;
import dev.poolgate.server.upstream.ClaudeClient;
import dev.poolgate.server.upstream.UpstreamConnectException;
import dev.poolgate.server.upstream.UpstreamResponse;
import dev.poolgate.server.upstream.UpstreamTimeoutException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one request upstream over a pooled {@link ClaudeClient}. A request the gateway reads
 * (messages, count_tokens) is read whole and checked first; any other request's body (a file
 * upload, a batch) is copied upstream as it arrives, never held whole. Then a client is acquired,
 * the request sent, and the response passed back: a JSON answer once it has been read whole, so
 * that an upstream failing half-way through it is a clean 502 rather than a 200 with a cut-off
 * body; anything else (server-sent events, batch results as JSONL, a file's content) as it arrives,
 * where a failure half-way can only cut the answer short. The client is released
 * once upstream's last byte has been passed on, before the router ends the response, so that a
 * client's next request finds it back in the pool. It is destroyed instead when its connection is
 * in an unknown state: upstream failed or timed out, a stream carried an {@code event: error}, or
 * the client went away before a stream's end (its rest is unread; closing the connection is also
 * what stops upstream generating it).
 *
 * <p>With retries on ({@link RetryPolicy}), a connection that failed before any answer, or a 429
 * or 529, is sent again before anything reaches the client; the status line goes out only with the
 * final attempt's answer, so nothing is ever sent twice to the client. A request whose body was
 * streamed upstream is never sent twice: its body is gone.
 */
final class UpstreamEndpoint implements RouteTable.Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger("dev.poolgate.server.api");
    /**
     * The largest answer that is not a stream: a message is bounded by its {@code max_tokens} (a
     * few megabytes at most), so this only stops a misbehaving upstream from filling the heap.
     */
    private static final int MAX_BUFFERED_BODY_BYTES = 16 * 1024 * 1024;

    /** The most of a retried error answer that is read to keep its connection; a longer one closes it. */
    private static final int MAX_DRAINED_BYTES = 64 * 1024;

    /**
     * A path forwarded as it came: segments of unreserved and sub-delimiter characters, none of
     * them "." or "..", no percent-escape. A model id never needs more, and anything else could
     * mean another resource once upstream normalizes or decodes it.
     */
    private static final Pattern FORWARDABLE_PATH =
            Pattern.compile("(/(?!\\.\\.?(?:/|$))[A-Za-z0-9._~!$&'()*+,;=:@-]+)+");

    /**
     * What every forwarding endpoint shares: the pool, the metrics, the retry policy, the request
     * size limit, and the upstream budget (null when no limit is set).
     */
    record Forwarding(Pool<ClaudeClient> pool, Metrics metrics, RetryPolicy retries, long maxRequestBytes,
            UpstreamBudget budget) {
    }

    private final Pool<ClaudeClient> pool;
    private final Metrics metrics;
    private final RetryPolicy retries;
    private final String purpose;
    private final Function<byte[], MessageRequests.Described> check;
    private final long maxRequestBytes;
    /** The shared upstream budget, or null when no limit is set. */
    private final UpstreamBudget budget;
    /** Whether clients come from the pool (else each request has a connection of its own). */
    private final boolean pooled;

    /**
     * @param purpose what the [API] lines say the client is for, e.g. "message request"
     * @param check validates the body, which is then read whole first, throwing {@link ApiError},
     *        and returns its model and stream fields; null to pass the body (if any) through as it
     *        arrives
     */
    UpstreamEndpoint(Forwarding forwarding, String purpose, Function<byte[], MessageRequests.Described> check) {
        this.pool = forwarding.pool();
        this.metrics = forwarding.metrics();
        this.retries = forwarding.retries();
        this.maxRequestBytes = forwarding.maxRequestBytes();
        this.budget = forwarding.budget();
        this.purpose = purpose;
        this.check = check;
        this.pooled = pool.config().poolingEnabled();
    }

    /**
     * Reads and checks the request, then sends it upstream until an attempt is final: the retry
     * policy declines another, or the answer is one to pass on. Nothing goes to the client before
     * that, so a retry never follows a byte the client has seen. Each attempt gives its client back
     * before the backoff: a connection failure destroys it (the retry gets another), a retried
     * error answer is read to its end and its client released, so that no client sits idle while
     * leased.
     */
    @Override
    public void handle(Call call) throws IOException {
        String path = call.rawPath();
        if (!FORWARDABLE_PATH.matcher(path).matches()) {
            throw new ApiError(404, "not_found_error", "No endpoint "
                    + ApiError.shown(call.path()) + "; the gateway "
                    + "forwards plain paths only (letters, digits and -._~:@ in each part, no percent-escapes or dot "
                    + "segments); GET /v1/models lists the model ids");
        }
        checkForwardedHeaders(call.requestHeaders());
        byte[] body = null;
        Upload upload = null;
        if (check != null) {
            body = call.readBody(maxRequestBytes);
            call.requestRead();
            call.describe(check.apply(body));
        } else {
            upload = Upload.of(call, maxRequestBytes);
            if (upload == null) {
                call.requestRead();
            }
        }
        // A streamed body cannot be sent a second time.
        boolean replayable = upload == null;
        String query = call.rawQuery();
        String target = query == null ? path : path + "?" + query;
        UpstreamBudget.Admission admission = admit(call);
        try {
            forward(call, target, body, upload, replayable);
        } finally {
            if (admission != null) {
                long[] used = call.tokensUsed();
                admission.used(used[0], used[1]);
                admission.close();
            }
        }
    }

    /**
     * The budget's admission of this request (its per-minute budgets, then a permit shared by every
     * instance), or null when no limit is set; its refusal is answered in the Anthropic format.
     */
    private UpstreamBudget.Admission admit(Call call) {
        if (budget == null) {
            return null;
        }
        try {
            String named = call.clientRates.limited() ? call.client : null;
            UpstreamBudget.Admission admission = budget.admit(named, call.clientRates, pool.config().acquireTimeout());
            admission.headers().forEach(call.responseHeaders()::set);
            return admission;
        } catch (UpstreamBudget.Refused refused) {
            Map<String, String> headers = new HashMap<>(refused.headers);
            headers.put("retry-after", String.valueOf(refused.retryAfterSeconds));
            throw new ApiError(refused.status, refused.type, refused.getMessage(), headers);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.shuttingDown();
        }
    }

    /** Sends the request upstream, attempt after attempt, until one is final; see {@link #handle}. */
    private void forward(Call call, String target, byte[] body, Upload upload, boolean replayable) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Lease<ClaudeClient> lease;
            try {
                lease = acquire(call);
            } catch (ConnectionCreationException e) {
                // Pooling disabled: this attempt's own connection could not be made.
                if (replayable && connectFailure(e.getCause())
                        && retry(call, retries.afterConnectionFailure(attempt), attempt)) {
                    continue;
                }
                throw unreachable(e.getCause());
            }
            UpstreamResponse response;
            long sent = System.nanoTime();
            try {
                response = send(call, lease, target, body, upload);
                metrics.upstreamAnswered(System.nanoTime() - sent);
                if (upload != null) {
                    call.requestRead();
                }
            } catch (UpstreamConnectException e) {
                if (replayable && retry(call, retries.afterConnectionFailure(attempt), attempt)) {
                    continue;
                }
                throw new ApiError(502, "api_error", "The gateway could not connect upstream; retry later");
            } catch (UpstreamTimeoutException e) {
                throw new ApiError(504, "api_error", "Upstream did not answer in time; retry later, or raise "
                        + "--upstream-timeout");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiError.shuttingDown();
            } catch (IOException e) {
                if (upload != null && Thread.currentThread().isInterrupted()) {
                    throw e; // the upload was cut off by the read deadline: its connection is closed
                }
                LOG.warn("[API] The upstream connection failed before an answer ({}): {}", call.requestId,
                        e.toString());
                if (replayable && retry(call, retries.afterConnectionFailure(attempt), attempt)) {
                    continue;
                }
                throw new ApiError(502, "api_error", "The connection upstream failed; retry later");
            }
            RetryPolicy.Decision decision = replayable && response.status() >= 400
                    ? retries.afterAnswer(attempt, response.status(), response.headers())
                    : null;
            boolean reusable = false;
            try {
                reusable = decision != null && decision.retry() ? drain(response) : forward(call, response);
            } finally {
                if (reusable) {
                    release(lease);
                } else {
                    lease.invalidate();
                }
            }
            if (decision == null || !retry(call, decision, attempt)) {
                return;
            }
        }
    }

    /** Sends one attempt; its client is destroyed if that fails in any way, since its state is unknown. */
    private static UpstreamResponse send(Call call, Lease<ClaudeClient> lease, String target, byte[] body,
            Upload upload) throws IOException, InterruptedException {
        // HEAD goes upstream as GET: the answer's headers are the same, its body is dropped here.
        String method = call.head() ? "GET" : call.method();
        try {
            return upload == null
                    ? lease.connection().send(method, target, call.requestHeaders(), body)
                    : lease.connection().send(method, target, call.requestHeaders(), upload.body(),
                            upload.length());
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            lease.invalidate();
            throw e;
        }
    }

    /**
     * Carries out a decision to retry: counts it, says so, and waits its delay (the attempt's client
     * is already back). Returns whether to retry.
     */
    private boolean retry(Call call, RetryPolicy.Decision decision, int attempt) {
        if (!decision.retry()) {
            if (retries.retries() > 0) {
                LOG.debug("[API] Not retrying {} ({}): {}", purpose, call.requestId, decision.reason());
            }
            return false;
        }
        metrics.upstreamRetried();
        LOG.info("[API] Retrying {} upstream in {} ms (retry {} of {}, {}): {}", purpose, decision.delay().toMillis(),
                attempt, retries.retries(), call.requestId, decision.reason());
        try {
            retries.sleep(decision.delay());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.shuttingDown();
        }
        return true;
    }

    /** Reads a retried error answer to its end; true when that left its connection clean. */
    private static boolean drain(UpstreamResponse response) {
        try (InputStream in = response.body()) {
            return in.readNBytes(MAX_DRAINED_BYTES + 1).length <= MAX_DRAINED_BYTES;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean connectFailure(Throwable cause) {
        return cause instanceof UpstreamConnectException;
    }

    private void release(Lease<ClaudeClient> lease) {
        if (pooled) {
            LOG.info("[API] Releasing {} client connection {} back to pool", pool.config().connectionName(),
                    lease.id());
        }
        lease.close();
    }

    /**
     * Refuses a forwarded header whose value an HTTP request cannot carry (a control character), as
     * the client's error rather than a fault when the upstream request is built.
     */
    private static void checkForwardedHeaders(Headers headers) {
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!AnthropicHeaders.forwardedRequestHeader(name) && !name.equals("user-agent")) {
                continue;
            }
            for (String value : header.getValue()) {
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

    /**
     * Takes a client from the pool, or throws the error the client gets. A creation failure with
     * pooling disabled is left to the caller, who may retry it.
     */
    private Lease<ClaudeClient> acquire(Call call) {
        if (pooled) {
            LOG.info("[API] Acquiring {} client from pool for {}", pool.config().connectionName(), purpose);
        }
        long start = System.nanoTime();
        try {
            return pool.acquire();
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
            throw ApiError.shuttingDown();
        } finally {
            long waited = System.nanoTime() - start;
            metrics.acquireWaited(waited);
            call.acquireNanos = Math.max(call.acquireNanos, 0) + waited;
        }
    }

    /** 502 for a client that could not be created; the cause is logged, not sent (it may name hosts). */
    private static ApiError unreachable(Throwable cause) {
        LOG.warn("[API] No upstream client could be created: {}", String.valueOf(cause));
        return new ApiError(502, "api_error", "The gateway could not connect upstream; retry later");
    }

    /**
     * Passes the final answer on, leaving a stream's response body open for the router to end;
     * returns whether the client may be reused.
     */
    private boolean forward(Call call, UpstreamResponse response) throws IOException {
        String type = response.header("content-type").toLowerCase(Locale.ROOT);
        if (type.isEmpty() || type.startsWith("application/json") || "HEAD".equals(call.method())) {
            return copyWhole(call, response);
        }
        if (!type.startsWith("text/event-stream")) {
            return copyStreamed(call, response);
        }
        forwardHeaders(call, response);
        call.statusFromUpstream = true;
        call.start(response.status(), 0);
        UsageScanner usage = call.streamUsage();
        OutputStream out = call.responseBody();
        byte[] buffer = new byte[8 * 1024];
        try (InputStream in = response.body()) {
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    // Upstream failed after the status went out: say so in the stream's own format.
                    String message = e instanceof SocketTimeoutException
                            ? "Upstream sent nothing for longer than the gateway's --upstream-read-timeout "
                                    + "mid-stream; retry the request"
                            : "The upstream connection failed mid-stream; retry the request";
                    writeQuietly(out, ("event: error\ndata: " + new String(ApiError.body("api_error", message,
                            call.requestId), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8));
                    LOG.warn("[API] Upstream failed mid-stream ({}): {}", call.requestId, e.toString());
                    return false;
                }
                if (n < 0) {
                    break;
                }
                usage.scan(buffer, 0, n);
                // An IOException here means the client went away: the caller destroys the client.
                out.write(buffer, 0, n);
                if (in.available() == 0) {
                    out.flush(); // nothing more is here yet: what came goes out now
                }
                call.bytesOut += n;
            }
        }
        if (usage.errorEvent()) {
            LOG.warn("[API] Upstream ended the stream with an error event ({}); its connection is not reused",
                    call.requestId);
            return false;
        }
        return true;
    }

    /**
     * Reads a response that is not a stream whole before its status goes out, so that an upstream
     * failing in the middle of it is a clean 502 rather than a 200 with a cut-off body. Once the
     * body is read, the upstream connection is clean whatever the client does: true.
     */
    private boolean copyWhole(Call call, UpstreamResponse response) throws IOException {
        byte[] body;
        try (InputStream in = response.body()) {
            body = readWhole(in, response.bodyLengthLeft());
        } catch (IOException e) {
            LOG.warn("[API] Upstream failed in the middle of its answer ({}): {}", call.requestId, e.toString());
            if (e instanceof SocketTimeoutException || e instanceof UpstreamTimeoutException) {
                throw new ApiError(504, "api_error", "Upstream stopped sending its answer; retry later");
            }
            throw new ApiError(502, "api_error", "The connection upstream failed while it sent its answer; retry "
                    + "the request");
        }
        if (body.length > MAX_BUFFERED_BODY_BYTES) {
            LOG.warn("[API] Upstream's answer ({}) is larger than {} bytes; its connection is not reused",
                    call.requestId, MAX_BUFFERED_BODY_BYTES);
            throw new ApiError(502, "api_error", "Upstream's answer is larger than the gateway's limit of "
                    + MAX_BUFFERED_BODY_BYTES + " bytes for an answer that is not streamed; send \"stream\": true");
        }
        body = BatchResultsUrls.rewrite(call.path(),
                call.requestHeaders().getFirst("host"), body);
        forwardHeaders(call, response);
        call.statusFromUpstream = true;
        call.answerUsage(response.status(), body);
        try {
            call.start(response.status(), body.length == 0 || call.head() ? -1 : body.length);
            if (call.head()) {
                return true;
            }
            call.bytesOut += body.length;
            // Not flushed: the bytes that do not fill the server's buffer go out when the router
            // closes the exchange, after this client went back to the pool, so that a caller's
            // next request finds it there.
            call.responseBody().write(body);
        } catch (IOException e) {
            LOG.debug("[API] The client left before its answer was written ({}): {}", call.requestId, e.toString());
        }
        return true;
    }

    /**
     * An answer read whole: into an array of its length when upstream gave one within the limit
     * (a body that ends short fails in its framing), else up to one byte past the limit, which tells
     * the caller it is too large.
     */
    private static byte[] readWhole(InputStream in, long length) throws IOException {
        if (length < 0 || length > MAX_BUFFERED_BODY_BYTES) {
            return in.readNBytes(MAX_BUFFERED_BODY_BYTES + 1);
        }
        return Call.readExactly(in, (int) length);
    }

    /**
     * Passes an answer that is neither JSON nor events on as it arrives (a file's content, batch
     * results as JSONL), with upstream's length when it gave one; true when it was read to its end.
     * A failure half-way can only cut it short: its length or last chunk is then missing, which
     * tells the client.
     */
    private boolean copyStreamed(Call call, UpstreamResponse response) throws IOException {
        forwardHeaders(call, response);
        // Upstream's length when its framing used one (already checked by the connection), else chunked.
        String declared = response.headers().containsKey("transfer-encoding") ? "" : response.header("content-length");
        long length = declared.isEmpty() ? 0 : Long.parseLong(declared);
        call.statusFromUpstream = true;
        call.start(response.status(), length == 0 && !declared.isEmpty() ? -1 : length);
        OutputStream out = call.responseBody();
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = response.body()) {
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    LOG.warn("[API] Upstream failed in the middle of a streamed answer ({}): {}", call.requestId,
                            e.toString());
                    // Closed unfinished, the client's connection ends short of the declared length or last chunk.
                    throw e;
                }
                if (n < 0) {
                    return true;
                }
                out.write(buffer, 0, n);
                call.bytesOut += n;
                // What arrived goes on now: the client may be waiting for exactly these bytes.
                out.flush();
            }
        }
    }

    private static void forwardHeaders(Call call, UpstreamResponse response) {
        Set<String> hopByHop = AnthropicHeaders.namedInConnection(response.headers());
        response.headers().forEach((name, values) -> {
            if (AnthropicHeaders.forwardedResponseHeader(name) && !hopByHop.contains(name)) {
                call.responseHeaders().put(name, values);
            }
        });
    }

    private static void writeQuietly(OutputStream out, byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            LOG.debug("[API] Could not tell the client about the upstream failure: {}", e.toString());
        }
    }

    /**
     * A request body passed upstream as it arrives, within the body limit: a read failure is the
     * client's (400), a body over the limit a 413, both as {@link ApiError}s (unchecked) so that
     * they are not mistaken for upstream's failures.
     */
    private record Upload(InputStream body, long length) {

        /** The body of the call, or null when it has none (no content-length or a zero one, not chunked). */
        static Upload of(Call call, long limit) {
            Headers headers = call.requestHeaders();
            long length = call.declaredLength(limit);
            boolean chunked = headers.containsKey("transfer-encoding");
            if (!chunked && length <= 0) {
                return null;
            }
            InputStream client = call.requestBody();
            InputStream limited = new InputStream() {
                private long read;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] target, int offset, int count) throws IOException {
                    int n;
                    try {
                        n = client.read(target, offset, count);
                    } catch (IOException e) {
                        if (Thread.currentThread().isInterrupted()) {
                            throw e; // cut off by the read deadline: the connection is closed
                        }
                        throw ApiError.invalidRequest("The request body could not be read in full (malformed "
                                + "chunked encoding, or the connection ended before content-length bytes); send "
                                + "the whole body");
                    }
                    if (n > 0 && (read += n) > limit) {
                        throw Call.tooLarge(limit);
                    }
                    return n;
                }
            };
            return new Upload(limited, chunked ? -1 : length);
        }
    }
}
