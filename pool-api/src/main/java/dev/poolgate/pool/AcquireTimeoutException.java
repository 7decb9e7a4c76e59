package dev.poolgate.pool;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * No connection became available within the acquire timeout. The message carries the pool, the
 * timeout and the counts, e.g.
 * {@code Could not acquire Claude connection within 5.0s timeout (total=10, idle=0, in_use=10, waiting=7)};
 * the cause, if any, is the last failure to create a connection.
 */
public final class AcquireTimeoutException extends PoolException {

    private final transient Duration timeout;
    private final transient PoolStats stats;

    /**
     * @param connectionName the pool's {@link PoolConfig#connectionName()}
     * @param stats the pool when the acquire gave up
     * @param lastCreationFailure the last failure to create a connection, or null
     */
    public AcquireTimeoutException(String connectionName, Duration timeout, PoolStats stats,
            Throwable lastCreationFailure) {
        super(message(connectionName, timeout, stats), lastCreationFailure);
        this.timeout = timeout;
        this.stats = stats;
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
        Arguments.requireNonNull(connectionName, "connectionName", "pass PoolConfig.connectionName()");
        Arguments.requireNonNull(timeout, "timeout", "pass the timeout that passed");
        Arguments.requireNonNull(stats, "stats", "pass the pool's stats when the acquire gave up");
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
