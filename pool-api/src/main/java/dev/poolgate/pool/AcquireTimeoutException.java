package dev.poolgate.pool;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * No connection became available within the acquire timeout. The message carries the pool, the
 * timeout and the counts, e.g.
 * {@code Could not acquire Claude connection within 5.0s timeout (total=10, idle=0, in_use=10, waiting=7)};
 * the cause, if any, is the last failure to create a connection.
 */
public final class AcquireTimeoutException extends PoolException {

    private final String connectionName;
    private final transient Duration timeout;
    private final transient PoolStats stats;
    /**
     * The message, made on first use: callers that time out together (and catch the exception
     * without reading it) do not each format seconds and counts. Racy but safe: any thread makes
     * the same immutable string.
     */
    private String message;

    /**
     * @param connectionName the pool's {@link PoolConfig#connectionName()}
     * @param stats the pool when the acquire gave up
     * @param lastCreationFailure the last failure to create a connection, or null
     */
    public AcquireTimeoutException(String connectionName, Duration timeout, PoolStats stats,
            Throwable lastCreationFailure) {
        super(null, lastCreationFailure);
        Arguments.requireNonNull(connectionName, "connectionName", "pass PoolConfig.connectionName()");
        Arguments.requireNonNull(timeout, "timeout", "pass the timeout that passed");
        Arguments.requireNonNull(stats, "stats", "pass the pool's stats when the acquire gave up");
        this.connectionName = connectionName;
        this.timeout = timeout;
        this.stats = stats;
    }

    @Override
    public String getMessage() {
        String text = message;
        if (text == null && stats != null) {
            text = message(connectionName, timeout, stats);
            message = text;
        }
        return text;
    }

    /** Makes the message before the fields it is made of (transient) are left behind. */
    @Serial
    private void writeObject(ObjectOutputStream out) throws IOException {
        getMessage();
        out.defaultWriteObject();
    }

    /** The timeout that passed. */
    public Duration timeout() {
        return timeout;
    }

    /** The pool when the acquire gave up. */
    public PoolStats stats() {
        return stats;
    }

    private static String message(String connectionName, Duration timeout, PoolStats stats) {
        return "Could not acquire " + connectionName + " connection within " + seconds(timeout) + "s timeout (total="
                + stats.totalConnections() + ", idle=" + stats.availableConnections() + ", in_use="
                + stats.inUseConnections() + ", waiting=" + stats.waitingAcquirers() + ")";
    }

    /** Seconds with at least one decimal: 5.0, 0.25, 300.0. */
    private static String seconds(Duration duration) {
        BigDecimal seconds = BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros();
        return seconds.scale() < 1 ? seconds.setScale(1).toPlainString() : seconds.toPlainString();
    }
}
