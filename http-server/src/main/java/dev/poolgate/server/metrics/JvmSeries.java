package dev.poolgate.server.metrics;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The standard JVM and process metrics, from the official Prometheus Java client's
 * instrumentation-jvm, under the names stock JVM dashboards query: {@code process_cpu_seconds_total},
 * {@code process_start_time_seconds}, {@code process_open_fds}, {@code jvm_memory_used_bytes} by area
 * and {@code jvm_memory_pool_*} by pool, {@code jvm_gc_collection_seconds}, {@code jvm_threads_*},
 * class loading, buffer pools and the runtime's version. They are read at scrape time only.
 */
final class JvmSeries {

    private JvmSeries() {
    }

    /** Registers the series in {@code registry}, the gateway's own (never the client's default). */
    static void register(PrometheusRegistry registry) {
        JvmMetrics.builder().register(registry);
    }

    /**
     * Registers the series on a thread of their own and returns it: the JVM's management beans
     * take ~60 ms to set up on a cold start, which need not delay the gateway's first request. A
     * scrape waits for the thread first ({@link #await}), so no scrape misses a series.
     */
    static Thread registerInBackground(PrometheusRegistry registry) {
        return Thread.ofPlatform().daemon().name("poolgate-jvm-metrics").start(() -> register(registry));
    }

    /** Waits until the series are registered; an interrupt ends the wait early and stays set. */
    static void await(Thread registering) {
        try {
            registering.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
