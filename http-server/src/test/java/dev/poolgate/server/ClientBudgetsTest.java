package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named clients of the clients file, on one instance: their keys are proxy keys, each has its own
 * per-minute budgets (429 with retry-after and its poolgate-ratelimit-* headers when spent, tokens
 * charged from the answers), the access log names them, and the file is read again on demand
 * (SIGHUP in production) without dropping the clients when the new file is bad.
 */
@Timeout(60)
class ClientBudgetsTest {

    private static final String TEAM_A = "pk-team-a-0001";
    private static final String TEAM_B = "pk-team-b-0002";
    private static final String TEAM_C = "pk-team-c-0003";
    private static final String LATE = "pk-late-comer-0004";

    @TempDir
    Path directory;

    private Path clients(String json) throws IOException {
        return Files.writeString(directory.resolve("clients.json"), json);
    }

    private static GatewayClient.Response post(GatewayClient client, String key, String body) {
        return client.send(client.request("/v1/messages").setHeader("x-api-key", key)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private Path standardFile() throws IOException {
        return clients("""
                {"clients": [
                  {"name": "team-a", "key": "%s", "requests_per_minute": 2},
                  {"name": "team-b", "key": "%s"},
                  {"name": "team-c", "key": "%s", "output_tokens_per_minute": 5}
                ]}""".formatted(TEAM_A, TEAM_B, TEAM_C));
    }

    @Test
    void aClientsBudgetIsItsOwnAndItsHeadersSayWhatIsLeft() throws IOException {
        try (Gateway gateway = Gateways.start("--clients-file", standardFile().toString())) {
            GatewayClient client = new GatewayClient(gateway);
            GatewayClient.Response first = post(client, TEAM_A, GatewayClient.message("one"));
            assertEquals(200, first.status(), first.body());
            assertEquals("2", first.header("poolgate-ratelimit-requests-limit"));
            assertEquals("1", first.header("poolgate-ratelimit-requests-remaining"));
            assertTrue(Instant.parse(first.header("poolgate-ratelimit-requests-reset")).isAfter(Instant.now()
                    .minusSeconds(5)), first.header("poolgate-ratelimit-requests-reset"));
            assertEquals(200, post(client, TEAM_A, GatewayClient.message("two")).status());
            GatewayClient.Response refused = post(client, TEAM_A, GatewayClient.message("three"));
            refused.assertError(429, "rate_limit_error");
            assertEquals("0", refused.header("poolgate-ratelimit-requests-remaining"));
            long retryAfter = Long.parseLong(refused.header("retry-after"));
            assertTrue(retryAfter >= 1 && retryAfter <= 30, "a request refills in 30 s at 2 per minute: " + retryAfter);
            assertTrue(refused.errorMessage().contains("team-a"), refused.body());

            GatewayClient.Response other = post(client, TEAM_B, GatewayClient.message("unlimited"));
            assertEquals(200, other.status(), "team-b's budget is not team-a's");
            assertNull(other.header("poolgate-ratelimit-requests-limit"), "a client without a budget gets no headers");

            // Without admin keys, the clients' keys guard /metrics.
            String metrics = client.send(client.request("/metrics").setHeader("x-api-key", TEAM_B).GET()).body();
            assertTrue(metrics.contains("poolgate_client_requests_total{client=\"team-a\",status=\"200\"} 2.0\n"), metrics);
            assertTrue(metrics.contains("poolgate_client_requests_total{client=\"team-a\",status=\"429\"} 1.0\n"), metrics);
            assertTrue(metrics.contains("poolgate_client_output_tokens_total{client=\"team-b\"}"), metrics);
        }
    }

    @Test
    void tokensTheAnswerUsedAreChargedToTheClient() throws IOException {
        try (Gateway gateway = Gateways.start("--clients-file", standardFile().toString())) {
            GatewayClient client = new GatewayClient(gateway);
            GatewayClient.Response first = post(client, TEAM_C, GatewayClient.message("tell me a long story", 256,
                    false));
            assertEquals(200, first.status(), first.body());
            assertTrue(first.json().path("usage").path("output_tokens").asLong() > 5, first.body());
            GatewayClient.Response refused = post(client, TEAM_C, GatewayClient.message("again"));
            refused.assertError(429, "rate_limit_error");
            assertTrue(refused.errorMessage().contains("output tokens"), refused.body());
            assertEquals("0", refused.header("poolgate-ratelimit-output-tokens-remaining"));
        }
    }

    @Test
    void aStreamsTokensAreChargedToo() throws IOException {
        try (Gateway gateway = Gateways.start("--clients-file", standardFile().toString())) {
            GatewayClient client = new GatewayClient(gateway);
            GatewayClient.Response streamed = post(client, TEAM_C, GatewayClient.message("stream a story", 256, true));
            assertEquals(200, streamed.status(), streamed.body());
            post(client, TEAM_C, GatewayClient.message("again")).assertError(429, "rate_limit_error");
        }
    }

    @Test
    void clientsKeysAreProxyKeysAndOtherKeysAreRefused() throws IOException {
        try (Gateway gateway = Gateways.start("--clients-file", standardFile().toString())) {
            GatewayClient client = new GatewayClient(gateway);
            post(client, "pk-unknown-key", GatewayClient.message("who?")).assertError(401, "authentication_error");
            assertEquals(200, post(client, TEAM_B, GatewayClient.message("known")).status());
        }
    }

    @Test
    void theFileIsReadAgainAndABadFileKeepsTheClientsBefore() throws IOException {
        Path file = standardFile();
        try (Gateway gateway = Gateways.start("--clients-file", file.toString())) {
            GatewayClient client = new GatewayClient(gateway);
            post(client, LATE, GatewayClient.message("not yet")).assertError(401, "authentication_error");

            Files.writeString(file, "{\"clients\": [{\"name\": \"late\", \"key\": \"" + LATE + "\"}]}");
            assertTrue(gateway.server().reloadClients());
            assertEquals(200, post(client, LATE, GatewayClient.message("now")).status());
            post(client, TEAM_B, GatewayClient.message("dropped")).assertError(401, "authentication_error");

            Files.writeString(file, "{\"clients\": [{\"name\": \"broken\"}]}");
            assertFalse(gateway.server().reloadClients());
            assertEquals(200, post(client, LATE, GatewayClient.message("kept")).status(), "the last good file stays");
        }
    }

    @Test
    void sighupMakesARunningGatewayReadTheFileAgain() throws Exception {
        Path file = standardFile();
        try (ServerProcess process = ServerProcess.start(List.of(), List.of("--port", "0", "--upstream", "stub",
                "--clients-file", file.toString()), Map.of())) {
            GatewayClient client = new GatewayClient(process.awaitListening(Duration.ofSeconds(60)));
            post(client, LATE, GatewayClient.message("not yet")).assertError(401, "authentication_error");
            Files.writeString(file, "{\"clients\": [{\"name\": \"late\", \"key\": \"" + LATE + "\"}]}");
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            Await.until("the late client is known", Duration.ofSeconds(20),
                    () -> post(client, LATE, GatewayClient.message("now")).status() == 200);
            assertTrue(process.lines().stream().anyMatch(line -> line.contains("[CLIENTS] Read 1 named clients")),
                    () -> String.join("\n", process.lines()));
        }
    }
}
