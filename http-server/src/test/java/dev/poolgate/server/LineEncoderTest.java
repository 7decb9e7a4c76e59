package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

/** The text format's encoder writes the bytes logback's pattern encoder writes for the same pattern. */
class LineEncoderTest {

    @Test
    void sameBytesAsThePatternEncoder() {
        for (String zone : new String[] {"UTC", "Europe/Paris", "America/St_Johns", "Asia/Kolkata"}) {
            TimeZone saved = TimeZone.getDefault();
            TimeZone.setDefault(TimeZone.getTimeZone(zone));
            try {
                compare(zone);
            } finally {
                TimeZone.setDefault(saved);
            }
        }
    }

    private static void compare(String zone) {
        LoggerContext context = new LoggerContext();
        PatternLayoutEncoder reference = new PatternLayoutEncoder();
        reference.setContext(context);
        reference.setPattern(LogSetup.TEXT_PATTERN);
        reference.start();
        LineEncoder encoder = new LineEncoder();
        encoder.setContext(context);
        encoder.start();
        Logger logger = context.getLogger("dev.poolgate.pool");

        List<LoggingEvent> events = new ArrayList<>();
        long[] times = {0L, 5L, 99L, 999L, 1_000L, 1_796_345_256_365L, 1_796_345_256_007L, 1_796_345_257_070L,
                1_711_846_799_999L, 1_711_846_800_000L, 253_402_300_799_999L, -1L, -1_001L};
        Object[][] arguments = {{"Claude instance", 2, 10}, {}, {null}, {"ü€ — 日本", 3}};
        String[] messages = {"[POOL] Initializing {} pool (min={}, max={})", "[ACCESS] no arguments", "[API] {}",
                "[POOL] {} {} and more"};
        Level[] levels = {Level.INFO, Level.WARN, Level.ERROR, Level.DEBUG};
        for (long time : times) {
            for (int i = 0; i < messages.length; i++) {
                LoggingEvent event = new LoggingEvent("test", logger, levels[i], messages[i], null, arguments[i]);
                event.setTimeStamp(time);
                events.add(event);
            }
        }
        LoggingEvent failure = new LoggingEvent("test", logger, Level.WARN, "[POOL] Pool listener {} failed",
                new IllegalStateException("on purpose", new RuntimeException("cause")), new Object[] {"x"});
        failure.setTimeStamp(1_796_345_256_365L);
        events.add(failure);
        LoggingEvent nullMessage = new LoggingEvent("test", logger, Level.INFO, null, null, null);
        nullMessage.setTimeStamp(12_345L);
        events.add(nullMessage);

        for (LoggingEvent event : events) {
            assertEquals(new String(reference.encode(event), StandardCharsets.UTF_8),
                    new String(encoder.encode(event), StandardCharsets.UTF_8), zone + ", " + event);
        }
    }
}
