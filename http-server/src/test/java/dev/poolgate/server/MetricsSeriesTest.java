package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.GatewayClient.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The series an LLM gateway is judged by: requests by route, status and origin; API latency by
 * route without probes and scrapes; streams' time to first token; upstream latency; tokens by
 * model; and the standard JVM and process series. The text passes promtool where it is installed.
 */
@Timeout(60)
class MetricsSeriesTest {

    @Test
    void tokensByModelOriginsAndLatenciesAreExported() {
        try (Gateway gateway = Gateways.start()) {
            GatewayClient client = new GatewayClient(gateway);
            Response plain = client.post("/v1/messages", GatewayClient.message("count me"));
            Response stream = client.post("/v1/messages", GatewayClient.message("stream me", 256, true));
            assertEquals(200, plain.status());
            assertEquals(200, stream.status());
            client.get("/health");
            client.get("/ready");
            client.get("/metrics");
            String text = client.metrics();

            long plainInput = plain.json().path("usage").path("input_tokens").asLong();
            long plainOutput = plain.json().path("usage").path("output_tokens").asLong();
            long streamInput = -1;
            long streamOutput = -1;
            for (ServerSentEvents.Event event : ServerSentEvents.parse(stream.body())) {
                if (event.name().equals("message_start")) {
                    streamInput = event.data().path("message").path("usage").path("input_tokens").asLong();
                } else if (event.name().equals("message_delta")) {
                    streamOutput = event.data().path("usage").path("output_tokens").asLong();
                }
            }
            String model = "{model=\"" + GatewayClient.MODEL + "\"}";
            GatewayContract.assertMetric(text, "poolgate_input_tokens_total" + model, plainInput + streamInput);
            GatewayContract.assertMetric(text, "poolgate_output_tokens_total" + model, plainOutput + streamOutput);
            GatewayContract.assertMetric(text,
                    "poolgate_http_requests_total{origin=\"upstream\",route=\"/v1/messages\",status=\"200\"}", 2);
            GatewayContract.assertMetric(text,
                    "poolgate_http_requests_total{origin=\"gateway\",route=\"/health\",status=\"200\"}", 1);
            GatewayContract.assertHistogram(text, "poolgate_http_request_duration_seconds", "route=\"/v1/messages\",");
            GatewayContract.assertMetric(text, "poolgate_http_request_duration_seconds_count{route=\"/v1/messages\"}",
                    2);
            for (String probe : List.of("/health", "/ready", "/metrics")) {
                assertFalse(text.contains("poolgate_http_request_duration_seconds_count{route=\"" + probe + "\"}"),
                        probe + " is not in the API latency");
            }
            GatewayContract.assertHistogram(text, "poolgate_stream_first_token_seconds");
            GatewayContract.assertMetric(text, "poolgate_stream_first_token_seconds_count", 1);
            GatewayContract.assertHistogram(text, "poolgate_upstream_response_seconds");
            GatewayContract.assertMetric(text, "poolgate_upstream_response_seconds_count", 2);
        }
    }

    @Test
    void theStandardJvmAndProcessSeriesAreExported() {
        try (Gateway gateway = Gateways.start()) {
            String text = new GatewayClient(gateway).metrics();
            for (String family : List.of("process_cpu_seconds_total", "process_start_time_seconds",
                    "process_open_fds", "jvm_memory_used_bytes{area=\"heap\"}", "jvm_memory_pool_used_bytes{pool=",
                    "jvm_gc_collection_seconds_count{gc=", "jvm_threads_current", "jvm_threads_state{state=",
                    "jvm_classes_currently_loaded", "jvm_runtime_info{")) {
                assertTrue(text.contains("\n" + family), () -> family + " missing in\n" + text);
            }
        }
    }

    @Test
    void theExpositionPassesPromtoolWhereItIsInstalled() throws Exception {
        try (Gateway gateway = Gateways.start()) {
            GatewayClient client = new GatewayClient(gateway);
            client.post("/v1/messages", GatewayClient.message("lint me", 256, true));
            client.get("/nothing");
            String text = client.metrics();
            assertTrue(text.endsWith("\n"));
            assertEquals(text.lines().filter(line -> line.startsWith("# TYPE ")).count(),
                    text.lines().filter(line -> line.startsWith("# TYPE ")).distinct().count(),
                    "each family is typed once");
            Path promtool = Path.of("/usr/bin/promtool");
            if (Files.isExecutable(promtool)) {
                assertEquals("", promtool(promtool, text));
            }
        }
    }

    /** promtool's findings (empty when the text is clean), or its error output. */
    private static String promtool(Path promtool, String text) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true)
                .start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "promtool finished");
        return process.exitValue() == 0 ? "" : output;
    }
}
