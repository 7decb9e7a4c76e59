package dev.poolgate.pool.impl;

import dev.poolgate.pool.Lease;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;

/**
 * One hand-out of a {@link PooledConnection}. While it lasts, the connection's state is this lease;
 * ending it is one compare-and-set of that state ({@link PooledConnection#endLease}), so a second
 * ending is detected however the two calls race, with or without the owner's lock, and the
 * release's fast path needs no other fence.
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
    /** How long a second ending waits for the first to record how it ended: far beyond the few instructions it takes. */
    private static final int MAX_SPINS = 100_000;

    private static final VarHandle END;

    static {
        try {
            END = MethodHandles.lookup().findVarHandle(PooledLease.class, "end", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * How the lease ended, or OPEN: written once, right after the compare-and-set that ended it, by
     * the thread that won it, with a release store (that compare-and-set was the fence); read with
     * acquire semantics by a second ending, to tell a harmless one from a mistake.
     */
    private int end;

    /** The hint of the platform thread whose fast path acquired it, else null. */
    final ThreadHint<T> hint;

    /** Reported as a possible leak; set by maintenance under the owner's lock, read by the releaser. */
    volatile boolean leakReported;

    PooledLease(LeaseOwner<T> owner, PooledConnection<T> pooled, long acquiredNanos, Throwable acquiredAt) {
        this(owner, pooled, acquiredNanos, acquiredAt, null);
    }

    PooledLease(LeaseOwner<T> owner, PooledConnection<T> pooled, long acquiredNanos, Throwable acquiredAt,
            ThreadHint<T> hint) {
        this.owner = owner;
        this.pooled = pooled;
        this.useCount = pooled.useCount;
        this.lastReturnedNanos = pooled.lastReturnedNanos;
        this.acquiredNanos = acquiredNanos;
        this.acquiredAt = acquiredAt;
        this.hint = hint;
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
        return endAs(invalidate ? INVALIDATED : CLOSED, next) || endedBefore(invalidate);
    }

    /** The compare-and-set that ends the lease, then the record of how (its winner's only); false if it lost. */
    private boolean endAs(int how, PooledConnection.State next) {
        if (pooled.endLease(this, next)) {
            END.setRelease(this, how);
            return true;
        }
        return false;
    }

    /** A second ending: false if harmless, else the exception. */
    private boolean endedBefore(boolean invalidate) {
        int ended;
        for (int spins = 0; (ended = (int) END.getAcquire(this)) == OPEN; spins++) {
            // Ended a moment ago by another thread, which records how right after its compare-and-set.
            if (spins < 100) {
                Thread.onSpinWait();
            } else if (spins < MAX_SPINS) {
                Thread.yield();
            } else {
                // Never recorded: the connection left the pool without its lease ending (a bug the
                // pool's assertions look for); this ending changes nothing rather than hang.
                return false;
            }
        }
        if (ended == REVOKED || (!invalidate && ended == INVALIDATED)) {
            return false;
        }
        throw new IllegalStateException("Connection " + pooled.id + " released twice; a lease ends once, by "
                + "close() or invalidate()");
    }

    /** The pool takes the lease back at shutdown (the connection is then HELD by the pool); false if its holder ended it first. */
    boolean revoke() {
        return endAs(REVOKED, PooledConnection.State.HELD);
    }

    boolean ended() {
        return !pooled.heldBy(this);
    }

    @Override
    public T connection() {
        if (!pooled.heldBy(this)) {
            boolean revoked = (int) END.getAcquire(this) == REVOKED;
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
        if ((int) END.getAcquire(this) == INVALIDATED) { // a close() after invalidate(), as try-with-resources makes
            return;
        }
        owner.end(this, false);
    }

    @Override
    public String toString() {
        return "Lease[connection " + pooled.id + ", use_count " + useCount + (ended() ? ", ended" : "") + "]";
    }
}
