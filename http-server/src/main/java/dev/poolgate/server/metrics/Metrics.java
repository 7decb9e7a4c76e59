package dev.poolgate.server.metrics;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolStats;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The gateway's metrics in the Prometheus text format: the pool's gauges and counters (read from
 * one consistent {@link PoolStats} snapshot at scrape time), requests by route and status, a
 * request latency histogram, how long requests waited for a pooled client, how often a request
 * was sent upstream again, and the process's open file descriptors and heap.
 */
public final class Metrics {

    private static final double[] LATENCY_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
            60, 120, 300};
    private static final double[] WAIT_BOUNDS = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5,
            10};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Histogram latency = new Histogram(LATENCY_BOUNDS);
    private final Histogram acquireWait = new Histogram(WAIT_BOUNDS);
    private final LongAdder upstreamRetries = new LongAdder();
    private volatile Pool<?> pool;
    private volatile LongSupplier readTimeouts = () -> 0;

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

    /** Counts a request by route and the status it is answered with; 0 when no response could be sent. */
    public void requestAnswered(String route, int status) {
        String key = "route=\"" + escape(route) + "\",status=\"" + status + "\"";
        requests.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** Records how long a request took, from its arrival to its last response byte. */
    public void requestFinished(long nanos) {
        latency.record(nanos);
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
        process(out);
        out.append("# HELP poolgate_http_requests_total HTTP requests by route and status\n")
                .append("# TYPE poolgate_http_requests_total counter\n");
        new TreeMap<>(requests).forEach((labels, count) -> out.append("poolgate_http_requests_total{")
                .append(labels).append("} ").append(count.sum()).append('\n'));
        out.append("# HELP poolgate_http_request_duration_seconds Time from request to last response byte\n")
                .append("# TYPE poolgate_http_request_duration_seconds histogram\n");
        latency.write(out, "poolgate_http_request_duration_seconds", "");
        counter(out, "poolgate_http_request_read_timeouts_total",
                "Requests whose connection was closed because they did not arrive in full within the read timeout",
                readTimeouts.getAsLong());
        out.append("# HELP poolgate_pool_acquire_wait_seconds Time requests waited for a pooled client\n")
                .append("# TYPE poolgate_pool_acquire_wait_seconds histogram\n");
        acquireWait.write(out, "poolgate_pool_acquire_wait_seconds", "");
        return out.toString();
    }

    /**
     * The process's open file descriptors (on Unix) and heap use: what grows when connections or
     * memory leak under load, so that a soak can compare them from start to end.
     */
    private static void process(StringBuilder out) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            gauge(out, "process_open_fds", "Open file descriptors of the gateway's process",
                    unix.getOpenFileDescriptorCount());
            gauge(out, "process_max_fds", "The process's limit of open file descriptors",
                    unix.getMaxFileDescriptorCount());
        }
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        heapGauge(out, "jvm_memory_used_bytes", "Memory in use, live or not yet collected", heap.getUsed());
        heapGauge(out, "jvm_memory_committed_bytes", "Memory the JVM holds from the system", heap.getCommitted());
        if (heap.getMax() >= 0) {
            heapGauge(out, "jvm_memory_max_bytes", "The most memory the JVM may use", heap.getMax());
        }
    }

    private static void heapGauge(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append("{area=\"heap\"} ").append(value).append('\n');
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
