package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.status.NopStatusListener;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The log configuration in code: the same appender, pattern and levels as the XML files it
 * replaced, the level settings of earlier versions, and an explicit logback file still winning.
 */
class LogSetupTest {

    private static final String[] SETTINGS = {"poolgate.log.level", "org.slf4j.simpleLogger.defaultLogLevel",
            "org.slf4j.simpleLogger.log.dev.poolgate.pool", "org.slf4j.simpleLogger.log.dev.poolgate.server.api",
            "org.slf4j.simpleLogger.log.dev.poolgate.server.access", "logback.configurationFile"};

    @Test
    void textLinesToStderrAtInfoByDefault() {
        LoggerContext context = configured(Map.of(), false);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.INFO, root.getLevel());
        LineAppender appender = assertInstanceOf(LineAppender.class, root.getAppender("STDERR"));
        assertTrue(appender.isStarted());
        assertEquals("System.err", appender.getTarget());
        assertInstanceOf(LineEncoder.class, appender.getEncoder());
        assertEquals("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %level %msg%n", LogSetup.TEXT_PATTERN);
        for (String name : new String[] {"dev.poolgate.pool", "dev.poolgate.server.api", "dev.poolgate.server.access"}) {
            assertNull(context.getLogger(name).getLevel(), name + " follows the root's level");
        }
        assertTrue(context.getStatusManager().getCopyOfStatusListenerList().stream()
                .anyMatch(NopStatusListener.class::isInstance), "logback's own status lines stay quiet");
    }

    @Test
    void jsonLinesUseLogbacksJsonEncoder() {
        LoggerContext context = configured(Map.of(), true);
        LineAppender appender = (LineAppender) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        assertInstanceOf(JsonEncoder.class, appender.getEncoder());
    }

    @Test
    void theLevelSettingsOfThisAndEarlierVersionsApply() {
        LoggerContext context = configured(Map.of("poolgate.log.level", "warn",
                "org.slf4j.simpleLogger.log.dev.poolgate.server.access", "error",
                "org.slf4j.simpleLogger.log.dev.poolgate.pool", "INHERITED"), false);
        assertEquals(Level.WARN, context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel());
        assertEquals(Level.ERROR, context.getLogger("dev.poolgate.server.access").getLevel());
        assertNull(context.getLogger("dev.poolgate.pool").getLevel());

        LoggerContext older = configured(Map.of("org.slf4j.simpleLogger.defaultLogLevel", "error"), false);
        assertEquals(Level.ERROR, older.getLogger(Logger.ROOT_LOGGER_NAME).getLevel());
    }

    @Test
    void anExplicitLogbackFileWins() {
        withSettings(Map.of("logback.configurationFile", "/somewhere/logback.xml"), () -> {
            LogSetup setup = new LogSetup();
            LoggerContext context = new LoggerContext();
            setup.setContext(context);
            assertEquals(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY, setup.configure(context));
            assertNull(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR"), "nothing set up");
        });
        LogSetup setup = new LogSetup();
        LoggerContext context = new LoggerContext();
        setup.setContext(context);
        withSettings(Map.of(), () -> assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY,
                setup.configure(context)));
    }

    private static LoggerContext configured(Map<String, String> settings, boolean json) {
        LoggerContext context = new LoggerContext();
        withSettings(settings, () -> LogSetup.apply(context, json));
        return context;
    }

    /** Runs {@code action} with exactly {@code settings} among the log's system properties, then restores them. */
    private static void withSettings(Map<String, String> settings, Runnable action) {
        Map<String, String> saved = new HashMap<>();
        for (String name : SETTINGS) {
            String value = System.getProperty(name);
            if (value != null) {
                saved.put(name, value);
            }
            System.clearProperty(name);
        }
        settings.forEach(System::setProperty);
        try {
            action.run();
        } finally {
            for (String name : SETTINGS) {
                System.clearProperty(name);
            }
            saved.forEach(System::setProperty);
        }
    }
}
