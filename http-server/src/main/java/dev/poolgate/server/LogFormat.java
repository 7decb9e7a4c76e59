package dev.poolgate.server;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Switches the log between its two formats ({@code --log-format}): text lines (set up by
 * {@link LogSetup} when logback starts) and JSON lines (set up here over them, by the same class).
 * Both write the same events to stderr; only the encoder differs.
 */
final class LogFormat {

    static final String TEXT = "text";
    static final String JSON = "json";

    private LogFormat() {
    }

    /** Applies {@code format} ("text" or "json") to the running log. */
    static void use(String format) {
        if (!TEXT.equals(format) && !JSON.equals(format)) {
            throw new IllegalArgumentException("format must be text or json, but was " + format);
        }
        if (TEXT.equals(format)) {
            return;
        }
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            // Another slf4j backend on the class path: it keeps its own format.
            LoggerFactory.getLogger(LogFormat.class).warn("[STARTUP] --log-format json needs logback; the log "
                    + "backend {} keeps its own format", factory.getClass().getName());
            return;
        }
        LogSetup.apply(context, true);
    }
}
