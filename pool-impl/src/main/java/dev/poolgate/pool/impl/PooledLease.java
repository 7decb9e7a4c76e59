package dev.poolgate.pool.impl;

import dev.poolgate.pool.Lease;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;

/**
 * One hand-out of a {@link PooledConnection}. Ending it is one compare-and-set, so a second ending
 * is detected however the two calls race, with or without the owner's lock.
 */
final class PooledLease<T> implements Lease<T> {

    final LeaseOwner<T> owner;
    final PooledConnection<T> pooled;
    private final long useCount;
    private final long lastReturnedNanos;
    final long acquiredNanos;
    /** The acquirer's stack when leak detection is on, else null. */
    final Throwable acquiredAt;

    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    private static final int INVALIDATED = 2;
    /** Ended by the pool itself: destroyed after the drain time of a shutdown. */
    private static final int REVOKED = 3;
    private static final VarHandle END;

    static {
        try {
            END = MethodHandles.lookup().findVarHandle(PooledLease.class, "end", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** How the lease ended, or OPEN; set once, by compare-and-set, so two endings are told apart without a lock. */
    private volatile int end;

    /** Reported as a possible leak; set by maintenance under the owner's lock, read by the releaser. */
    volatile boolean leakReported;

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
     * Ends the lease, once, by compare-and-set (with or without the owner's lock).
     *
     * @return false if this call changes nothing: a close() after invalidate(), or a lease the
     *         pool took back at shutdown
     * @throws IllegalStateException if the lease already ended otherwise
     */
    boolean markEnded(boolean invalidate) {
        if (END.compareAndSet(this, OPEN, invalidate ? INVALIDATED : CLOSED)) {
            return true;
        }
        int ended = end;
        if (ended == REVOKED || (!invalidate && ended == INVALIDATED)) {
            return false;
        }
        throw new IllegalStateException("Connection " + pooled.id + " released twice; a lease ends once, by "
                + "close() or invalidate()");
    }

    /** The pool takes the lease back at shutdown; false if its holder ended it first. */
    boolean revoke() {
        return END.compareAndSet(this, OPEN, REVOKED);
    }

    boolean ended() {
        return end != OPEN;
    }

    @Override
    public T connection() {
        int ended = end;
        if (ended != OPEN) {
            throw new IllegalStateException("The lease of connection " + pooled.id + " has ended"
                    + (ended == REVOKED ? " (the " + owner.name() + " pool closed)" : "") + "; acquire a new one");
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
        if (end == INVALIDATED) {
            return;
        }
        owner.end(this, false);
    }

    @Override
    public String toString() {
        return "Lease[connection " + pooled.id + ", use_count " + useCount + (ended() ? ", ended" : "") + "]";
    }
}
