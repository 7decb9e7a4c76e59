package dev.poolgate.pool.impl;

import java.time.Instant;

/**
 * The time source of a pool's maintenance: idle times, lifetimes, leak thresholds, health-check
 * rounds. Tests pass a manual clock and call {@link FairPool#maintain(long)} with its time, so
 * nothing time-dependent needs sleeping. Acquire timeouts always run on {@link System#nanoTime()},
 * because the waiting itself does.
 */
interface PoolClock {

    /** Monotonic nanoseconds, for durations only (as {@link System#nanoTime()}). */
    long nanoTime();

    /**
     * {@link #nanoTime()} to within about a millisecond, cheaper: for stamping each release (the
     * connection's last-use time). A manual clock gives its exact time.
     */
    default long coarseNanoTime() {
        return nanoTime();
    }

    /** The wall-clock time, for the instants a lease reports. */
    Instant instant();

    PoolClock SYSTEM = new PoolClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long coarseNanoTime() {
            return CoarseNanoClock.nanoTime();
        }

        @Override
        public Instant instant() {
            return Instant.now();
        }
    };
}
