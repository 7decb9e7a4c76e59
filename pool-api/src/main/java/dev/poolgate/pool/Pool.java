package dev.poolgate.pool;

import java.time.Duration;
import java.util.Objects;

/**
 * A pool of reusable connections of type {@code T}.
 *
 * <p>A caller {@linkplain #acquire() acquires} a {@link Lease}, uses its connection, and returns
 * it with {@link Lease#close()}, best in a try-with-resources block. A connection that failed
 * while in use is {@linkplain Lease#invalidate() invalidated} instead, so that it is destroyed
 * rather than handed to the next caller.
 *
 * {@snippet :
 * try (Pool<HttpClient> pool = Pool.create(PoolConfig.builder().maxSize(4).build(), factory);
 *      Lease<HttpClient> lease = pool.acquire()) {
 *     send(lease.connection());
 * }
 * }
 *
 * <p>Implementations are thread-safe and fair: acquirers that have to wait are served in arrival
 * order. A pool is created by {@link #create(PoolConfig, ConnectionFactory)}, which finds the
 * implementation ({@code pool-impl}) through {@link java.util.ServiceLoader}.
 *
 * @param <T> the type of the pooled connections
 */
public interface Pool<T> extends AutoCloseable {

    /**
     * Creates a pool and, when pooling is enabled, its minimum of connections before returning.
     *
     * @throws IllegalArgumentException if an argument is null
     * @throws IllegalStateException if no implementation is on the class path or module path
     */
    static <T> Pool<T> create(PoolConfig config, ConnectionFactory<T> factory) {
        return create(config, factory, PoolListener.NONE);
    }

    /**
     * Creates a pool that also reports its {@linkplain PoolEvent events} to {@code listener}
     * (the pool's own log lines are written either way).
     *
     * @throws IllegalArgumentException if an argument is null
     * @throws IllegalStateException if no implementation is on the class path or module path
     */
    static <T> Pool<T> create(PoolConfig config, ConnectionFactory<T> factory, PoolListener listener) {
        Arguments.requireNonNull(config, "config", "pass a PoolConfig, e.g. PoolConfig.defaults()");
        Arguments.requireNonNull(factory, "factory", "pass the ConnectionFactory that creates the connections");
        Arguments.requireNonNull(listener, "listener", "pass PoolListener.NONE to observe nothing");
        return Objects.requireNonNull(PoolProvider.installed().create(config, factory, listener),
                "the PoolProvider returned no pool");
    }

    /**
     * Acquires a connection, waiting at most the configured {@link PoolConfig#acquireTimeout()}.
     *
     * @throws AcquireTimeoutException if none became available in time
     * @throws PoolClosedException if the pool is closed, or closes while the caller waits
     * @throws AcquireInterruptedException if the thread is interrupted while waiting (its
     *         interrupt flag is set again)
     * @throws ConnectionCreationException if pooling is disabled and the fresh connection could
     *         not be created
     */
    Lease<T> acquire();

    /**
     * Acquires a connection, waiting at most {@code timeout}. {@link Duration#ZERO} never waits:
     * it takes a connection that is idle now, or fails with {@link AcquireTimeoutException}
     * (with pooling disabled, where nothing is ever idle, it always fails).
     *
     * @throws IllegalArgumentException if {@code timeout} is null or negative
     * @see #acquire()
     */
    Lease<T> acquire(Duration timeout);

    /**
     * Changes the pool's minimum and maximum while it runs (operators do it through
     * {@link PoolManagement}): a higher maximum or minimum creates what waiters or the minimum
     * need at once; a lower maximum closes idle connections above it at once and busy ones when
     * they come back. The other settings stay as configured.
     *
     * @throws IllegalArgumentException for sizes {@link PoolConfig} refuses (the message names the fix)
     * @throws UnsupportedOperationException from a pool that cannot change its sizes
     */
    default void resize(int minSize, int maxSize) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot change its sizes while it runs");
    }

    /**
     * Changes how long {@link #acquire()} waits, while the pool runs.
     *
     * @throws IllegalArgumentException if {@code timeout} is null or not positive
     * @throws UnsupportedOperationException from a pool that cannot change it
     */
    default void acquireTimeout(Duration timeout) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot change its acquire timeout while "
                + "it runs");
    }

    /**
     * Returns a lease's connection to the pool; the same as {@link Lease#close()}.
     *
     * @throws IllegalArgumentException if the lease is null or was handed out by another pool
     * @throws IllegalStateException if the lease was already released
     */
    void release(Lease<T> lease);

    /** A consistent snapshot of the counters, taken at one instant. */
    PoolStats stats();

    /** The configuration this pool was created with. */
    PoolConfig config();

    /**
     * Closes the pool gracefully: acquirers that wait fail at once with {@link PoolClosedException},
     * idle connections are destroyed, and leased ones are destroyed when they are released or,
     * at the latest, when {@link PoolConfig#drainTimeout()} has passed. Returns when every
     * connection is destroyed. Calling it again does nothing.
     */
    @Override
    void close();
}
