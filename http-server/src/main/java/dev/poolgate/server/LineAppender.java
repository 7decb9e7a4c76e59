package dev.poolgate.server;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.ErrorStatus;
import java.io.IOException;

/**
 * The gateway's console appender: logback's {@link ConsoleAppender}, minus the preparation of each
 * event for deferred processing. The encoder formats the line at once, on the logging thread, so
 * nothing is deferred; skipping that step saves finding the thread's name (by reflection, for a
 * virtual thread) and copying the MDC for every line, about 5% of the gateway's CPU under load
 * (docs/performance.md). Lines, their order and their bytes are the same.
 */
public final class LineAppender extends ConsoleAppender<ILoggingEvent> {

    @Override
    protected void subAppend(ILoggingEvent event) {
        if (!isStarted()) {
            return;
        }
        try {
            writeOut(event);
        } catch (IOException e) {
            started = false;
            addStatus(new ErrorStatus("IO failure in appender", this, e));
        }
    }
}
