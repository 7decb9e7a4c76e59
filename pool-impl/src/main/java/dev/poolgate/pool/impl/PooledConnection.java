package dev.poolgate.pool.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;

/**
 * A connection and what its pool knows of it. The final fields are fixed at creation; the others
 * are written by whoever holds it (a caller with its lease, or one of the pool's threads under
 * the pool's lock) and published by the volatile {@link #state}.
 */
final class PooledConnection<T> {

    /** Where a connection is: exactly one at any time. */
    enum State {
        /** In the idle stack, ready to be handed out. */
        IDLE,
        /**
         * Idle, kept aside for the platform thread that returned it last (its hint), not on the
         * stack; anyone may still take it, by {@link #claimCached()}.
         */
        CACHED,
        /** Held by one of the pool's own threads: just created, being checked or validated, or handed to a waiter. */
        HELD,
        /** Leased to a caller. */
        LEASED,
        /** Out of the pool, destroyed or about to be. */
        REMOVED
    }

    final String id;
    final T connection;
    final long createdNanos;
    final Instant createdAt;
    /** When it retires ({@link Long#MAX_VALUE} relative to creation when max lifetime is off); compare by difference. */
    final long expiresAtNanos;
    final boolean expires;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PooledConnection.class, "state", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Where it is: a {@link State}, or while {@link State#LEASED} the {@link PooledLease} that holds
     * it. So ending a lease and handing the connection back are one compare-and-set from that lease
     * ({@link #endLease}), which also tells the first ending from a second however they race. Changed
     * only by whoever holds the connection at that moment (its creator, its lease's holder, the pool
     * thread that popped it off the {@link IdleStack}); the stack's own compare-and-set decides who
     * takes an idle one. Hot paths write it with release semantics ({@link #markIdle},
     * {@link #markHeld}, {@link #markLeased}), which cost no fence.
     */
    private volatile Object state = State.HELD;

    // Written by whoever holds the connection (HELD or LEASED); published by the volatile state.
    long useCount;
    /** When it was last returned to the pool (creation time if never): the start of its idle time. */
    long lastReturnedNanos;
    /** Handed straight from its creation to a waiter, never idle: its first hand-out is not a reuse. */
    boolean fresh;
    /** Its place in the {@link IdleStack}, -1 once it left the pool; changed under the pool's lock. */
    int slot = -1;
    /** While idle: the slot of the connection below it on the stack; written by its pusher before publishing. */
    int below;
    /** Hand-outs that were not straight from its creation; written by its holder, summed by snapshots. */
    long reuses;
    /** Once {@link State#REMOVED}: its destroy returned or timed out, so it no longer counts against max. */
    boolean roomFreed;

    PooledConnection(String id, T connection, long createdNanos, Instant createdAt, long lifetimeNanos) {
        this.id = id;
        this.connection = connection;
        this.createdNanos = createdNanos;
        this.createdAt = createdAt;
        this.expires = lifetimeNanos > 0;
        this.expiresAtNanos = createdNanos + lifetimeNanos;
        this.lastReturnedNanos = createdNanos;
    }

    /** Where it is now. */
    State state() {
        return state instanceof State now ? now : State.LEASED;
    }

    /** The lease that holds it, or null if it is not leased (for leak checks and close's revocation). */
    @SuppressWarnings("unchecked")
    PooledLease<T> lease() {
        return state instanceof PooledLease<?> lease ? (PooledLease<T>) lease : null;
    }

    /** Whether {@code lease} holds it now: false before the lease was handed out and once it ended. */
    boolean heldBy(PooledLease<T> lease) {
        return state == lease;
    }

    /** The caller, its holder, makes it idle (it is about to be pushed). */
    void markIdle() {
        STATE.setRelease(this, State.IDLE);
    }

    /** Takes it from a thread's cache (then HELD by the caller); false if someone else took it first. */
    boolean claimCached() {
        return state == State.CACHED && STATE.compareAndSet(this, State.CACHED, State.HELD);
    }

    /** Idle, on the stack or cached. */
    boolean idle() {
        Object now = state;
        return now == State.IDLE || now == State.CACHED;
    }

    /** The caller popped it: it is now held. */
    void markHeld() {
        STATE.setRelease(this, State.HELD);
    }

    /** The caller hands it out as {@code lease}: one release store publishes both. */
    void markLeased(PooledLease<T> lease) {
        STATE.setRelease(this, lease);
    }

    /**
     * Ends {@code lease}, if it holds the connection: the connection goes to {@code next}
     * ({@link State#HELD} by the caller, or {@link State#CACHED} for the caller's thread) in one
     * compare-and-set, a full fence, so a releaser that looks for waiters right after and a waiter
     * that joined meanwhile cannot both miss each other. False if the lease no longer holds it.
     */
    boolean endLease(PooledLease<T> lease, State next) {
        return STATE.compareAndSet(this, lease, next);
    }

    /** Out of the pool (under the pool's lock, by whoever held it). */
    void markRemoved() {
        state = State.REMOVED;
    }

    /**
     * Stamps the start of its idle time; by its releaser, before it is handed back or cached.
     * A coarse reading may lag the creation of a connection made within the last millisecond.
     */
    void stampReturned(long nowNanos) {
        lastReturnedNanos = nowNanos - createdNanos < 0 ? createdNanos : nowNanos;
    }

    boolean expiredAt(long nowNanos) {
        return expires && nowNanos - expiresAtNanos >= 0;
    }

    /** The wall-clock time of a moment on the nano clock, derived from the creation instant. */
    Instant instantOf(long nanos) {
        return createdAt.plusNanos(nanos - createdNanos);
    }
}
