package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The start-up warning for JDKs whose HTTP server pins virtual threads on slow clients. */
@Timeout(10)
class JdkWarningTest {

    @Test
    void jdksBefore24AreWarnedAboutWithTheFix() {
        for (int feature : new int[] {21, 22, 23}) {
            String warning = GatewayServer.jdkWarning(feature);
            assertTrue(warning.startsWith("[STARTUP] Running on JDK " + feature + ":"), warning);
            assertTrue(warning.contains("run the gateway on JDK 24 or newer"), warning);
        }
    }

    @Test
    void jdk24AndNewerStartWithoutTheWarning() {
        assertNull(GatewayServer.jdkWarning(24));
        assertNull(GatewayServer.jdkWarning(25));
        assertNull(GatewayServer.jdkWarning(Runtime.version().feature()));
    }
}
