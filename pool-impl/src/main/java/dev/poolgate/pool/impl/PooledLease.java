package dev.poolgate.pool.impl;

import dev.poolgate.pool.Lease;
import java.time.Instant;

/**
 * One hand-out of a {@link PooledConnection}. It holds the connection while the connection's state
 * word is the one it was handed out with ({@link #word}); ending it is one compare-and-set of that
 * word ({@link PooledConnection#endLease}), so a second ending is detected however the two calls
 * race, with or without the owner's lock, and the release's fast path needs no other fence.
 * The connection refers to no lease (its word holds only the lease's number), so on the fast path,
 * once the caller's use of a lease is inlined, the JIT may keep it in registers: a cycle then
 * allocates nothing.
 */
final class PooledLease<T> implements Lease<T> {

    final LeaseOwner<T> owner;
    final PooledConnection<T> pooled;
    /** The connection's state word while this lease holds it: its number and LEASED. */
    final long word;
    private final long useCount;
    private final long lastReturnedNanos;
    /** The hint of the platform thread whose fast path acquired it, else null. */
    final ThreadHint<T> hint;
    /**
     * Acquired while nobody observed hand-outs (the fast path): its end is not observed either, so
     * a lease's lines come as a whole or not at all, and the release need not ask again.
     */
    final boolean unobserved;

    /** Makes {@code pooled}, which the caller holds, its next lease; with or without the owner's lock. */
    PooledLease(LeaseOwner<T> owner, PooledConnection<T> pooled, ThreadHint<T> hint, boolean unobserved) {
        this.owner = owner;
        this.pooled = pooled;
        this.useCount = pooled.useCount;
        this.lastReturnedNanos = pooled.lastReturnedNanos;
        this.hint = hint;
        this.unobserved = unobserved;
        this.word = pooled.markLeased();
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
     * Ends the lease, once: the connection goes to {@code next} (HELD by the caller, or CACHED for
     * its thread) by one compare-and-set, with or without the owner's lock.
     *
     * @return false if this call changes nothing: a close() after invalidate(), or a lease the
     *         pool took back at shutdown
     * @throws IllegalStateException if the lease already ended otherwise
     */
    boolean end(boolean invalidate, PooledConnection.State next) {
        return pooled.endLease(word, invalidate ? PooledConnection.INVALIDATED : PooledConnection.CLOSED, next)
                || endedBefore(invalidate);
    }

    /** A second ending: false if harmless, else the exception. */
    private boolean endedBefore(boolean invalidate) {
        int ended = pooled.endingOf(word);
        if (ended == PooledConnection.REVOKED || (!invalidate && ended == PooledConnection.INVALIDATED)) {
            return false;
        }
        throw new IllegalStateException("Connection " + pooled.id + " released twice; a lease ends once, by "
                + "close() or invalidate()");
    }

    boolean ended() {
        return !pooled.heldBy(word);
    }

    @Override
    public T connection() {
        if (!pooled.heldBy(word)) {
            boolean revoked = pooled.endingOf(word) == PooledConnection.REVOKED;
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
        if (pooled.endingOf(word) == PooledConnection.INVALIDATED) { // a close() after invalidate(), as try-with-resources makes
            return;
        }
        owner.end(this, false);
    }

    @Override
    public String toString() {
        return "Lease[connection " + pooled.id + ", use_count " + useCount + (ended() ? ", ended" : "") + "]";
    }
}
