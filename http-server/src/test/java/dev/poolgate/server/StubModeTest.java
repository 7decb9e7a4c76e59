package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.config.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The embedded stub's fake answers are served only when asked for with {@code --upstream stub},
 * which says so in a {@code [STARTUP]} warning; with no upstream configured the gateway refuses to
 * start, on a loopback or any other address, with a message that names the fix.
 */
@Timeout(60)
class StubModeTest {

    @Test
    void noUpstreamConfiguredIsAStartUpErrorNamingTheFix() {
        for (String host : List.of("127.0.0.1", "0.0.0.0")) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> Gateway.start(Settings.parse(new String[] {"--port", "0", "--host", host}, Map.of())));
            assertEquals(Settings.NO_UPSTREAM, error.getMessage());
            assertTrue(error.getMessage().contains("ANTHROPIC_API_KEY")
                    && error.getMessage().contains("--upstream stub"), error.getMessage());
        }
    }

    @Test
    void aPublicBindWithNoUpstreamExitsWithTheFixInItsOutput() {
        try (ServerProcess server = ServerProcess.start(List.of(), List.of("--port", "0", "--host", "0.0.0.0"),
                Map.of())) {
            int exit = server.awaitExit(Duration.ofSeconds(30));
            assertNotEquals(0, exit);
            assertTrue(server.lines().stream().anyMatch(line -> line.contains("[STARTUP] The gateway could not start: "
                    + Settings.NO_UPSTREAM)), String.join("\n", server.lines()));
        }
    }

    @Test
    void upstreamStubRunsTheEmbeddedStubAndWarnsThatItsAnswersAreFake() {
        try (LogCapture log = LogCapture.start(); Gateway gateway = Gateways.start("--upstream", "stub")) {
            assertTrue(gateway.embeddedStub() != null);
            List<String> warnings = log.linesStartingWith("[STARTUP] Forwarding to the embedded stub backend at ");
            assertEquals(1, warnings.size(), log.text());
            assertTrue(warnings.get(0).endsWith("(--upstream stub): its answers are fake; set ANTHROPIC_API_KEY to "
                    + "reach the real API"), warnings.get(0));
            assertTrue(log.rawLines().stream().anyMatch(line -> line.contains(" WARN [STARTUP] Forwarding to the "
                    + "embedded stub")), "logged at WARN level");
        }
    }
}
