package dev.poolgate.server.metrics;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The standard JVM and process metrics, from the official Prometheus Java client's
 * instrumentation-jvm, under the names stock JVM dashboards query: {@code process_cpu_seconds_total},
 * {@code process_start_time_seconds}, {@code process_open_fds}, {@code jvm_memory_used_bytes} by area
 * and {@code jvm_memory_pool_*} by pool, {@code jvm_gc_collection_seconds}, {@code jvm_threads_*},
 * class loading, buffer pools and the runtime's version. They are read at scrape time only.
 *
 * <p>Registering them sets up the JVM's management beans, ~200 ms of CPU on a cold start, so it is
 * done once, late: by the gateway's management thread a second after the server listens, or by
 * the first scrape if that comes first. Whichever comes second waits for the first; no scrape
 * misses a series.
 */
final class JvmSeries {

    /** Guards {@link #registered} and makes the registration happen once. */
    private final ReentrantLock lock = new ReentrantLock();
    private final PrometheusRegistry registry;
    private boolean registered;

    /** The series of {@code registry}, the gateway's own (never the client's default); nothing registered yet. */
    JvmSeries(PrometheusRegistry registry) {
        this.registry = registry;
    }

    /** Registers the series unless that was done already; returns once they are registered. */
    void ensureRegistered() {
        lock.lock();
        try {
            if (!registered) {
                JvmMetrics.builder().register(registry);
                registered = true;
            }
        } finally {
            lock.unlock();
        }
    }
}
