package dev.poolgate.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import dev.poolgate.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Captures the server's log while it is open. The gateway's appender writes to {@code System.err}
 * and looks the stream up again for every write, so replacing {@code System.err} is enough, once
 * the appender's buffer is written ({@link #flushLog()}, before every read). Lines still reach the original
 * stream too. Each captured line is reduced to its message from the first catalogue prefix on
 * ({@code [STARTUP]}, {@code [POOL]}, ...), without the date and level slf4j-simple puts before it.
 */
final class LogCapture implements AutoCloseable {

    private static final Pattern PREFIX = Pattern.compile("\\[(STARTUP|SHUTDOWN|POOL|POOL_MANAGER|API|STUB)\\] .*");

    private final PrintStream original;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private LogCapture() {
        original = System.err;
    }

    /** Starts capturing. */
    static LogCapture start() {
        LogCapture capture = new LogCapture();
        System.setErr(new PrintStream(new Tee(capture.original, capture.captured), true, StandardCharsets.UTF_8));
        return capture;
    }

    /** Every captured line, as written. */
    List<String> rawLines() {
        flushLog();
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** The catalogue messages captured so far, in order: each line from its prefix on. */
    List<String> lines() {
        return rawLines().stream()
                .map(line -> {
                    Matcher matcher = PREFIX.matcher(line);
                    return matcher.find() ? matcher.group() : null;
                })
                .filter(line -> line != null)
                .toList();
    }

    /** The messages that start with {@code prefix}. */
    List<String> linesStartingWith(String prefix) {
        return lines().stream().filter(line -> line.startsWith(prefix)).toList();
    }

    /** The messages matching {@code regex} (whole line). */
    List<Matcher> matching(String regex) {
        Pattern pattern = Pattern.compile(regex);
        return lines().stream().map(pattern::matcher).filter(Matcher::matches).toList();
    }

    /** Waits until at least {@code count} messages match {@code regex}; returns them. */
    List<Matcher> awaitMatching(String regex, int count, Duration timeout) {
        return Await.until(count + " log lines matching " + regex, timeout, () -> matching(regex),
                found -> found.size() >= count);
    }

    /** Everything captured, for failure messages. */
    String text() {
        return String.join("\n", lines());
    }

    @Override
    public void close() {
        flushLog();
        System.err.flush();
        System.setErr(original);
    }

    /**
     * Writes the lines the gateway's appender holds in its buffer (lines below WARN wait there up
     * to the flush interval), so that a test reads every line logged before it asks.
     */
    static void flushLog() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR") instanceof LineAppender appender) {
            appender.flush();
        }
    }

    /** Writes to the original stream and to the capture buffer. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final ByteArrayOutputStream second;

        Tee(OutputStream first, ByteArrayOutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) {
            synchronized (second) {
                second.write(b);
            }
            writeFirst(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            synchronized (second) {
                second.write(bytes, offset, length);
            }
            writeFirst(bytes, offset, length);
        }

        private void writeFirst(byte[] bytes, int offset, int length) {
            try {
                first.write(bytes, offset, length);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void flush() throws java.io.IOException {
            first.flush();
        }
    }
}
