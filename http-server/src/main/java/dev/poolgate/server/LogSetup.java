package dev.poolgate.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import java.time.Duration;

/**
 * The gateway's log configuration, in code. Logback finds it through the service loader
 * ({@code META-INF/services}) and runs it instead of reading an XML file, which cost a few tens of
 * milliseconds of every start (docs/performance.md). What it sets up:
 * <ul>
 *   <li>one appender, {@link LineAppender}, writing every event as one line to stderr: in the text
 *       format the date, the level and the message ({@value #TEXT_PATTERN}, written by
 *       {@link LineEncoder}); in the json format
 *       one object per line from logback's own {@link JsonEncoder} (timestamp, level, logger name,
 *       the formatted message, its arguments, the key-value pairs of {@code [ACCESS]} lines and
 *       the throwable);
 *   <li>batched writing of lines below WARN, {@code -Dpoolgate.log.flush-ms} (default 5, 0 writes
 *       every line at once; see {@link LineAppender});
 *   <li>levels: {@code -Dpoolgate.log.level} for all (default INFO); the slf4j-simple properties of
 *       earlier versions still work ({@code -Dorg.slf4j.simpleLogger.defaultLogLevel}, and per logger
 *       {@code -Dorg.slf4j.simpleLogger.log.dev.poolgate.pool}, {@code ...server.api},
 *       {@code ...server.access});
 *   <li>no status lines of logback's own.
 * </ul>
 * A {@code -Dlogback.configurationFile}, or a {@code logback-test.xml} on the class path, still
 * wins: then this steps aside and logback reads that file as usual.
 *
 * <p>It carries no {@code @ConfiguratorRank}: logback runs the configurators it finds as services
 * before its own whatever their rank (the rank only orders several found ones, and the gateway's
 * jar has one), and reading the annotation made the JDK generate two proxy classes at every start.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {

    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %level %msg%n";
    /** The longest flush interval accepted: a line should reach the log within a second. */
    static final long MAX_FLUSH_MS = 1000;
    private static final String SIMPLE_LOGGER = "org.slf4j.simpleLogger.log.";
    private static final String[] TUNED_LOGGERS = {"dev.poolgate.pool", "dev.poolgate.server.api",
            "dev.poolgate.server.access"};

    /** Created by logback's service loader. */
    public LogSetup() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context, false);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Configures {@code context} from scratch: text lines, or JSON lines if {@code json}. */
    static void apply(LoggerContext context, boolean json) {
        context.reset();
        context.getStatusManager().add(new NopStatusListener());

        LineAppender appender = new LineAppender();
        appender.setContext(context);
        appender.setName("STDERR");
        appender.setTarget("System.err");
        appender.setEncoder(json ? jsonEncoder(context) : textEncoder(context));
        appender.setFlushInterval(flushInterval(setting(LineAppender.FLUSH_MS_SETTING)));
        appender.start();

        for (String name : TUNED_LOGGERS) {
            String level = setting(SIMPLE_LOGGER + name);
            // Unset or INHERITED: the logger follows the root's level.
            context.getLogger(name).setLevel(level == null || level.equalsIgnoreCase("INHERITED")
                    || level.equalsIgnoreCase("NULL") ? null : Level.toLevel(level, Level.DEBUG));
        }
        String rootLevel = setting("poolgate.log.level");
        if (rootLevel == null) {
            rootLevel = setting("org.slf4j.simpleLogger.defaultLogLevel");
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel == null ? Level.INFO : Level.toLevel(rootLevel, Level.DEBUG));
        root.addAppender(appender);
    }

    /** The lines of {@value #TEXT_PATTERN}, as logback's pattern encoder writes them, built by {@link LineEncoder}. */
    private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
        LineEncoder encoder = new LineEncoder();
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }

    private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithThreadName(false);
        encoder.setWithContext(false);
        encoder.setWithMDC(false);
        encoder.setWithMessage(false);
        encoder.setWithFormattedMessage(true);
        encoder.setWithArguments(true);
        encoder.start();
        return encoder;
    }

    /** The log's flush interval from its setting: whole milliseconds, 0 or more; the default when unset. */
    static Duration flushInterval(String setting) {
        if (setting == null || setting.isBlank()) {
            return Duration.ofMillis(LineAppender.DEFAULT_FLUSH_MS);
        }
        try {
            long millis = Long.parseLong(setting.strip());
            if (millis >= 0 && millis <= MAX_FLUSH_MS) {
                return Duration.ofMillis(millis);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        // Logback calls this while the first logger is made: a line on stderr, and the default, is what can be done.
        System.err.println("poolgate: " + LineAppender.FLUSH_MS_SETTING + "=" + setting + " is not a whole number of"
                + " milliseconds from 0 to " + MAX_FLUSH_MS + " (0 writes every line at once); using "
                + LineAppender.DEFAULT_FLUSH_MS);
        return Duration.ofMillis(LineAppender.DEFAULT_FLUSH_MS);
    }

    /** A setting as logback's XML read it: a system property, else an environment variable. */
    private static String setting(String name) {
        String value = System.getProperty(name);
        return value != null ? value : System.getenv(name);
    }
}
