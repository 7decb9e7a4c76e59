package dev.poolgate.bench.subject;

import java.time.Duration;

/**
 * One pool under test, as JMH and the virtual-thread harness see it: acquire a handle, release it.
 * Each adapter does the least its library needs for a pool of do-nothing objects, so the figures
 * measure the pool and nothing around it.
 */
public interface BenchPool extends AutoCloseable {

    /**
     * Acquires a handle, waiting at most {@link #timeout()}.
     *
     * @return the handle, or null if the timeout passed first
     */
    Object acquire() throws InterruptedException;

    /**
     * The connection the caller uses through {@code handle}: what a zero-hold cycle hands to JMH's
     * {@code Blackhole}. For most pools the handle is that object; where it wraps it (a lease, a
     * claimed slot) the wrapper is the pool's own affair, and consuming it would make it escape
     * whatever the pool does.
     */
    default Object connection(Object handle) {
        return handle;
    }

    /** Returns a handle that {@link #acquire()} gave this thread. */
    void release(Object handle);

    /**
     * The acquire timeout in force: the one asked for, or the library's floor if it accepts no
     * shorter one (HikariCP: 250 ms).
     */
    Duration timeout();

    @Override
    void close();
}
