package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A gateway reachable from other machines (bound to anything but a loopback address) without proxy
 * keys says so at start-up with a {@code [STARTUP]} warning; on loopback, or with keys, it does not.
 */
@Timeout(30)
class BindWarningTest {

    private static final String WARNING = "[STARTUP] Listening on ";

    /** The [STARTUP] lines of a gateway started with {@code flags} and closed again. */
    private static List<String> startupLines(String... flags) {
        try (LogCapture capture = LogCapture.start()) {
            Gateways.start(flags).close();
            return capture.linesStartingWith("[STARTUP]");
        }
    }

    @Test
    void aWildcardBindWithoutProxyKeysIsWarnedAbout() {
        List<String> lines = startupLines("--host", "0.0.0.0");

        List<String> warnings = lines.stream().filter(line -> line.startsWith(WARNING)).toList();
        assertEquals(List.of("[STARTUP] Listening on 0.0.0.0, beyond this machine, without proxy keys: anyone who "
                + "reaches it spends the upstream key; set POOLGATE_PROXY_API_KEYS (--proxy-api-keys) or bind "
                + "127.0.0.1 (--host)"), warnings, String.join("\n", lines));
    }

    @Test
    void aWildcardBindWithProxyKeysIsNotWarnedAbout() {
        List<String> lines = startupLines("--host", "0.0.0.0", "--proxy-api-keys", "k1");

        assertTrue(lines.stream().anyMatch(line -> line.startsWith("[STARTUP] Gateway listening on http://0.0.0.0:")),
                String.join("\n", lines));
        assertTrue(lines.stream().noneMatch(line -> line.startsWith(WARNING)), String.join("\n", lines));
    }

    @Test
    void loopbackBindsAreNotWarnedAbout() {
        for (String host : List.of("127.0.0.1", "localhost")) {
            List<String> lines = startupLines("--host", host);

            assertTrue(lines.stream().anyMatch(line -> line.startsWith("[STARTUP] Gateway listening on")),
                    String.join("\n", lines));
            assertTrue(lines.stream().noneMatch(line -> line.startsWith(WARNING)), host + ": " + lines);
        }
        List<String> byDefault = startupLines();
        assertTrue(byDefault.stream().anyMatch(line -> line.startsWith(
                "[STARTUP] Gateway listening on http://127.0.0.1:")), String.join("\n", byDefault));
        assertTrue(byDefault.stream().noneMatch(line -> line.startsWith(WARNING)), String.join("\n", byDefault));
    }
}
