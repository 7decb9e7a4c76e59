package dev.poolgate.pool.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;

/**
 * A connection and what its pool knows of it. The final fields are fixed at creation; the others
 * are written by whoever holds it (a caller with its lease, or one of the pool's threads under
 * the pool's lock) and published by the volatile {@link #word}.
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

    /** How the last lease ended, as recorded in the state word: not yet (it is still open). */
    static final int OPEN = 0;
    /** Ended by {@code close()} (or a release). */
    static final int CLOSED = 1;
    /** Ended by {@code invalidate()}: the connection went out of the pool. */
    static final int INVALIDATED = 2;
    /** Ended by the pool itself: taken back after the drain time of a shutdown. */
    static final int REVOKED = 3;

    private static final int STATE_BITS = 3;
    private static final long STATE_MASK = (1L << STATE_BITS) - 1;
    private static final int ENDING_BITS = 2;
    private static final long ENDING_MASK = ((1L << ENDING_BITS) - 1) << STATE_BITS;
    private static final int LEASE_SHIFT = STATE_BITS + ENDING_BITS;
    private static final State[] STATES = State.values();

    private static final VarHandle WORD;

    static {
        try {
            WORD = MethodHandles.lookup().findVarHandle(PooledConnection.class, "word", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Where it is, packed in one {@code long} so that one compare-and-set changes it all: the
     * {@link State} (its ordinal, low 3 bits), how the last lease ended (next 2 bits: {@link #OPEN},
     * {@link #CLOSED}, {@link #INVALIDATED}, {@link #REVOKED}) and the number of the last lease (the
     * rest), which only grows. A lease remembers the word it was handed out with; it holds the
     * connection exactly while the word is that value. So ending a lease, recording how it ended and
     * handing the connection back are one compare-and-set from that value ({@link #endLease}), which
     * tells the first ending from a second however they race, and a second ending reads how the first
     * went from the word ({@link #endingOf}). Nothing here refers to the lease object: the caller's
     * lease may then live in registers only (the JIT's escape analysis), so a cycle allocates nothing.
     *
     * <p>Changed only by whoever holds the connection at that moment (its creator, its lease's
     * holder, the pool thread that popped it off the {@link IdleStack}), and by compare-and-set where
     * others may race (taking a cached one, ending or revoking a lease); the stack's own
     * compare-and-set decides who takes an idle one. Hot paths write it with release semantics
     * ({@link #markIdle}, {@link #markHeld}, {@link #markLeased}), which cost no fence.
     */
    private volatile long word = State.HELD.ordinal();

    // Written by whoever holds the connection (HELD or LEASED); published by the volatile word.
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

    // Leak detection (when on, every hand-out and every end takes the pool's lock; guarded by it).
    /** When the current lease began. */
    long acquiredNanos;
    /** The current lease's acquirer's stack. */
    Throwable acquiredAt;
    /** The current lease was reported as a possible leak. */
    boolean leakReported;

    PooledConnection(String id, T connection, long createdNanos, Instant createdAt, long lifetimeNanos) {
        this.id = id;
        this.connection = connection;
        this.createdNanos = createdNanos;
        this.createdAt = createdAt;
        this.expires = lifetimeNanos > 0;
        this.expiresAtNanos = createdNanos + lifetimeNanos;
        this.lastReturnedNanos = createdNanos;
    }

    private static State stateOf(long word) {
        return STATES[(int) (word & STATE_MASK)];
    }

    private static long withState(long word, State state) {
        return (word & ~STATE_MASK) | state.ordinal();
    }

    /** Where it is now. */
    State state() {
        return stateOf(word);
    }

    /** Whether {@code lease} (the word it was handed out with) holds it now: false once it ended. */
    boolean heldBy(long lease) {
        return word == lease;
    }

    /** The caller, its holder, makes it idle (it is about to be pushed). */
    void markIdle() {
        WORD.setRelease(this, withState(word, State.IDLE));
    }

    /** Takes it from a thread's cache (then HELD by the caller); false if someone else took it first. */
    boolean claimCached() {
        long now = word;
        return stateOf(now) == State.CACHED && WORD.compareAndSet(this, now, withState(now, State.HELD));
    }

    /** Idle, on the stack or cached. */
    boolean idle() {
        State now = state();
        return now == State.IDLE || now == State.CACHED;
    }

    /** The caller popped it: it is now held. */
    void markHeld() {
        WORD.setRelease(this, withState(word, State.HELD));
    }

    /**
     * The caller, its holder, hands it out as the next lease: one release store publishes the lease
     * and whatever the caller wrote before. Returns the word the lease holds it by.
     */
    long markLeased() {
        long leased = ((word >>> LEASE_SHIFT) + 1) << LEASE_SHIFT | State.LEASED.ordinal();
        WORD.setRelease(this, leased);
        return leased;
    }

    /**
     * Ends {@code lease}, if it holds the connection, recording {@code how}: the connection goes to
     * {@code next} ({@link State#HELD} by the caller, or {@link State#CACHED} for the caller's
     * thread) in one compare-and-set, a full fence, so a releaser that looks for waiters right after
     * and a waiter that joined meanwhile cannot both miss each other. False if the lease no longer
     * holds it.
     */
    boolean endLease(long lease, int how, State next) {
        return WORD.compareAndSet(this, lease, (lease & ~(STATE_MASK | ENDING_MASK))
                | ((long) how << STATE_BITS) | next.ordinal());
    }

    /**
     * How {@code lease} ended ({@link #OPEN} while it holds the connection). A lease after it means
     * it was closed: an invalidated or revoked lease's connection is never handed out again.
     */
    int endingOf(long lease) {
        long now = word;
        if (now == lease) {
            return OPEN;
        }
        return (now >>> LEASE_SHIFT) == (lease >>> LEASE_SHIFT)
                ? (int) ((now & ENDING_MASK) >>> STATE_BITS)
                : CLOSED;
    }

    /**
     * The pool takes back the lease that holds it (under the pool's lock at shutdown); false if it
     * is not leased or its holder ended it first.
     */
    boolean revoke() {
        long now = word;
        return stateOf(now) == State.LEASED && endLease(now, REVOKED, State.HELD);
    }

    /** Out of the pool (under the pool's lock, by whoever held it). */
    void markRemoved() {
        word = withState(word, State.REMOVED);
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
