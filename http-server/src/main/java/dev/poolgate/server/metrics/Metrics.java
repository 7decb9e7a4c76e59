package dev.poolgate.server.metrics;

import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolStats;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The gateway's metrics, kept by the official Prometheus Java client in a registry of their own
 * (one per instance: several gateways may share a JVM) and written in the Prometheus text format:
 * the pool's gauges and counters (read from one consistent {@link PoolStats} snapshot at scrape
 * time), requests by route, status and origin (who made the status: the gateway or upstream),
 * latency histograms of the API routes by route, streams' time to first token, upstream's time to
 * answer, tokens by model, how long requests waited for a pooled client, how often a request was
 * sent upstream again, and the client's standard JVM and process metrics ({@link JvmSeries}).
 *
 * <p>Histograms are classic only (the fixed buckets below, no native histograms) and nothing
 * samples exemplars, which the text format does not carry. The request path updates data points
 * it looked up once and keeps; text is made at scrape time. Every label set is bounded: routes are
 * the router's templates, statuses the few HTTP codes, and models, which clients choose, are
 * capped by {@link ModelLabels}. The client writes a counter's series with {@code _total} and a
 * series' labels in alphabetical order ({@code origin}, {@code route}, {@code status}).
 */
public final class Metrics {

    private static final double[] LATENCY_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
            60, 120, 300};
    private static final double[] WAIT_BOUNDS = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5,
            10};

    private static final double[] UPSTREAM_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
            60};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    /** The JVM and process series, registered late (see JvmSeries). */
    private final JvmSeries jvmSeries;

    private final Counter requests;
    private final Histogram latency;
    private final Counter inputTokens;
    private final Counter outputTokens;
    private final Counter clientRequests;
    private final Counter clientInputTokens;
    private final Counter clientOutputTokens;
    private final DistributionDataPoint firstToken;
    private final DistributionDataPoint upstreamLatency;
    private final DistributionDataPoint acquireWait;
    private final CounterDataPoint upstreamRetries;

    /** The labelled data points already looked up, by label values: the request path reuses them. */
    private final ConcurrentHashMap<RequestLabels, CounterDataPoint> requestPoints = new ConcurrentHashMap<>();
    /** API latency by route; only routes under /v1 (no probes or scrapes). */
    private final ConcurrentHashMap<String, DistributionDataPoint> latencyPoints = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CounterDataPoint[]> tokenPoints = new ConcurrentHashMap<>();
    /** By named client of the clients file (at most its 1,000 names): requests by status, and tokens. */
    private final ConcurrentHashMap<ClientLabels, CounterDataPoint> clientRequestPoints = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CounterDataPoint> clientInputPoints = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CounterDataPoint> clientOutputPoints = new ConcurrentHashMap<>();
    private final ModelLabels models = new ModelLabels();

    /** The pool's one stats snapshot of the scrape in progress on this thread; the pool gauges read it. */
    private final ThreadLocal<PoolStats> scraping = new ThreadLocal<>();
    private volatile Pool<?> pool;
    private volatile LongSupplier readTimeouts = () -> 0;
    /** The upstream budget's permits in flight and waiting, and its store failures; null without limits. */
    private volatile LongSupplier[] budget;

    /**
     * The label values of a request count, the key of {@link #requestPoints}. Classes rather than
     * records: a record's equals and hashCode run through method handles, which the gateway's
     * C1-only JIT does not inline (about 1% of its CPU under load, docs/performance.md).
     */
    private static final class RequestLabels {
        final String route;
        final int status;
        final boolean fromUpstream;

        RequestLabels(String route, int status, boolean fromUpstream) {
            this.route = route;
            this.status = status;
            this.fromUpstream = fromUpstream;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof RequestLabels labels && status == labels.status
                    && fromUpstream == labels.fromUpstream && Objects.equals(route, labels.route);
        }

        @Override
        public int hashCode() {
            return (Objects.hashCode(route) * 31 + status) * 2 + (fromUpstream ? 1 : 0);
        }
    }

    /** A named client's label values, the key of {@link #clientRequestPoints}; a class for the same reason. */
    private static final class ClientLabels {
        final String name;
        final int status;

        ClientLabels(String name, int status) {
            this.name = name;
            this.status = status;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ClientLabels labels && status == labels.status && Objects.equals(name, labels.name);
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(name) * 31 + status;
        }
    }

    public Metrics() {
        poolGauge("poolgate_pool_enabled", "1 when pooling is enabled",
                (current, stats) -> current.config().poolingEnabled() ? 1 : 0);
        poolGauge("poolgate_pool_connections", "Connections that exist now",
                (current, stats) -> stats.totalConnections());
        poolGauge("poolgate_pool_available_connections", "Idle connections",
                (current, stats) -> stats.availableConnections());
        poolGauge("poolgate_pool_in_use_connections", "Leased connections",
                (current, stats) -> stats.inUseConnections());
        poolGauge("poolgate_pool_waiting_acquirers", "Requests waiting for a connection",
                (current, stats) -> stats.waitingAcquirers());
        poolGauge("poolgate_pool_max_connections", "The pool's maximum size",
                (current, stats) -> current.config().maxSize());
        poolCounter("poolgate_pool_connections_created_total", "Connections created", PoolStats::connectionsCreated);
        poolCounter("poolgate_pool_connections_destroyed_total", "Connections destroyed",
                PoolStats::connectionsDestroyed);
        poolCounter("poolgate_pool_connections_reused_total", "Hand-outs of an idle connection",
                PoolStats::connectionsReused);
        poolCounter("poolgate_pool_acquire_timeouts_total", "Acquires that timed out", PoolStats::acquireTimeouts);
        poolCounter("poolgate_pool_health_check_failures_total", "Failed health checks",
                PoolStats::healthCheckFailures);

        upstreamRetries = Counter.builder().name("poolgate_upstream_retries_total")
                .help("Requests sent upstream again after a failed attempt").withoutExemplars().register(registry)
                .labelValues();
        requests = Counter.builder().name("poolgate_http_requests_total")
                .help("HTTP requests by route, status and origin of the status")
                .labelNames("route", "status", "origin").withoutExemplars().register(registry);
        latency = histogram("poolgate_http_request_duration_seconds",
                "Time from request to last response byte, API routes", LATENCY_BOUNDS, "route");
        firstToken = histogram("poolgate_stream_first_token_seconds", "Time from a streamed request to its first "
                + "token", LATENCY_BOUNDS).labelValues();
        upstreamLatency = histogram("poolgate_upstream_response_seconds", "Time from a request sent upstream to its "
                + "response headers", UPSTREAM_BOUNDS).labelValues();
        inputTokens = counter("poolgate_input_tokens_total", "Input tokens upstream reported, by model", "model");
        outputTokens = counter("poolgate_output_tokens_total", "Output tokens upstream reported, by model", "model");
        clientRequests = counter("poolgate_client_requests_total", "Requests of the clients file's named clients, "
                + "by status", "client", "status");
        clientInputTokens = counter("poolgate_client_input_tokens_total", "Input tokens of named clients", "client");
        clientOutputTokens = counter("poolgate_client_output_tokens_total", "Output tokens of named clients",
                "client");
        CounterWithCallback.builder().name("poolgate_http_request_read_timeouts_total")
                .help("Requests whose connection was closed because they did not arrive in full within the read "
                        + "timeout")
                .callback(callback -> callback.call(readTimeouts.getAsLong())).register(registry);
        budgetGauge("poolgate_cluster_permits_in_flight", "Upstream permits held over every instance", 0);
        budgetGauge("poolgate_cluster_permits_waiting", "Requests waiting for an upstream permit over every "
                + "instance", 1);
        CounterWithCallback.builder().name("poolgate_cluster_store_failures_total")
                .help("Calls the shared budget store (Redis) did not answer")
                .callback(callback -> {
                    LongSupplier[] limits = budget;
                    if (limits != null) {
                        callback.call(limits[2].getAsLong());
                    }
                }).register(registry);
        acquireWait = histogram("poolgate_pool_acquire_wait_seconds", "Time requests waited for a pooled client",
                WAIT_BOUNDS).labelValues();
        jvmSeries = new JvmSeries(registry);
    }

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
        RequestLabels labels = new RequestLabels(route, status, fromUpstream);
        CounterDataPoint count = requestPoints.get(labels);
        if (count == null) {
            count = requestPoints.computeIfAbsent(labels, l -> requests.labelValues(l.route,
                    Integer.toString(l.status), l.fromUpstream ? "upstream" : "gateway"));
        }
        count.inc();
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
        DistributionDataPoint histogram = latencyPoints.get(route);
        if (histogram == null) {
            histogram = latencyPoints.computeIfAbsent(route, latency::labelValues);
        }
        histogram.observe(seconds(nanos));
    }

    /** Records a stream's time from the request's arrival to its first token (content_block_delta). */
    public void firstToken(long nanos) {
        firstToken.observe(seconds(nanos));
    }

    /** Records how long upstream took from the request sent to its response headers. */
    public void upstreamAnswered(long nanos) {
        upstreamLatency.observe(seconds(nanos));
    }

    /** Adds the tokens upstream reported for a request to {@code model}. */
    public void tokens(String model, long input, long output) {
        String label = models.label(model);
        CounterDataPoint[] counts = tokenPoints.get(label);
        if (counts == null) {
            counts = tokenPoints.computeIfAbsent(label, l -> new CounterDataPoint[] {
                    inputTokens.labelValues(l), outputTokens.labelValues(l)});
        }
        counts[0].inc(Math.max(input, 0));
        counts[1].inc(Math.max(output, 0));
    }

    /**
     * Counts a named client's request with its status, and the tokens upstream reported for it
     * (-1: none). Only names of the clients file come here, so the label set is bounded.
     */
    public void client(String name, int status, long input, long output) {
        ClientLabels labels = new ClientLabels(name, status);
        CounterDataPoint count = clientRequestPoints.get(labels);
        if (count == null) {
            count = clientRequestPoints.computeIfAbsent(labels,
                    l -> clientRequests.labelValues(l.name, Integer.toString(l.status)));
        }
        count.inc();
        if (input > 0) {
            CounterDataPoint tokens = clientInputPoints.get(name);
            if (tokens == null) {
                tokens = clientInputPoints.computeIfAbsent(name, clientInputTokens::labelValues);
            }
            tokens.inc(input);
        }
        if (output > 0) {
            CounterDataPoint tokens = clientOutputPoints.get(name);
            if (tokens == null) {
                tokens = clientOutputPoints.computeIfAbsent(name, clientOutputTokens::labelValues);
            }
            tokens.inc(output);
        }
    }

    /** Records how long one acquire took, successful or not. */
    public void acquireWaited(long nanos) {
        acquireWait.observe(seconds(nanos));
    }

    /** Counts one request sent upstream again (after a connection failure, a 429 or a 529). */
    public void upstreamRetried() {
        upstreamRetries.inc();
    }

    /**
     * Registers the JVM and process series unless a scrape did already. The gateway calls it off the
     * start's path, once the server listens (see JvmSeries); every scrape makes sure of it too.
     */
    public void registerJvmSeries() {
        jvmSeries.ensureRegistered();
    }

    /** The text exposition (text/plain; version=0.0.4). */
    public String scrape() {
        jvmSeries.ensureRegistered();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 * 1024);
        Pool<?> current = pool;
        scraping.set(current == null ? null : current.stats());
        try {
            writer.write(bytes, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        } finally {
            scraping.remove();
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A value of the pool, of its config or of its stats snapshot. */
    private interface PoolValue {
        long of(Pool<?> pool, PoolStats stats);
    }

    /** The stats of the scrape in progress, else (a scrape not made by {@link #scrape}) fresh ones. */
    private PoolStats stats(Pool<?> current) {
        PoolStats stats = scraping.get();
        return stats != null ? stats : current.stats();
    }

    private void poolGauge(String name, String help, PoolValue value) {
        GaugeWithCallback.builder().name(name).help(help).callback(callback -> {
            Pool<?> current = pool;
            if (current != null) {
                callback.call(value.of(current, stats(current)));
            }
        }).register(registry);
    }

    private void poolCounter(String name, String help, ToLongFunction<PoolStats> value) {
        CounterWithCallback.builder().name(name).help(help).callback(callback -> {
            Pool<?> current = pool;
            if (current != null) {
                callback.call(value.applyAsLong(stats(current)));
            }
        }).register(registry);
    }

    private void budgetGauge(String name, String help, int index) {
        GaugeWithCallback.builder().name(name).help(help).callback(callback -> {
            LongSupplier[] limits = budget;
            if (limits != null) {
                callback.call(limits[index].getAsLong());
            }
        }).register(registry);
    }

    private Counter counter(String name, String help, String... labelNames) {
        return Counter.builder().name(name).help(help).labelNames(labelNames).withoutExemplars().register(registry);
    }

    private Histogram histogram(String name, String help, double[] bounds, String... labelNames) {
        return Histogram.builder().name(name).help(help).labelNames(labelNames)
                .classicUpperBounds(bounds).classicOnly().withoutExemplars().register(registry);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
