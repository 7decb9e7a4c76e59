package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.stub.StubBackend;
import dev.poolgate.stub.StubConfig;
import dev.poolgate.testkit.Await;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The configured upstream key is used (a stub that accepts only it answers 200) and shows up
 * nowhere a client or an operator can read it: not in {@code /pool/stats}, {@code /metrics},
 * error bodies or headers, the log from start-up to shutdown at any level, {@code --help}, or the
 * messages of a failed start.
 */
@Timeout(60)
class UpstreamKeySecrecyTest {

    @Test
    void theUpstreamKeyAppearsInNoAnswerAndNoLogLine() {
        String key = "sk-ant-api03-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        List<Response> answers = new ArrayList<>();
        List<String> log;
        try (LogCapture capture = LogCapture.start()) {
            try (StubBackend stub = StubBackend.start(StubConfig.builder().apiKey(key).build());
                    Gateway gateway = Gateways.start("--anthropic-base-url", stub.baseUri().toString(),
                            "--anthropic-api-key", key, "--max-request-bytes", "400")) {
                GatewayClient client = new GatewayClient(gateway);
                Response ok = client.post("/v1/messages", GatewayClient.message("is my key used?"));
                assertEquals(200, ok.status(), "the stub accepts only the configured key: " + ok.body());
                answers.add(ok);
                answers.add(client.post("/v1/messages", GatewayClient.message("stream", 16, true)));
                answers.add(client.get("/pool/stats"));
                answers.add(client.get("/metrics"));
                answers.add(client.get("/health"));
                answers.add(client.post("/v1/messages", "{broken"));
                answers.add(client.get("/nowhere"));
                answers.add(client.get("/v1/messages"));
                answers.add(client.post("/v1/messages", GatewayClient.message("x".repeat(500))));
                stub.faults().failWith(500);
                answers.add(client.post("/v1/messages", GatewayClient.message("upstream error")));
                stub.close();
                Response unreachable = client.post("/v1/messages", GatewayClient.message("stub gone"));
                unreachable.assertError(502, "api_error");
                answers.add(unreachable);
            }
            log = capture.rawLines();
        }
        assertEquals(List.of(200, 200, 200, 200, 200, 400, 404, 405, 413, 500, 502),
                answers.stream().map(Response::status).toList());
        for (Response answer : answers) {
            assertFalse(answer.body().contains(key), () -> "key in a " + answer.status() + " body: " + answer.body());
            assertFalse(answer.headers().map().toString().contains(key), () -> "key in headers " + answer.headers());
        }
        assertTrue(log.stream().anyMatch(line -> line.contains("[STARTUP] Gateway listening")), "the log was captured");
        for (String line : log) {
            assertFalse(line.contains(key), () -> "key in the log: " + line);
        }
    }

