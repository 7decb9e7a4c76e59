package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The console appender writes each line as logback's own would, without preparing events for deferral. */
class LineAppenderTest {

    /** An event that notes whether anyone prepared it for deferred processing. */
    private static final class WatchedEvent extends LoggingEvent {
        boolean prepared;

        WatchedEvent(LoggerContext context, String message, Object... args) {
            super(LineAppenderTest.class.getName(), context.getLogger("test"), Level.INFO, message, null, args);
        }

        @Override
        public void prepareForDeferredProcessing() {
            prepared = true;
            super.prepareForDeferredProcessing();
        }
    }

    /** A started appender with a pattern encoder, writing to {@code out}. */
    private static LineAppender started(LoggerContext context, String pattern, ByteArrayOutputStream out) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        LineAppender appender = new LineAppender();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();
        appender.setOutputStream(out);
        return appender;
    }

    @Test
    void writesTheFormattedLineWithoutPreparingTheEventForDeferral() {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineAppender appender = started(context, "%level %msg%n", out);

        WatchedEvent first = new WatchedEvent(context, "[POOL] Reusing existing connection {} (use_count: {})", "ab12", 3);
        WatchedEvent second = new WatchedEvent(context, "[API] Done");
        appender.doAppend(first);
        appender.doAppend(second);

        assertEquals("INFO [POOL] Reusing existing connection ab12 (use_count: 3)\nINFO [API] Done\n",
                out.toString(StandardCharsets.UTF_8));
        assertFalse(first.prepared || second.prepared, "the line is encoded at once: nothing to defer");
        appender.stop();
    }

    @Test
    void writesNothingOnceStopped() {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineAppender appender = started(context, "%msg%n", out);
        appender.stop();
        appender.doAppend(new WatchedEvent(context, "late"));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
