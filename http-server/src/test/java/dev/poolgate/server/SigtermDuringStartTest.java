package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A SIGTERM that comes while the gateway starts is a shutdown like any other: the start ends,
 * then the gateway drains and closes with its [SHUTDOWN] lines (the shutdown hook is in place
 * before the start begins, so the JVM does not exit past it).
 */
@Timeout(120)
class SigtermDuringStartTest {

    @Test
    void aSigtermDuringTheStartClosesTheGatewayWithItsShutdownLines() {
        try (ServerProcess server = ServerProcess.start(List.of(), List.of("--port", "0", "--upstream", "stub"),
                Map.of())) {
            Await.until("the start has begun", Duration.ofSeconds(60), () -> server.lines().stream()
                    .anyMatch(line -> line.contains("[STARTUP] Configuring connection pool manager...")));
            server.terminate();
            int status = server.awaitExit(Duration.ofSeconds(60));
            List<String> lines = server.lines();
            assertEquals(143, status, () -> String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(line -> line.contains("[SHUTDOWN] Shutting down Claude connection pool...")),
                    () -> "the shutdown was logged:\n" + String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(line -> line.contains("[SHUTDOWN] Claude connection pool shut down "
                    + "successfully")), () -> "the shutdown completed:\n" + String.join("\n", lines));
        }
    }
}
