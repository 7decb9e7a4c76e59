package dev.poolgate.server.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The timeouts record: validation that names the setting to fix, and the socket timeouts it derives. */
class UpstreamTimeoutsTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void aMissingOrNonPositiveTimeoutIsRefusedNamingItsSetting() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new UpstreamTimeouts(null, SECOND, SECOND));
        assertTrue(missing.getMessage().contains("--upstream-connect-timeout"), missing.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> new UpstreamTimeouts(SECOND, Duration.ZERO, SECOND));
        assertTrue(zero.getMessage().contains("--upstream-timeout"), zero.getMessage());
        assertTrue(zero.getMessage().contains("PT0S"), zero.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> new UpstreamTimeouts(SECOND, SECOND, Duration.ofMillis(-5)));
        assertTrue(negative.getMessage().contains("--upstream-read-timeout"), negative.getMessage());
    }

    @Test
    void socketTimeoutsAreWholeMillisecondsOfAtLeastOne() {
        UpstreamTimeouts timeouts = new UpstreamTimeouts(Duration.ofNanos(1), SECOND, Duration.ofDays(365 * 100));
        assertEquals(1, timeouts.connectMillis());
        assertEquals(Integer.MAX_VALUE, timeouts.readMillis());
        assertEquals(250, new UpstreamTimeouts(Duration.ofMillis(250), SECOND, SECOND).connectMillis());
    }
}
