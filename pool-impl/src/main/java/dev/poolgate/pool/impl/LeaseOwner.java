package dev.poolgate.pool.impl;

import dev.poolgate.pool.PoolClosedException;
import java.time.Duration;

/** The pool that handed out a {@link PooledLease} and takes it back. */
interface LeaseOwner<T> {

    /** Checks the argument of {@code acquire(Duration)}: zero is allowed (take what is idle now, never wait). */
    static void checkTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be >= 0, but was " + timeout
                    + "; pass a positive duration, Duration.ZERO to take only an idle connection, or call acquire() "
                    + "for the configured acquireTimeout");
        }
    }

    /** Checks the argument of {@code acquireTimeout(Duration)}, a setting: it must be positive. */
    static void checkTimeoutSetting(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0, but was " + timeout
                    + "; pass a positive duration, e.g. Duration.ofSeconds(5)");
        }
    }

    /** The longest wait an acquire counts in nanoseconds; a longer timeout waits this long (100 years). */
    static final long MAX_WAIT_NANOS = Duration.ofDays(36_500).toNanos();

    /**
     * {@code timeout} in nanoseconds, at most {@link #MAX_WAIT_NANOS}: a caller who passes "forever"
     * (e.g. {@code Duration.ofSeconds(Long.MAX_VALUE)}) waits a century, not an overflow.
     */
    static long waitNanos(Duration timeout) {
        return timeout.compareTo(Duration.ofNanos(MAX_WAIT_NANOS)) > 0 ? MAX_WAIT_NANOS : timeout.toNanos();
    }

    /** The error of an acquire from a closed pool. */
    static PoolClosedException closed(String poolName) {
        return new PoolClosedException("The " + poolName + " pool is closed; no connection can be acquired from it "
                + "any more (create a new pool)");
    }

    /**
     * Ends the lease: returns its connection, or destroys it when {@code invalidate} is set.
     *
     * @throws IllegalStateException if the lease already ended (except a close after invalidate)
     */
    void end(PooledLease<T> lease, boolean invalidate);

    /** The pool's name, for error messages. */
    String name();
}
