package dev.poolgate.server.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The standard JVM and process metrics, from the official Prometheus Java client's
 * instrumentation-jvm, under the names stock JVM dashboards query: {@code process_cpu_seconds_total},
 * {@code process_start_time_seconds}, {@code process_open_fds}, {@code jvm_memory_used_bytes} by area
 * and {@code jvm_memory_pool_*} by pool, {@code jvm_gc_collection_seconds}, {@code jvm_threads_*},
 * class loading, buffer pools and the runtime's version. They are read at scrape time only.
 */
final class JvmSeries {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    JvmSeries() {
        JvmMetrics.builder().register(registry);
    }

    /** Appends the series in the text format. */
    void write(StringBuilder out) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(bytes, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        out.append(bytes.toString(StandardCharsets.UTF_8));
    }
}
