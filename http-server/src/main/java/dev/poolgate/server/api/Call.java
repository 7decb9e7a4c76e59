package dev.poolgate.server.api;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.poolgate.httpkit.RequestReadDeadlines;
import dev.poolgate.server.budget.Rates;
import dev.poolgate.server.metrics.Metrics;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * One HTTP request in progress, and the only way to it: endpoints read the request and write the
 * answer through a call, never through the server's exchange. It holds the request id, the read
 * deadline the request is under ({@link #requestRead()} ends it), whether (and with which status)
 * the response has started, so that an error after the status line is not answered twice, and
 * what the access log and the metrics tell of the request.
 */
final class Call {

    private final HttpExchange exchange;
    final String requestId;
    final long startNanos = System.nanoTime();
    private int status;

    private final Metrics metrics;
    /** The server's read deadlines, or null where none applies (tests). */
    private final RequestReadDeadlines readDeadlines;
    /** The matched route's template for the metrics; "unmatched" until the router found one. */
    String route = "unmatched";
    /** The route the router found, or null before (and when there is none). */
    RouteTable.Route matched;
    // What the access log and the metrics tell of the request; written by the request's own thread.
    /** Who made the status: the gateway, unless upstream's answer is passed on. */
    boolean statusFromUpstream;
    /** The named client of the clients file, else the short digest of the client's key, or "-" (see ProxyKeys#client). */
    String client = "-";
    /** The named client's own per-minute budgets; none for others. */
    Rates clientRates = Rates.NONE;
    /** Whether {@link #client} is a name of the clients file (else a digest or "-"). */
    boolean namedClient;
    /** The model asked for, or null (only checked message and token-count requests name one). */
    String model;
    /** The request's "stream" field. */
    boolean stream;
    /** Tokens from upstream's usage, or -1 when it reported none. */
    long inputTokens = -1;
    long outputTokens = -1;
    /** Time spent waiting for pooled clients, over all attempts; -1 when none was acquired. */
    long acquireNanos = -1;
    /** When the status line went out, or 0; and when a stream's first token passed, or 0. */
    long firstByteAt;
    long firstTokenAt;
    long bytesIn;
    long bytesOut;
    /** Reads the tokens of a streamed answer as it passes, or null when none is streamed. */
    private UsageScanner streamUsage;

    Call(HttpExchange exchange, String requestId, Metrics metrics, RequestReadDeadlines readDeadlines) {
        this.exchange = exchange;
        this.requestId = requestId;
        this.metrics = metrics;
        this.readDeadlines = readDeadlines;
    }

    String method() {
        return exchange.getRequestMethod();
    }

    /** The decoded path, for messages. */
    String path() {
        return exchange.getRequestURI().getPath();
    }

    /** The path as sent, for forwarding. */
    String rawPath() {
        return exchange.getRequestURI().getRawPath();
    }

    /** The query as sent, or null. */
    String rawQuery() {
        return exchange.getRequestURI().getRawQuery();
    }

    Headers requestHeaders() {
        return exchange.getRequestHeaders();
    }

    Headers responseHeaders() {
        return exchange.getResponseHeaders();
    }

    InputStream requestBody() {
        return exchange.getRequestBody();
    }

    /** The response body stream, once {@link #start} sent the status. */
    OutputStream responseBody() {
        return exchange.getResponseBody();
    }

    /**
     * Ends the request's read deadline: the request arrived in full (or its upload was passed on),
     * so from here on it may take as long as its answer does.
     *
     * @throws IOException when the deadline passed first: the connection is being closed
     */
    void requestRead() throws IOException {
        if (readDeadlines != null) {
            readDeadlines.requestRead();
        }
    }

    /** Closes the exchange: the end of the response, or of the connection when it was not whole. */
    void close() {
        exchange.close();
    }

    /** The status sent, or 0 while none was. */
    int status() {
        return status;
    }

    /** Notes the model and stream fields of a checked request body. */
    void describe(MessageRequests.Described fields) {
        model = fields.model();
        stream = fields.stream();
    }

    /** The scanner of the streamed answer's usage, created on first use. */
    UsageScanner streamUsage() {
        if (streamUsage == null) {
            streamUsage = new UsageScanner();
        }
        return streamUsage;
    }

    /** Notes the tokens of a plain successful answer to a request that named a model. */
    void answerUsage(int status, byte[] body) {
        if (model != null && status >= 200 && status < 300) {
            long[] tokens = UsageScanner.readAnswer(body);
            inputTokens = tokens[0];
            outputTokens = tokens[1];
        }
    }

    /** Whether this is a HEAD request, answered like GET without a body. */
    boolean head() {
        return "HEAD".equals(exchange.getRequestMethod());
    }

    boolean responded() {
        return status != 0;
    }

    /**
     * Reads the whole request body, refusing one over {@code limit} bytes with 413 before more of
     * it is read than the limit. A body that breaks off (malformed chunked encoding, or a client
     * that closed its side early) is a 400; a connection closed under it (the read deadline) is an
     * {@link IOException}, since nothing can be answered on it.
     *
     * <p>The body stream is closed only once read to its end: closing it earlier makes the JDK read
     * and discard what is left (up to {@code sun.net.httpserver.drainAmount}), which must happen
     * after the error response went out, not before it.
     */
    byte[] readBody(long limit) throws IOException {
        long declared = declaredLength(limit);
        InputStream in = exchange.getRequestBody();
        byte[] body;
        try {
            body = declared >= 0 ? readExactly(in, (int) declared) : readToEnd(in, limit);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e; // cut off by the read deadline: the connection is closed
            }
            throw ApiError.invalidRequest("The request body could not be read in full (malformed chunked encoding, "
                    + "or the connection ended before content-length bytes); send the whole body");
        }
        in.close();
        bytesIn = body.length;
        return body;
    }

    /**
     * A body of a known length, read into an array of that size (a short one is an EOFException);
     * for a request here, and for upstream's answer in {@link UpstreamEndpoint}.
     */
    static byte[] readExactly(InputStream in, int length) throws IOException {
        byte[] body = new byte[length];
        if (in.readNBytes(body, 0, length) < length) {
            throw new EOFException("the body ended before its content-length");
        }
        return body;
    }

    /** A chunked body, refused with 413 as soon as it passes {@code limit} bytes. */
    private static byte[] readToEnd(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8 * 1024];
        for (int n; (n = in.read(buffer)) > 0; ) {
            if (body.size() + (long) n > limit) {
                throw tooLarge(limit);
            }
            body.write(buffer, 0, n);
        }
        return body.toByteArray();
    }

    /**
     * The request's content-length, or -1 without one; a length over {@code limit} is refused with
     * 413 before any of the body is read.
     */
    long declaredLength(long limit) {
        String declared = exchange.getRequestHeaders().getFirst("content-length");
        if (declared == null) {
            return -1;
        }
        long length;
        try {
            length = Long.parseLong(declared.strip());
        } catch (NumberFormatException e) {
            // The JDK's server refuses such a request before any handler runs; kept for other servers.
            throw ApiError.invalidRequest("content-length must be a number of bytes, but was '"
                    + ApiError.shown(declared) + "'");
        }
        if (length > limit) {
            throw tooLarge(limit);
        }
        return length;
    }

    static ApiError tooLarge(long limit) {
        // The rest of the body is not read: the connection cannot carry another request after it.
        return new ApiError(413, "request_too_large", "Request body exceeds the gateway's limit of " + limit
                + " bytes; send a smaller request (the limit is set by --max-request-bytes)",
                Map.of("connection", "close"));
    }

    /** Sends a complete JSON response. */
    void sendJson(int status, byte[] body) throws IOException {
        sendJson(status, body, Map.of());
    }

    void sendJson(int status, byte[] body, Map<String, String> headers) throws IOException {
        exchange.getResponseHeaders().set("content-type", "application/json");
        headers.forEach(exchange.getResponseHeaders()::set);
        send(status, body);
    }

    void send(int status, byte[] body) throws IOException {
        if (exchange.getResponseHeaders().getFirst("request-id") == null) {
            exchange.getResponseHeaders().set("request-id", requestId);
        }
        if (head()) {
            // A response to HEAD has no body: the JDK writes none, and warns when given a length.
            start(status, -1);
            exchange.getResponseBody().close();
            return;
        }
        start(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        bytesOut += body.length;
    }

    /** Sends the status line and headers; {@code length} 0 means chunked, -1 no body. */
    void start(int status, long length) throws IOException {
        this.status = status;
        firstByteAt = System.nanoTime();
        // Counted before the response leaves, so that a client that reads /metrics after its
        // response always finds its request there.
        metrics.requestAnswered(route, status, statusFromUpstream);
        exchange.sendResponseHeaders(status, length);
    }

    /** The input and output tokens upstream reported so far (a stream's as scanned); -1 where none. */
    long[] tokensUsed() {
        return streamUsage != null
                ? new long[] {streamUsage.inputTokens(), streamUsage.outputTokens()}
                : new long[] {inputTokens, outputTokens};
    }

    /**
     * Records the ended request in the metrics and the access log: its latency, a stream's time to
     * its first token, the tokens upstream reported, and a request that got no response at all.
     */
    void ended(AccessLog accessLog) {
        long end = System.nanoTime();
        if (streamUsage != null) {
            inputTokens = streamUsage.inputTokens();
            outputTokens = streamUsage.outputTokens();
            firstTokenAt = streamUsage.firstTokenAt();
        }
        if (!responded()) {
            metrics.requestAnswered(route, 0, false);
        }
        metrics.requestFinished(route, end - startNanos);
        if (firstTokenAt != 0) {
            metrics.firstToken(firstTokenAt - startNanos);
        }
        if (model != null && (inputTokens > 0 || outputTokens > 0)) {
            metrics.tokens(model, Math.max(inputTokens, 0), Math.max(outputTokens, 0));
        }
        if (namedClient) {
            metrics.client(client, status, inputTokens, outputTokens);
        }
        accessLog.write(this, end);
    }

    /** Answers an error in the Anthropic format, unless a response has started already. */
    void sendError(ApiError error) throws IOException {
        if (responded()) {
            return;
        }
        error.headers.forEach(exchange.getResponseHeaders()::set);
        sendJson(error.status, error.body(requestId));
    }
}