    /**
     * The same in a server process logging at TRACE, through every path that logs: success, each
     * error the gateway makes, upstream errors, a broken stream, dropped connections and failed
     * creations, a timeout, overload, an unreachable upstream, shutdown; and in what
     * {@code --help} and failed starts print. The proxy and admin keys never show either.
     */
    @Test
    @Timeout(120)
    void noKeyAppearsInAnyOutputOfTheServerProcessAtTraceLevel() throws Exception {
        String key = "sk-ant-api03-TRACE" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        String proxyKey = "proxy-SECRET-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String adminKey = "admin-SECRET-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        List<Response> answers = new ArrayList<>();
        List<String> output;
        try (StubBackend stub = StubBackend.start(StubConfig.builder().apiKey(key).build());
                ServerProcess server = ServerProcess.start(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=trace"),
                        List.of("--port", "0", "--anthropic-base-url", stub.baseUri().toString(),
                                "--proxy-api-keys", proxyKey, "--admin-api-keys", adminKey,
                                "--max-request-bytes", "400", "--pool-max-size", "2",
                                "--pool-min-size", "2", "--pool-acquire-timeout", "300ms", "--upstream-timeout", "1s",
                                "--upstream-health-path", "/health"),
                        Map.of("ANTHROPIC_API_KEY", key))) {
            GatewayClient client = new GatewayClient(server.awaitListening(Duration.ofSeconds(30)));
            Function<String, HttpRequest.Builder> api = path -> client.request(path).setHeader("x-api-key", proxyKey);
            Function<String, HttpRequest.Builder> admin = path -> client.request(path)
                    .setHeader("x-api-key", adminKey);
            Function<String, Response> post = body -> client.send(api.apply("/v1/messages")
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));

            Response ok = post.apply(GatewayClient.message("is my key used?"));
            assertEquals(200, ok.status(), "the stub accepts only the configured key: " + ok.body());
            answers.add(ok);
            answers.add(post.apply(GatewayClient.message("stream", 16, true)));
            answers.add(client.send(api.apply("/v1/messages/count_tokens").header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"count\"}]}"))));
            answers.add(client.send(api.apply("/v1/models").GET()));
            answers.add(client.send(api.apply("/v1/models/claude-unknown").GET()));
            answers.add(client.send(admin.apply("/pool/stats").GET()));
            answers.add(client.send(admin.apply("/metrics").GET()));
            answers.add(client.send(api.apply("/metrics").GET()));
            answers.add(client.get("/health"));
            answers.add(client.get("/v1/models"));
            answers.add(post.apply("{broken"));
            answers.add(client.send(api.apply("/nowhere").GET()));
            answers.add(client.send(api.apply("/v1/messages").GET()));
            answers.add(post.apply(GatewayClient.message("x".repeat(500))));
            stub.faults().failWith(500);
            answers.add(post.apply(GatewayClient.message("upstream error")));
            stub.faults().failWith(429).retryAfterSeconds(7);
            answers.add(post.apply(GatewayClient.message("upstream rate limit")));
            stub.faults().reset().midStreamErrorAfterDeltas(1);
            answers.add(post.apply(GatewayClient.message("a stream that breaks", 64, true)));
            stub.faults().reset().dropRate(1);
            answers.add(post.apply(GatewayClient.message("dropped")));
            stub.faults().reset().eventLatency(Duration.ofMillis(150));
            try (ExecutorService slow = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Response>> held = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    held.add(slow.submit(() -> post.apply(GatewayClient.message("a slow stream that holds its pooled "
                            + "client for a while", 256, true))));
                }
                Await.until("both pooled clients are busy", Duration.ofSeconds(10), () -> client.send(
                        admin.apply("/pool/stats").GET()).json().path("stats").path("in_use_connections").asInt() == 2);
                answers.add(post.apply(GatewayClient.message("one too many")));
                for (Future<Response> future : held) {
                    answers.add(future.get(30, TimeUnit.SECONDS));
                }
            }
            stub.faults().reset().requestLatency(Duration.ofMillis(1500));
            answers.add(post.apply(GatewayClient.message("too slow")));
            stub.faults().reset();
            stub.close();
            answers.add(post.apply(GatewayClient.message("stub gone")));
            server.terminate();
            assertEquals(143, server.awaitExit(Duration.ofSeconds(30)), () -> String.join("\n", server.lines()));
            output = server.lines();
        }
        assertEquals(List.of(200, 200, 200, 200, 404, 200, 200, 403, 200, 401, 400, 404, 405, 413, 500, 429, 200, 502,
                529, 200, 200, 504, 502), answers.stream().map(Response::status).toList());
        assertTrue(output.stream().anyMatch(line -> line.contains(" DEBUG [POOL]")), "DEBUG lines were logged");
        assertTrue(output.stream().anyMatch(line -> line.contains("[SHUTDOWN] Claude connection pool shut down")),
                () -> "the whole run was logged:\n" + String.join("\n", output));
        for (String secret : List.of(key, proxyKey, adminKey)) {
            for (Response answer : answers) {
                assertFalse(answer.body().contains(secret), () -> "a key in a " + answer.status() + " body: "
                        + answer.body());
                assertFalse(answer.headers().map().toString().contains(secret), () -> "a key in " + answer.headers());
            }
            for (String line : output) {
                assertFalse(line.contains(secret), () -> "a key in the output: " + line);
            }
        }
    }

    @Test
    @Timeout(60)
    void noKeyAppearsInHelpOrInTheMessagesOfFailedStarts() throws Exception {
        String key = "sk-ant-api03-HELP" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        Map<String, String> environment = Map.of("ANTHROPIC_API_KEY", key, "POOLGATE_PROXY_API_KEYS", key + "-proxy");
        List<String> help = ServerProcess.run(List.of("--anthropic-api-key", key, "--help"), environment,
                Duration.ofSeconds(30));
        assertTrue(help.stream().anyMatch(line -> line.contains("--admin-api-keys")), String.join("\n", help));

        List<String> badPort = ServerProcess.run(List.of("--anthropic-api-key", key, "--port", "99999"), environment,
                Duration.ofSeconds(30));
        assertTrue(badPort.stream().anyMatch(line -> line.contains("Invalid --port")), String.join("\n", badPort));
        List<String> badKey = ServerProcess.run(List.of("--anthropic-api-key", key + "\u00e9"), environment,
                Duration.ofSeconds(30));
        assertTrue(badKey.stream().anyMatch(line -> line.contains("Invalid --anthropic-api-key")),
                String.join("\n", badKey));
        List<String> stray = ServerProcess.run(List.of("--port", "0", key), environment, Duration.ofSeconds(30));
        assertTrue(stray.stream().anyMatch(line -> line.contains("Unexpected argument #3")), String.join("\n", stray));
        List<String> unbindable;
        try (StubBackend stub = StubBackend.start(StubConfig.builder().apiKey(key).build())) {
            // The stub's port is taken: the gateway connects upstream, then cannot bind.
            unbindable = ServerProcess.run(List.of("--anthropic-base-url", stub.baseUri().toString(),
                    "--port", Integer.toString(stub.port())), environment, Duration.ofSeconds(30));
        }
        assertTrue(unbindable.stream().anyMatch(line -> line.contains("[STARTUP] The gateway could not start")),
                String.join("\n", unbindable));

        for (List<String> output : List.of(help, badPort, badKey, stray, unbindable)) {
            for (String line : output) {
                assertFalse(line.contains(key), () -> "the key in: " + line);
            }
        }
    }
}
