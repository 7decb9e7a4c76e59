package dev.poolgate.pool.impl;

import dev.poolgate.pool.Lease;
import java.time.Instant;

/**
 * One hand-out of a {@link PooledConnection}. Ending it is decided under the owner's lock, so a
 * second ending is detected however the two calls race.
 */
final class PooledLease<T> implements Lease<T> {

    final LeaseOwner<T> owner;
    final PooledConnection<T> pooled;
    private final long useCount;
    private final long lastReturnedNanos;
    final long acquiredNanos;
    /** The acquirer's stack when leak detection is on, else null. */
    final Throwable acquiredAt;

    // Written under the owner's lock; volatile for the unlocked reads in connection() and close().
    volatile boolean ended;
    volatile boolean invalidated;
    /** Ended by the pool itself: destroyed after the drain time of a shutdown. */
    volatile boolean revoked;

    // Guarded by the owner's lock.
    boolean leakReported;

    PooledLease(LeaseOwner<T> owner, PooledConnection<T> pooled, long acquiredNanos, Throwable acquiredAt) {
        this.owner = owner;
        this.pooled = pooled;
        this.useCount = pooled.useCount;
        this.lastReturnedNanos = pooled.lastReturnedNanos;
        this.acquiredNanos = acquiredNanos;
        this.acquiredAt = acquiredAt;
    }

    /**
     * The lease as one of {@code owner}'s.
     *
     * @throws IllegalArgumentException if it is null or was handed out by another pool
     */
    static <T> PooledLease<T> ownedBy(LeaseOwner<T> owner, Lease<T> lease) {
        if (!(lease instanceof PooledLease<T> pooled) || pooled.owner != owner) {
            throw new IllegalArgumentException(lease == null
                    ? "lease must not be null; pass the lease that acquire() returned"
                    : "Lease of connection " + lease.id() + " was not handed out by the " + owner.name()
                            + " pool; release it to the pool that acquired it");
        }
        return pooled;
    }

    /**
     * Ends the lease, under the owner's lock.
     *
     * @return false if this call changes nothing: a close() after invalidate(), or a lease the
     *         pool took back at shutdown
     * @throws IllegalStateException if the lease already ended otherwise
     */
    boolean markEnded(boolean invalidate) {
        if (ended) {
            if (revoked || (!invalidate && invalidated)) {
                return false;
            }
            throw new IllegalStateException("Connection " + pooled.id + " released twice; a lease ends once, by "
                    + "close() or invalidate()");
        }
        ended = true;
        invalidated = invalidate;
        return true;
    }

    @Override
    public T connection() {
        if (ended) {
            throw new IllegalStateException("The lease of connection " + pooled.id + " has ended"
                    + (revoked ? " (the " + owner.name() + " pool closed)" : "") + "; acquire a new one");
        }
        return pooled.connection;
    }

    @Override
    public String id() {
        return pooled.id;
    }

    @Override
    public long useCount() {
        return useCount;
    }

    @Override
    public Instant createdAt() {
        return pooled.createdAt;
    }

    @Override
    public Instant lastUsedAt() {
        return pooled.instantOf(lastReturnedNanos);
    }

    @Override
    public void invalidate() {
        owner.end(this, true);
    }

    @Override
    public void close() {
        if (invalidated) {
            return;
        }
        owner.end(this, false);
    }

    @Override
    public String toString() {
        return "Lease[connection " + pooled.id + ", use_count " + useCount + (ended ? ", ended" : "") + "]";
    }
}
