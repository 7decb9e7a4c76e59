package dev.poolgate.server;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Switches the log between its two formats ({@code --log-format}): text lines (logback.xml, read
 * by logback at start-up) and JSON lines (logback-json.xml, loaded here over it). Both write the
 * same events to stderr; only the encoder differs.
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
        URL config = LogFormat.class.getResource("/logback-json.xml");
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        context.reset();
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("logback-json.xml in the gateway's jar could not be loaded", e);
        }
    }
}
