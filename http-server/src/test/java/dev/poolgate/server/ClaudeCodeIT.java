package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * <p>The CLI is installed once into {@code ~/.cache/poolgate/claude-code} (npm, bounded by a
 * timeout). The suite is skipped, with the reason, only where npm is missing or its registry is
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
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern REQUESTS = Pattern.compile(
            "poolgate_http_requests_total\\{route=\"([^\"]*)\",status=\"(\\d+)\"} (\\d+)");

    @TempDir
    Path scratch;

    private Path claude;
    private Gateway gateway;
    private GatewayClient client;

    @BeforeAll
    void installAndStart() throws Exception {
        claude = install();
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

        Run run = claude(work, "-p", "Say hello to the gateway. use no tool", "--output-format", "json");

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
        Run run = claude(work, "-p", "Write the marker file. use tool Bash with "
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

    private record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    /** Runs the CLI in {@code work} against the gateway, with a throwaway HOME and nothing inherited. */
    private Run claude(Path work, String... args) throws Exception {
        Path home = Files.createDirectories(work.resolve(".home"));
        List<String> command = new ArrayList<>(List.of(claude.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        Map<String, String> env = builder.environment();
        String path = System.getenv("PATH");
        env.clear();
        env.put("PATH", path == null ? "/usr/local/bin:/usr/bin:/bin" : path);
        env.put("HOME", home.toString());
        env.put("ANTHROPIC_BASE_URL", "http://127.0.0.1:" + gateway.port());
        env.put("ANTHROPIC_API_KEY", PROXY_KEY);
        env.put("DISABLE_TELEMETRY", "1");
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("DISABLE_AUTOUPDATER", "1");
        env.put("DISABLE_ERROR_REPORTING", "1");
        Path out = work.resolve(".stdout");
        Path err = work.resolve(".stderr");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            if (!process.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("claude did not finish within " + RUN_TIMEOUT + ": "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
        } finally {
            process.destroyForcibly();
        }
        Run run = new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        assertEquals(0, run.exitCode(), run::toString);
        return run;
    }

    /**
     * The CLI's path, installed into the user's cache by npm on first use. Skips the suite when npm
     * is missing or its registry unreachable; fails it when npm is there and the install fails.
     */
    private static Path install() throws Exception {
        Path prefix = Path.of(System.getProperty("user.home"), ".cache", "poolgate", "claude-code");
        Path bin = prefix.resolve("node_modules/.bin/claude");
        Path stamp = prefix.resolve("installed-" + CLAUDE_CODE.substring(CLAUDE_CODE.lastIndexOf('@') + 1));
        if (Files.isExecutable(bin) && Files.exists(stamp)) {
            return bin;
        }
        assumeTrue(onPath("npm") && onPath("node"), "npm and node are not on PATH: cannot install " + CLAUDE_CODE);
        Files.createDirectories(prefix);
        Run install = npm(prefix, "install", "--no-audit", "--no-fund", "--prefix", prefix.toString(), CLAUDE_CODE);
        if (install.exitCode() != 0) {
            Run ping = npm(prefix, "ping");
            assumeTrue(ping.exitCode() == 0, () -> "the npm registry is unreachable, so " + CLAUDE_CODE
                    + " cannot be installed: " + ping.stderr());
            throw new AssertionError("npm could not install " + CLAUDE_CODE + ": " + install);
        }
        assertTrue(Files.isExecutable(bin), "npm installed no " + bin);
        Files.writeString(stamp, CLAUDE_CODE);
        return bin;
    }

    private static Run npm(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("npm"));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("poolgate-npm", ".log");
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!process.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Run(-1, "", "npm " + args[0] + " did not finish within " + INSTALL_TIMEOUT);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            return new Run(process.exitValue(), output, output);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String directory : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }
}
