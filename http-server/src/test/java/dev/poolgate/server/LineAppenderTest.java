package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import dev.poolgate.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The console appender writes each line as logback's own would, without preparing events for
 * deferral, and batches lines below WARN without losing or reordering any.
 */
class LineAppenderTest {

    /** An event that notes whether anyone prepared it for deferred processing. */
    private static final class WatchedEvent extends LoggingEvent {
        boolean prepared;

        WatchedEvent(LoggerContext context, String message, Object... args) {
            this(context, Level.INFO, message, args);
        }

        WatchedEvent(LoggerContext context, Level level, String message, Object... args) {
            super(LineAppenderTest.class.getName(), context.getLogger("test"), level, message, null, args);
        }

        @Override
        public void prepareForDeferredProcessing() {
            prepared = true;
            super.prepareForDeferredProcessing();
        }
    }

    /** Long enough that only the test writes the buffer in a test's time. */
    private static final Duration NEVER = Duration.ofHours(1);

    /** A started appender with a pattern encoder, writing to {@code out}, flushing every {@code interval}. */
    private static LineAppender started(LoggerContext context, String pattern, OutputStream out, Duration interval) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        LineAppender appender = new LineAppender();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setFlushInterval(interval);
        appender.start();
        appender.setOutputStream(out);
        return appender;
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void writesTheFormattedLineWithoutPreparingTheEventForDeferral() {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineAppender appender = started(context, "%level %msg%n", out, Duration.ZERO);

        WatchedEvent first = new WatchedEvent(context, "[POOL] Reusing existing connection {} (use_count: {})", "ab12", 3);
        WatchedEvent second = new WatchedEvent(context, "[API] Done");
        appender.doAppend(first);
        appender.doAppend(second);

        assertEquals("INFO [POOL] Reusing existing connection ab12 (use_count: 3)\nINFO [API] Done\n", text(out),
                "a flush interval of 0 writes every line at once");
        assertFalse(first.prepared || second.prepared, "the line is encoded at once: nothing to defer");
        appender.stop();
    }

    @Test
    void infoLinesWaitInTheBufferUntilFlushed() {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineAppender appender = started(context, "%msg%n", out, NEVER);
        appender.doAppend(new WatchedEvent(context, "one"));
        appender.doAppend(new WatchedEvent(context, "two"));
        assertEquals("", text(out), "buffered, not written one by one");
        appender.flush();
        assertEquals("one\ntwo\n", text(out));
        appender.stop();
    }

    @Test
    void theWriterThreadWritesTheBatchWithinTheFlushInterval() {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineAppender appender = started(context, "%msg%n", out, Duration.ofMillis(10));
        appender.doAppend(new WatchedEvent(context, "first batch"));
        Await.until("the first batch written", Duration.ofSeconds(10), () -> text(out).equals("first batch\n"));
        appender.doAppend(new WatchedEvent(context, "second batch"));
        Await.until("the second batch written", Duration.ofSeconds(10),
                () -> text(out).equals("first batch\nsecond batch\n"));
        appender.stop();
    }

    @Test
    void aWarningIsWrittenAtOnceAfterTheLinesBufferedBeforeIt() {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineAppender appender = started(context, "%level %msg%n", out, NEVER);
        appender.doAppend(new WatchedEvent(context, "before"));
        appender.doAppend(new WatchedEvent(context, Level.WARN, "careful"));
        assertEquals("INFO before\nWARN careful\n", text(out));
        appender.doAppend(new WatchedEvent(context, Level.ERROR, "broken"));
        assertEquals("INFO before\nWARN careful\nERROR broken\n", text(out));
        appender.stop();
    }

    @Test
    void aFullBufferIsWrittenByTheLoggingThreadAndNothingIsDropped() {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineAppender appender = started(context, "%msg%n", out, NEVER);
        String filler = "x".repeat(1000);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200; i++) { // 200 KB through a 64 KiB buffer
            appender.doAppend(new WatchedEvent(context, "{} {}", i, filler));
            expected.append(i).append(' ').append(filler).append('\n');
        }
        assertTrue(text(out).length() > 100_000, "full buffers were written without waiting for the writer");
        String huge = "y".repeat(100_000); // larger than the buffer: written at once, after what is buffered
        appender.doAppend(new WatchedEvent(context, huge));
        expected.append(huge).append('\n');
        assertEquals(expected.toString(), text(out));
        appender.stop();
    }

    @Test
    void stoppingWritesWhatIsBuffered() {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineAppender appender = started(context, "%msg%n", out, NEVER);
        appender.doAppend(new WatchedEvent(context, "last words"));
        appender.stop();
        assertEquals("last words\n", text(out));
    }

    @Test
    void linesFromManyThreadsAllArriveWholeAndInEachThreadsOrder() throws Exception {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineAppender appender = started(context, "%msg%n", out, Duration.ofMillis(1));
        int threads = 64;
        int perThread = 500;
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Runnable logger = () -> {
                for (int i = 0; i < perThread; i++) {
                    // Now and then a warning, which writes at once and must keep its place.
                    appender.doAppend(new WatchedEvent(context, i % 97 == 0 ? Level.WARN : Level.INFO, "{} {}", id, i));
                }
            };
            started.add(t % 2 == 0 ? Thread.ofVirtual().start(logger) : Thread.ofPlatform().start(logger));
        }
        for (Thread thread : started) {
            thread.join();
        }
        appender.stop();
        int[] next = new int[threads];
        AtomicInteger lines = new AtomicInteger();
        text(out).lines().forEach(line -> {
            String[] parts = line.split(" ");
            int id = Integer.parseInt(parts[0]);
            assertEquals(next[id], Integer.parseInt(parts[1]), "thread " + id + "'s lines in order, none lost");
            next[id]++;
            lines.incrementAndGet();
        });
        assertEquals(threads * perThread, lines.get());
    }

    @Test
    void writesNothingOnceStopped() {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineAppender appender = started(context, "%msg%n", out, NEVER);
        appender.stop();
        appender.doAppend(new WatchedEvent(context, "late"));
        assertEquals("", text(out));
    }

    @Test
    void aNegativeFlushIntervalIsRefusedWithTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LineAppender().setFlushInterval(Duration.ofMillis(-1)));
        assertTrue(e.getMessage().contains("0 or more"), e.getMessage());
    }

    @Test
    void theFlushIntervalSetting() {
        assertEquals(Duration.ofMillis(LineAppender.DEFAULT_FLUSH_MS), LogSetup.flushInterval(null));
        assertEquals(Duration.ZERO, LogSetup.flushInterval("0"));
        assertEquals(Duration.ofMillis(20), LogSetup.flushInterval(" 20 "));
        assertEquals(Duration.ofMillis(LineAppender.DEFAULT_FLUSH_MS), LogSetup.flushInterval("-3"));
        assertEquals(Duration.ofMillis(LineAppender.DEFAULT_FLUSH_MS), LogSetup.flushInterval("5s"));
        assertEquals(Duration.ofMillis(LineAppender.DEFAULT_FLUSH_MS), LogSetup.flushInterval("100000"));
    }
}
