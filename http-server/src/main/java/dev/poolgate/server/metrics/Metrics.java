package dev.poolgate.server.metrics;

import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolStats;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The gateway's metrics in the Prometheus text format: the pool's gauges and counters (read from
 * one consistent {@link PoolStats} snapshot at scrape time), requests by route, status and origin
 * (who made the status: the gateway or upstream), latency histograms of the API routes by route,
 * streams' time to first token, upstream's time to answer, tokens by model, how long requests
 * waited for a pooled client, how often a request was sent upstream again, and the standard JVM
 * and process metrics of the official Prometheus client ({@link JvmSeries}).
 *
 * <p>The request path only increments lock-free adders; text is made at scrape time. Every label
 * set is bounded: routes are the router's templates, statuses the few HTTP codes, and models, which
 * clients choose, are capped by {@link ModelLabels}.
 */
public final class Metrics {

    private static final double[] LATENCY_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
            60, 120, 300};
    private static final double[] WAIT_BOUNDS = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5,
            10};

    private static final double[] UPSTREAM_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
            60};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    /** API latency histograms by route label text; only routes under /v1 (no probes or scrapes). */
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Histogram firstToken = new Histogram(LATENCY_BOUNDS);
    private final Histogram upstreamLatency = new Histogram(UPSTREAM_BOUNDS);
    private final ModelLabels models = new ModelLabels();
    private final Map<String, LongAdder> inputTokens = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> outputTokens = new ConcurrentHashMap<>();
    /** By named client of the clients file (at most its 1,000 names): requests by status, and tokens. */
    private final Map<String, LongAdder> clientRequests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> clientInputTokens = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> clientOutputTokens = new ConcurrentHashMap<>();
    private final JvmSeries jvm = new JvmSeries();
    private final Histogram acquireWait = new Histogram(WAIT_BOUNDS);
    private final LongAdder upstreamRetries = new LongAdder();
    private volatile Pool<?> pool;
    private volatile LongSupplier readTimeouts = () -> 0;
    /** The upstream budget's permits in flight and waiting, and its store failures; null without limits. */
    private volatile LongSupplier[] budget;

    /** The pool whose stats are exported (set once it exists). */
    public void pool(Pool<?> pool) {
        this.pool = pool;
    }

    /** The count of requests cut off because they did not arrive within the read timeout (set once). */
    public void requestReadTimeouts(LongSupplier count) {
        if (count == null) {
            throw new IllegalArgumentException("count must not be null; pass the read deadlines' cut-off count");
        }
        this.readTimeouts = count;
    }

    /**
     * The upstream budget's gauges (permits in flight and waiting over every instance, -1 when the
     * store cannot say) and its count of store failures; set once, when limits are set.
     */
    public void budget(LongSupplier inFlight, LongSupplier waiting, LongSupplier storeFailures) {
        if (inFlight == null || waiting == null || storeFailures == null) {
            throw new IllegalArgumentException("pass the budget's inFlight, waiting and storeFailures");
        }
        this.budget = new LongSupplier[] {inFlight, waiting, storeFailures};
    }

    /**
     * Counts a request by route, the status it is answered with (0 when no response could be sent)
     * and who made that status: upstream, whose answer is passed on, or the gateway.
     */
    public void requestAnswered(String route, int status, boolean fromUpstream) {
        String key = "route=\"" + escape(route) + "\",status=\"" + status + "\",origin=\""
                + (fromUpstream ? "upstream" : "gateway") + "\"";
        LongAdder count = requests.get(key);
        if (count == null) {
            count = requests.computeIfAbsent(key, k -> new LongAdder());
        }
        count.increment();
    }

    /**
     * Records how long a request took, from its arrival to its last response byte, in its route's
     * histogram: only the API routes (under /v1) have one, so that probes and scrapes do not
     * dilute the latency clients see.
     */
    public void requestFinished(String route, long nanos) {
        if (!route.startsWith("/v1/")) {
            return;
        }
        Histogram histogram = latency.get(route);
        if (histogram == null) {
            histogram = latency.computeIfAbsent(route, r -> new Histogram(LATENCY_BOUNDS));
        }
        histogram.record(nanos);
    }

    /** Records a stream's time from the request's arrival to its first token (content_block_delta). */
    public void firstToken(long nanos) {
        firstToken.record(nanos);
    }

    /** Records how long upstream took from the request sent to its response headers. */
    public void upstreamAnswered(long nanos) {
        upstreamLatency.record(nanos);
    }

    /** Adds the tokens upstream reported for a request to {@code model}. */
    public void tokens(String model, long input, long output) {
        String label = "model=\"" + escape(models.label(model)) + "\"";
        inputTokens.computeIfAbsent(label, k -> new LongAdder()).add(input);
        outputTokens.computeIfAbsent(label, k -> new LongAdder()).add(output);
    }

    /**
     * Counts a named client's request with its status, and the tokens upstream reported for it
     * (-1: none). Only names of the clients file come here, so the label set is bounded.
     */
    public void client(String name, int status, long input, long output) {
        String label = "client=\"" + escape(name) + "\"";
        clientRequests.computeIfAbsent(label + ",status=\"" + status + "\"", k -> new LongAdder()).increment();
        if (input > 0) {
            clientInputTokens.computeIfAbsent(label, k -> new LongAdder()).add(input);
        }
        if (output > 0) {
            clientOutputTokens.computeIfAbsent(label, k -> new LongAdder()).add(output);
        }
    }

    /** Records how long one acquire took, successful or not. */
    public void acquireWaited(long nanos) {
        acquireWait.record(nanos);
    }

    /** Counts one request sent upstream again (after a connection failure, a 429 or a 529). */
    public void upstreamRetried() {
        upstreamRetries.increment();
    }

    /** The text exposition. */
    public String scrape() {
        StringBuilder out = new StringBuilder(4096);
        Pool<?> current = pool;
        if (current != null) {
            PoolStats stats = current.stats();
            gauge(out, "poolgate_pool_enabled", "1 when pooling is enabled", current.config().poolingEnabled() ? 1 : 0);
            gauge(out, "poolgate_pool_connections", "Connections that exist now", stats.totalConnections());
            gauge(out, "poolgate_pool_available_connections", "Idle connections", stats.availableConnections());
            gauge(out, "poolgate_pool_in_use_connections", "Leased connections", stats.inUseConnections());
            gauge(out, "poolgate_pool_waiting_acquirers", "Requests waiting for a connection",
                    stats.waitingAcquirers());
            gauge(out, "poolgate_pool_max_connections", "The pool's maximum size", current.config().maxSize());
            counter(out, "poolgate_pool_connections_created_total", "Connections created", stats.connectionsCreated());
            counter(out, "poolgate_pool_connections_destroyed_total", "Connections destroyed",
                    stats.connectionsDestroyed());
            counter(out, "poolgate_pool_connections_reused_total", "Hand-outs of an idle connection",
                    stats.connectionsReused());
            counter(out, "poolgate_pool_acquire_timeouts_total", "Acquires that timed out", stats.acquireTimeouts());
            counter(out, "poolgate_pool_health_check_failures_total", "Failed health checks",
                    stats.healthCheckFailures());
        }
        counter(out, "poolgate_upstream_retries_total", "Requests sent upstream again after a failed attempt",
                upstreamRetries.sum());
        out.append("# HELP poolgate_http_requests_total HTTP requests by route, status and origin of the status\n")
                .append("# TYPE poolgate_http_requests_total counter\n");
        new TreeMap<>(requests).forEach((labels, count) -> out.append("poolgate_http_requests_total{")
                .append(labels).append("} ").append(count.sum()).append('\n'));
        out.append("# HELP poolgate_http_request_duration_seconds Time from request to last response byte, API "
                + "routes\n").append("# TYPE poolgate_http_request_duration_seconds histogram\n");
        new TreeMap<>(latency).forEach((route, histogram) -> histogram.write(out,
                "poolgate_http_request_duration_seconds", "route=\"" + escape(route) + "\","));
        out.append("# HELP poolgate_stream_first_token_seconds Time from a streamed request to its first token\n")
                .append("# TYPE poolgate_stream_first_token_seconds histogram\n");
        firstToken.write(out, "poolgate_stream_first_token_seconds", "");
        out.append("# HELP poolgate_upstream_response_seconds Time from a request sent upstream to its response "
                + "headers\n").append("# TYPE poolgate_upstream_response_seconds histogram\n");
        upstreamLatency.write(out, "poolgate_upstream_response_seconds", "");
        tokenCounter(out, "poolgate_input_tokens_total", "Input tokens upstream reported, by model", inputTokens);
        tokenCounter(out, "poolgate_output_tokens_total", "Output tokens upstream reported, by model",
                outputTokens);
        tokenCounter(out, "poolgate_client_requests_total", "Requests of the clients file's named clients, by "
                + "status", clientRequests);
        tokenCounter(out, "poolgate_client_input_tokens_total", "Input tokens of named clients", clientInputTokens);
        tokenCounter(out, "poolgate_client_output_tokens_total", "Output tokens of named clients",
                clientOutputTokens);
        counter(out, "poolgate_http_request_read_timeouts_total",
                "Requests whose connection was closed because they did not arrive in full within the read timeout",
                readTimeouts.getAsLong());
        LongSupplier[] limits = budget;
        if (limits != null) {
            gauge(out, "poolgate_cluster_permits_in_flight", "Upstream permits held over every instance",
                    limits[0].getAsLong());
            gauge(out, "poolgate_cluster_permits_waiting", "Requests waiting for an upstream permit over every "
                    + "instance", limits[1].getAsLong());
            counter(out, "poolgate_cluster_store_failures_total", "Calls the shared budget store (Redis) did not "
                    + "answer", limits[2].getAsLong());
        }
        out.append("# HELP poolgate_pool_acquire_wait_seconds Time requests waited for a pooled client\n")
                .append("# TYPE poolgate_pool_acquire_wait_seconds histogram\n");
        acquireWait.write(out, "poolgate_pool_acquire_wait_seconds", "");
        jvm.write(out);
        return out.toString();
    }

    private static void tokenCounter(StringBuilder out, String name, String help, Map<String, LongAdder> counts) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n");
        new TreeMap<>(counts).forEach((labels, count) -> out.append(name).append('{').append(labels).append("} ")
                .append(count.sum()).append('\n'));
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
