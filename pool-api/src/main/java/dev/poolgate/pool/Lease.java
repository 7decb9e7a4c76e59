package dev.poolgate.pool;

import java.time.Instant;

/**
 * One hand-out of a pooled connection, from {@link Pool#acquire()} to {@link #close()}.
 *
 * <p>A lease ends exactly once: {@link #close()} returns the connection to the pool,
 * {@link #invalidate()} destroys it instead (for a connection that failed while in use). A
 * {@code close()} after {@code invalidate()} does nothing, so that invalidating inside a
 * try-with-resources block is safe; any other second ending is an {@link IllegalStateException},
 * and the pool's state is left untouched.
 *
 * <p>A lease is meant for one thread at a time; the pool guarantees that no two live leases share
 * a connection.
 *
 * @param <T> the type of the pooled connection
 */
public interface Lease<T> extends AutoCloseable {

    /**
     * The connection.
     *
     * @throws IllegalStateException once the lease has ended
     */
    T connection();

    /** The connection's id: a short hex string, unique in this process, for the connection's whole life. */
    String id();

    /** How many times the connection has been handed out, this lease included (1 for the first). */
    long useCount();

    /** When the connection was created. */
    Instant createdAt();

    /** When the connection was last returned to the pool before this lease; its creation time if never. */
    Instant lastUsedAt();

    /**
     * Ends the lease and destroys the connection instead of returning it.
     *
     * @throws IllegalStateException if the lease already ended
     */
    void invalidate();

    /**
     * Ends the lease and returns the connection to the pool (or destroys it, if it expired or the
     * pool is closing). Does nothing after {@link #invalidate()}.
     *
     * @throws IllegalStateException if the lease was already closed
     */
    @Override
    void close();
}
