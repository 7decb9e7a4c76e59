package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.stub.StubBackend;
import dev.poolgate.stub.StubConfig;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The configured upstream key is used (a stub that accepts only it answers 200) and shows up
 * nowhere a client or an operator can read it: not in {@code /pool/stats}, {@code /metrics},
 * error bodies, or the log from start-up to shutdown.
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
}
