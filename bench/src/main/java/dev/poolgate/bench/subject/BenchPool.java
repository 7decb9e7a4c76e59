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
