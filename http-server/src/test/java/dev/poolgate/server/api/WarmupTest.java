package dev.poolgate.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import dev.poolgate.server.LineAppender;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The start-up warm-up runs on a daemon thread of its own, ends, and says nothing. */
class WarmupTest {

    @Test
    void runsOnADaemonThreadAndEnds() throws InterruptedException {
        Thread thread = Warmup.start();
        assertEquals(Warmup.THREAD_NAME, thread.getName());
        assertTrue(thread.isDaemon(), "a start-up helper never keeps the JVM alive");
        assertTrue(thread.join(Duration.ofSeconds(30)), "the warm-up ends");
    }

    @Test
    void theTlsContextIsSetUpOnADaemonThreadOfItsOwn() throws Exception {
        Thread thread = Warmup.startTls();
        assertTrue(thread.isDaemon());
        assertTrue(thread.join(Duration.ofSeconds(30)), "the TLS warm-up ends");
        assertTrue(javax.net.ssl.SSLContext.getDefault() != null);
    }

    @Test
    void writesNothing() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(written, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            Warmup.run();
            // A line the warm-up logged below WARN would wait in the log's buffer: write it now.
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context && context
                    .getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR") instanceof LineAppender appender) {
                appender.flush();
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertFalse(written.size() > 0, "the log contract has no warm-up lines: " + written);
    }
}
