package dev.poolgate.pool.impl;

import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolEvent.DestroyReason;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the parts of a {@link FairPool} share: the lock, the connections in their places, the
 * waiters, the counters, and the few moves that keep them consistent (hand a connection on, take
 * one out). Acquire and release ({@link FairPool}), creation ({@link Growth}), destruction
 * ({@link Destroyer}) and maintenance ({@link Maintenance}) all change the pool through it.
 *
 * <p>{@link #lock} guards every mutable field here and each {@link WaiterQueue.Waiter}'s, except
 * what the fast path changes without it: the {@link IdleStack} (lock-free) and the connection it
 * holds (including its reuse count, summed by snapshots). The fast path runs only while nobody waits and nobody
 * observes hand-outs, and re-checks for waiters after it made a connection idle. At each unlock:
 * <ul>
 *   <li>a connection is idle, or in use (leased, or HELD by one of the pool's threads or by a
 *       waiter), and {@code inUse} is {@code live.size() - idleCount()};
 *   <li>{@code live.size() + pending + destroying <= maxSize} (until {@code resize} lowers the
 *       maximum): a connection counts from the moment its creation is reserved until its
 *       destroy returned or timed out, so {@code maxSize} bounds what the factory sees;
 *   <li>an idle connection means no waiter is without one ({@code unserved == 0});
 *   <li>{@code created - destroyed == live.size()}.
 * </ul>
 */
final class PoolState<T> {

    private static final Logger LOG = LoggerFactory.getLogger(FairPool.class);

    /** Where the pool is in its life; it only moves forward. */
    enum RunState { RUNNING, SHUTTING_DOWN, CLOSED }

    final ReentrantLock lock = new ReentrantLock();
    /**
     * Signalled when the pool starts closing (wakes the maintenance thread and creators backing
     * off) and, while it closes, each time a connection, its destruction or a creation ends
     * (wakes close()).
     */
    final Condition lifecycle = lock.newCondition();

    /** The settings; replaced whole under {@link #lock} by resize and acquireTimeout. */
    volatile PoolConfig config;
    final PoolListener listener;
    /**
     * Whether the events of every acquire and release have an observer; when none does (only the
     * log, with INFO off), they are not built, which is most of an acquire's allocation.
     */
    final BooleanSupplier handOutsObserved;
    final PoolClock clock;
    /**
     * Makes a HELD connection a lease, for {@link #give} to serve a waiter on its behalf; null
     * while leases must be made on the acquirer's own thread (leak detection records its stack).
     * Set once by the pool, before it is shared.
     */
    Function<PooledConnection<T>, PooledLease<T>> leases;
    /** The factory overrides {@link dev.poolgate.pool.ConnectionFactory#isValid}: hand-outs are validated. */
    final boolean validates;

    // Guarded by lock.
    /** Volatile: the fast path reads it without the lock (a release re-checks it after its push). */
    volatile RunState runState = RunState.RUNNING;
    /** Idle connections, most recently used first; lock-free (the fast path uses it without the lock). */
    final IdleStack<T> idle;
    /** Every connection in the pool: idle, leased or HELD; not those being destroyed. Changed with {@link #liveCount}. */
    final List<PooledConnection<T>> live = new ArrayList<>();
    /** {@code live.size()}, for the fast path's reads without the lock. */
    volatile int liveCount;
    final WaiterQueue<T> waiters = new WaiterQueue<>();
    /** The arrival count: the next acquirer's ticket. */
    long arrivals;
    /** Queued waiters without a connection: those growth creates for. */
    int unserved;
    /** Creations reserved and not yet published or given up. */
    int pending;
    /**
     * Connections created and being announced (their Created event goes out between two lock
     * sections), not yet handed on. Each will serve one of the waiters, so growth counts them as it
     * counts a pending creation.
     */
    int announcing;
    /** Connections removed whose destroy has neither returned nor timed out; they count against max. */
    int destroying;
    long created;
    long destroyed;
    /** Reuses of the connections that left the pool; those of live ones are counted on each connection. */
    long reusedGone;
    long acquireTimeouts;
    long healthCheckFailures;
    Throwable lastCreationFailure;

    PoolState(PoolConfig config, PoolListener listener, PoolClock clock, boolean validates) {
        this.config = config;
        this.idle = new IdleStack<>(config.maxSize());
        this.validates = validates;
        this.listener = listener;
        this.handOutsObserved = listener instanceof CompositeListener composite ? composite::observesHandOuts
                : () -> listener != PoolListener.NONE && listener.observesHandOuts();
        this.clock = clock;
    }

    boolean running() {
        return runState == RunState.RUNNING;
    }

    /** Room below the maximum for connections not yet reserved. */
    int room() {
        return config.maxSize() - live.size() - destroying;
    }

    /**
     * Gives a HELD connection back: to the first waiter in line that takes one (it stays HELD,
     * now for that waiter), else on top of the idle stack.
     */
    void handBack(PooledConnection<T> connection) {
        assert lock.isHeldByCurrentThread() && connection.state() == PooledConnection.State.HELD;
        WaiterQueue.Waiter<T> waiter = waiters.firstTaker();
        if (waiter == null) {
            connection.fresh = false;
            idle.push(connection);
        } else if (waiter.connection == null) {
            give(waiter, connection);
        } else {
            waiter.spare = connection;
        }
    }

    /**
     * Hands a HELD connection to a waiter that had none, and wakes it. One that need not validate
     * it is served here and now when {@link #leases} may be made on its behalf: it leaves the line
     * with its lease and never takes the lock again. Otherwise it makes its lease itself.
     */
    void give(WaiterQueue.Waiter<T> waiter, PooledConnection<T> connection) {
        assert lock.isHeldByCurrentThread() && waiter.connection == null;
        waiter.connection = connection;
        waiter.validating = needsValidation(connection);
        unserved--;
        if (!waiter.validating && leases != null) {
            waiters.remove(waiter);
            waiter.connection = null;
            waiter.lease = leases.apply(connection);
            waiter.reused = handOutEvent(connection, waiter.observed);
            waiter.signal(WaiterQueue.Waiter.SERVED);
        } else {
            waiter.signal(WaiterQueue.Waiter.HANDED);
        }
    }

    /** The event of a hand-out: a reuse, or nothing for a connection straight from its creation. */
    PoolEvent handOutEvent(PooledConnection<T> connection, boolean observed) {
        assert lock.isHeldByCurrentThread();
        if (connection.fresh) {
            connection.fresh = false;
            return null;
        }
        return observed ? new PoolEvent.Reused(connection.id, connection.useCount, live.size()) : null;
    }

    /**
     * Whether a connection must be checked before it becomes a lease: one straight from its
     * creation never is; others are when the factory validates, or when they may have expired.
     */
    boolean needsValidation(PooledConnection<T> connection) {
        return !connection.fresh && (validates || (connection.expires && connection.expiredAt(clock.nanoTime())));
    }

    /**
     * A HELD connection the pool's own work is done with: handed back while the pool runs, else
     * taken out; returns the removal to destroy after unlocking, or null.
     */
    PoolEvent.Destroyed handBackOrRemove(PooledConnection<T> connection) {
        assert lock.isHeldByCurrentThread();
        if (running()) {
            handBack(connection);
            return null;
        }
        return remove(connection, DestroyReason.SHUTDOWN);
    }

    /** Takes the top idle connection for this thread: HELD and counted in use; null if none. */
    PooledConnection<T> takeIdle() {
        assert lock.isHeldByCurrentThread();
        PooledConnection<T> connection = idle.pop();
        return connection != null ? connection : idle.stealCached();
    }

    /** Adds a new connection, HELD by its creator. */
    void addLive(PooledConnection<T> connection) {
        assert lock.isHeldByCurrentThread();
        live.add(connection);
        liveCount = live.size();
        idle.register(connection);
    }

    /**
     * Hands idle connections to waiters without one, first in line first: after a waiter joined
     * the line, and after the fast path returned a connection while someone may have joined.
     */
    void dispatchIdle() {
        assert lock.isHeldByCurrentThread();
        while (unserved > 0) {
            PooledConnection<T> connection = takeIdle();
            if (connection == null) {
                return;
            }
            handBack(connection);
        }
    }

    /**
     * Takes a connection out of the pool (off the idle stack already) and returns its event; the
     * caller has it destroyed after unlocking. It counts against max until its destroy ends.
     */
    PoolEvent.Destroyed remove(PooledConnection<T> connection, DestroyReason reason) {
        assert lock.isHeldByCurrentThread() && !connection.idle()
                && connection.state() != PooledConnection.State.REMOVED
                && connection.state() != PooledConnection.State.LEASED; // a lease ends (or is revoked) first
        connection.markRemoved();
        live.remove(connection);
        liveCount = live.size();
        idle.unregister(connection);
        reusedGone += connection.reuses;
        destroyed++;
        destroying++;
        if (!running()) {
            lifecycle.signalAll();
        }
        return new PoolEvent.Destroyed(connection.id, reason, live.size());
    }

    PoolStats snapshot() {
        assert lock.isHeldByCurrentThread();
        int available = idleCount();
        return new PoolStats(created, destroyed, reused(), acquireTimeouts, healthCheckFailures, live.size(),
                available, live.size() - available, unserved);
    }

    /** Hand-outs that were reuses, in the pool's whole life. */
    private long reused() {
        long sum = reusedGone;
        for (int i = 0; i < live.size(); i++) {
            sum += live.get(i).reuses;
        }
        return sum;
    }

    PoolStats stats() {
        lock.lock();
        try {
            settle();
            return snapshot();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Completes hand-offs the fast path has in flight: a release that made its connection idle
     * while a waiter joined the line hands it over right after; until then a snapshot would show
     * an idle connection and a waiter at once. Only the lock's holder calls it, and the other
     * thread is a few instructions from done, so the wait is short.
     */
    void settle() {
        assert lock.isHeldByCurrentThread();
        while (unserved > 0 && idleCount() > 0) {
            PooledConnection<T> connection = takeIdle();
            if (connection == null) {
                Thread.yield(); // counted, not yet on the stack: its pusher is about to put it there
                continue;
            }
            handBack(connection);
        }
    }

    /** Live connections idle now, on the stack or cached (an O(max) count, for snapshots and events). */
    int idleCount() {
        int count = 0;
        for (int i = 0; i < live.size(); i++) {
            if (live.get(i).idle()) {
                count++;
            }
        }
        return count;
    }

    /** The live connections, copied under the lock. */
    List<PooledConnection<T>> liveCopy() {
        assert lock.isHeldByCurrentThread();
        return new ArrayList<>(live);
    }

    /**
     * Delivers an event, never under the lock. A listener that throws, even an {@link Error},
     * is logged and changes nothing: the pool's own work goes on.
     */
    void emit(PoolEvent event) {
        assert !lock.isHeldByCurrentThread();
        deliver(listener, event);
    }

    /** Delivers an event to {@code listener}; whatever it throws, even an {@link Error}, is logged. */
    static void deliver(PoolListener listener, PoolEvent event) {
        try {
            listener.onEvent(event);
        } catch (Throwable e) {
            try {
                LOG.warn("[POOL] Pool listener {} failed on {}", listener, event, e);
            } catch (Throwable ignored) {
                // Nothing is left to tell: the pool's state is what matters.
            }
        }
    }
}
