package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Claude Code CLI ({@code @anthropic-ai/claude-code} from npm) in print mode against an
 * in-process gateway over the embedded stub, behind a proxy key: a plain turn as JSON, and a turn
 * where the stub asks for its Bash tool, Claude Code runs it and sends the result back, as
 * stream-json. Every request it makes succeeds at the gateway, and no pooled client stays in use.
 *
 * <p>The CLI is installed once into {@code ~/.cache/poolgate/claude-code} by {@link NodePackages}.
 * The suite is skipped, with the reason, only where npm is missing or its registry is
 * unreachable. Telemetry, auto-update, error reporting and other non-essential traffic are off by
 * environment, and the CLI gets a throwaway HOME: it reaches nothing but the gateway.
 */
@Timeout(600)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClaudeCodeIT {

    /** The version the stub's tool hint and these assertions were checked against. */
    private static final String CLAUDE_CODE = "@anthropic-ai/claude-code@2.1.197";
    /** Claude Code's key is a proxy key of the gateway; the test's own client (stats, metrics) shares it. */
    private static final String PROXY_KEY = GatewayClient.CLIENT_KEY;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern REQUESTS = Pattern.compile(
            "poolgate_http_requests_total\\{origin=\"[^\"]*\",route=\"([^\"]*)\",status=\"(\\d+)\"} (\\d+)(?:\\.0)?\n");

    @TempDir
    Path scratch;

    private Path claude;
    private Gateway gateway;
    private GatewayClient client;

    @BeforeAll
    void installAndStart() throws Exception {
        claude = NodePackages.program(NodePackages.install("claude-code", CLAUDE_CODE), "node_modules/.bin/claude");
        gateway = Gateways.start("--proxy-api-keys", PROXY_KEY);
        client = new GatewayClient(gateway);
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void aPlainTurnSucceedsAsJson() throws Exception {
        Path work = Files.createDirectories(scratch.resolve("plain"));

        NodePackages.Run run = claude(work, "-p", "Say hello to the gateway. use no tool", "--output-format", "json");

        JsonNode result = GatewayClient.JSON.readTree(run.stdout());
        assertEquals("result", result.path("type").asText(), run::toString);
        assertEquals("success", result.path("subtype").asText(), run::toString);
        assertFalse(result.path("is_error").asBoolean(true), run::toString);
        assertTrue(result.path("result").asText().contains("stub backend"), run::toString);
        assertEverythingSucceededAtTheGateway();
    }

    @Test
    void aToolTurnRunsTheToolAndSendsItsResultBackAsStreamJson() throws Exception {
        Path work = Files.createDirectories(scratch.resolve("tool"));

        // The stub's hint: "use tool NAME with {input}" makes its answer call that tool with that input.
        NodePackages.Run run = claude(work, "-p", "Write the marker file. use tool Bash with "
                + "{\"command\":\"echo poolgate-tool-ran > marker.txt\",\"description\":\"Write the marker file\"}",
                "--allowedTools", "Bash", "--output-format", "stream-json", "--verbose");

        List<JsonNode> events = new ArrayList<>();
        for (String line : run.stdout().split("\n")) {
            if (!line.isBlank()) {
                events.add(GatewayClient.JSON.readTree(line));
            }
        }
        assertTrue(events.stream().anyMatch(e -> e.path("type").asText().equals("assistant")
                && e.path("message").path("content").toString().contains("\"name\":\"Bash\"")),
                () -> "the stub asked for Bash: " + run);
        assertTrue(events.stream().anyMatch(e -> e.path("type").asText().equals("user")
                && e.path("message").path("content").toString().contains("tool_result")),
                () -> "Claude Code sent the tool's result: " + run);
        JsonNode last = events.get(events.size() - 1);
        assertEquals("result", last.path("type").asText(), run::toString);
        assertEquals("success", last.path("subtype").asText(), run::toString);
        assertEquals(2, last.path("num_turns").asInt(), run::toString);
        assertEquals("poolgate-tool-ran", Files.readString(work.resolve("marker.txt")).strip(),
                "Claude Code ran the tool");
        assertEverythingSucceededAtTheGateway();
    }

    /** The gateway's view: every request answered 2xx, messages among them, no client left in use. */
    private void assertEverythingSucceededAtTheGateway() {
        client.awaitStat("in_use_connections", 0, Duration.ofSeconds(10));
        Matcher counts = REQUESTS.matcher(client.metrics());
        long messages = 0;
        while (counts.find()) {
            String line = counts.group();
            assertEquals(2, Integer.parseInt(counts.group(2)) / 100, () -> "a request failed at the gateway: " + line);
            if (counts.group(1).equals("/v1/messages")) {
                messages += Long.parseLong(counts.group(3));
            }
        }
        assertTrue(messages > 0, "Claude Code's messages went through the gateway");
    }

    /** Runs the CLI in {@code work} against the gateway, with a throwaway HOME and nothing inherited. */
    private NodePackages.Run claude(Path work, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(claude.toString()));
        command.addAll(List.of(args));
        return NodePackages.run(work, RUN_TIMEOUT, Map.of(
                "ANTHROPIC_BASE_URL", "http://127.0.0.1:" + gateway.port(),
                "ANTHROPIC_API_KEY", PROXY_KEY,
                "DISABLE_TELEMETRY", "1",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1",
                "DISABLE_AUTOUPDATER", "1",
                "DISABLE_ERROR_REPORTING", "1"), command);
    }
}
