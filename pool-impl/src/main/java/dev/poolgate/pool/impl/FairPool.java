package dev.poolgate.pool.impl;

import dev.poolgate.pool.AcquireInterruptedException;
import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolClosedException;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolEvent.DestroyReason;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool: fair, exact, and never doing I/O under its lock or on its callers' threads beyond a
 * hand-out's validation.
 *
 * <p>Its parts: {@link PoolState} holds the lock, the connections, the waiters and the counters,
 * and states the invariants; {@link Growth} creates connections; {@link Destroyer} destroys them;
 * {@link Maintenance} does the housekeeping. This class is acquire, release, resize and close.
 * <ul>
 *   <li><b>Acquire</b> takes the top idle connection when no waiter is without one; otherwise the
 *       caller queues in order of arrival and waits on its own condition until it is handed a
 *       connection, its deadline passes, or the pool closes. A hand-out that must be validated is
 *       validated by the caller outside the lock while it keeps its place in line: a connection
 *       released meanwhile is kept for it, and if the validation fails it is served next, so
 *       nobody who came later overtakes it.
 *   <li><b>Release</b> hands the connection to the first waiter in line, so a newcomer can never
 *       barge in ahead of it; with nobody waiting it goes on top of the idle stack. A connection
 *       that must go (invalidated, expired, above a lowered maximum) is destroyed in the
 *       background.
 *   <li><b>Lifecycle</b>: {@code RUNNING -> SHUTTING_DOWN -> CLOSED}, all in {@link #close()},
 *       which returns once no connection is left, no creation is under way and every destroy has
 *       ended or timed out (or the drain time has passed); a second close() waits for the first.
 * </ul>
 * Events for listeners (and so the log lines) are built under the lock, where their counts are
 * exact, and delivered after it is released. The two events of every acquire and release are
 * built only while someone observes them (a listener, or the log at INFO).
 */
final class FairPool<T> implements Pool<T>, LeaseOwner<T> {

    private static final Logger LOG = LoggerFactory.getLogger(FairPool.class);

    private final PoolState<T> state;
    private final ConnectionFactory<T> factory;
    private final Destroyer<T> destroyer;
    private final Growth<T> growth;
    private final Maintenance<T> maintenance;
    private final long leakThresholdNanos;
    /**
     * The connection each platform thread returned last on the fast path, kept aside for it
     * (state CACHED) so that its next acquire takes it back without touching the shared stack:
     * threads on different cores then stay on their own connections, as {@code ConcurrentBag}'s
     * thread-local lists do. Anyone may still take a cached connection (the locked path, waiters,
     * maintenance and other threads' fast paths steal it by compare-and-set), so it is never
     * withheld from a waiter. Virtual threads, one per task and short-lived, use the stack only.
     */
    private final ThreadLocal<ThreadHint<T>> cache;

    private FairPool(PoolConfig config, ConnectionFactory<T> factory, PoolListener listener, PoolClock clock) {
        this.state = new PoolState<>(config, listener, clock, overridesIsValid(factory));
        IdleStack<T> idle = state.idle;
        this.cache = ThreadLocal.withInitial(() -> {
            idle.cachingBegins(); // before this thread can cache a connection
            return new ThreadHint<>();
        });
        this.factory = factory;
        this.destroyer = new Destroyer<>(factory, new Destroyer.Owner<>() {
            @Override
            public Duration destroyTimeout() {
                return state.config.destroyTimeout();
            }

            @Override
            public void emit(PoolEvent event) {
                state.emit(event);
            }

            @Override
            public boolean freeRoom(PooledConnection<T> connection) {
                return FairPool.this.freeRoom(connection);
            }
        });
        this.growth = new Growth<>(state, factory, destroyer, config.maxLifetime().toNanos());
        this.maintenance = new Maintenance<>(state, factory, growth, destroyer, Growth.LIFETIME_JITTER);
        this.leakThresholdNanos = config.leakDetectionThreshold().toNanos();
        if (leakThresholdNanos == 0) {
            // A waiter is then served by the thread that hands it a connection: no lock for it to take again.
            state.leases = this::claim;
        }
    }

    /** Creates the pool, its minimum of connections (in parallel), and starts its maintenance. */
    static <T> FairPool<T> start(PoolConfig config, ConnectionFactory<T> factory, PoolListener listener,
            PoolClock clock) {
        FairPool<T> pool = new FairPool<>(config, factory, listener, clock);
        pool.state.emit(new PoolEvent.Starting(config.minSize(), config.maxSize()));
        int connections = pool.growth.fillMinimum();
        pool.state.emit(new PoolEvent.Started(connections));
        pool.maintenance.start();
        return pool;
    }

    /** A removed connection's destroy ended or timed out: its room goes to growth, once. */
    private boolean freeRoom(PooledConnection<T> connection) {
        state.lock.lock();
        try {
            if (connection.roomFreed) {
                return false;
            }
            connection.roomFreed = true;
            state.destroying--;
            if (state.running()) {
                growth.reserve();
            } else {
                state.lifecycle.signalAll();
            }
            return true;
        } finally {
            state.lock.unlock();
        }
    }

    // ---------------------------------------------------------------- acquire

    @Override
    public Lease<T> acquire() {
        return acquire(state.config.acquireTimeout());
    }

    @Override
    public Lease<T> acquire(Duration timeout) {
        LeaseOwner.checkTimeout(timeout);
        boolean observed = state.handOutsObserved.getAsBoolean();
        if (!observed && leakThresholdNanos == 0 && state.waiters.size() == 0 && state.running()) {
            Lease<T> lease = acquireFast();
            if (lease != null) {
                return lease;
            }
        }
        return acquireLocked(timeout, observed);
    }

    /**
     * The locked path (kept out of {@link #acquire(Duration)} so that the JIT can inline the fast
     * path into callers): takes the top idle connection if nobody is served before it, else joins
     * the line.
     */
    private Lease<T> acquireLocked(Duration timeout, boolean observed) {
        if (observed) {
            state.emit(new PoolEvent.Acquiring());
        }
        long deadline = System.nanoTime() + LeaseOwner.waitNanos(timeout);
        WaiterQueue.Waiter<T> waiter = null;
        PooledLease<T> lease = null;
        PoolEvent event = null;
        PoolStats refused = null;
        try {
            state.lock.lockInterruptibly();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        try {
            ensureRunning();
            long ticket = state.arrivals++;
            PooledConnection<T> top = state.unserved == 0 ? state.takeIdle() : null;
            if (top != null && !state.needsValidation(top)) {
                lease = claim(top);
                event = state.handOutEvent(top, observed);
            } else if (top == null && timeout.isZero()) {
                // Zero never waits: nothing idle now is a timeout, and nothing is created for it.
                state.acquireTimeouts++;
                refused = state.snapshot();
            } else {
                waiter = new WaiterQueue.Waiter<>(ticket, observed);
                state.waiters.add(waiter);
                if (top != null) {
                    // It keeps its place in line while it validates the connection it took.
                    waiter.connection = top;
                    waiter.validating = true;
                    waiter.status = WaiterQueue.Waiter.HANDED;
                } else {
                    state.unserved++;
                    // In line now: a connection the fast path made idle meanwhile comes to it here.
                    state.dispatchIdle();
                    growth.reserve();
                }
            }
        } finally {
            state.lock.unlock();
        }
        if (refused != null) {
            state.emit(new PoolEvent.AcquireTimedOut(timeout, refused));
            throw new AcquireTimeoutException(state.config.connectionName(), timeout, refused, null);
        }
        if (lease != null) {
            return handedOut(lease, event, observed);
        }
        return serve(waiter, timeout, deadline, observed);
    }

    /**
     * The fast path, without the lock, while nobody waits and nobody observes hand-outs: the top
     * idle connection, validated if it must be. Returns null when there is none (or it failed
     * validation, then destroyed): the caller takes the locked path.
     */
    private Lease<T> acquireFast() {
        PooledConnection<T> connection = null;
        ThreadHint<T> hint = null;
        if (!Thread.currentThread().isVirtual()) {
            hint = cache.get();
            PooledConnection<T> mine = hint.connection;
            if (mine != null && mine.claimCached()) {
                connection = mine;
            }
        }
        if (connection == null) {
            connection = state.idle.pop();
        }
        if (connection == null) {
            connection = state.idle.stealCached();
        }
        if (connection == null) {
            return null;
        }
        DestroyReason rejected = state.needsValidation(connection) ? validate(connection) : null;
        boolean interrupted = Thread.currentThread().isInterrupted();
        if (rejected == null && !interrupted) {
            return claim(connection, hint, true);
        }
        giveUpFast(connection, rejected, interrupted);
        return null;
    }

    /**
     * The fast path took {@code connection} but cannot hand it out: it failed validation (then it
     * goes), or the caller was interrupted (then it goes back, and the interrupt is thrown).
     */
    private void giveUpFast(PooledConnection<T> connection, DestroyReason rejected, boolean interrupted) {
        PoolEvent.Destroyed removal = null;
        state.lock.lock();
        try {
            if (rejected != null) {
                removal = state.remove(connection, rejected);
                growth.reserve();
            } else {
                removal = state.handBackOrRemove(connection);
            }
        } finally {
            state.lock.unlock();
        }
        if (removal != null) {
            destroyer.destroyLater(connection, removal);
        }
        if (interrupted) {
            throw interrupted(null);
        }
    }

    /** Waits in line until the waiter's hand-out becomes a lease, validating hand-outs on the way. */
    private Lease<T> serve(WaiterQueue.Waiter<T> waiter, Duration timeout, long deadline, boolean observed) {
        while (true) {
            park(waiter, deadline);
            if (waiter.status == WaiterQueue.Waiter.SERVED) {
                return handedOut(waiter.lease, waiter.reused, observed);
            }
            PooledConnection<T> connection;
            PooledLease<T> lease = null;
            PoolEvent event = null;
            TimedOut timedOut = null;
            state.lock.lock();
            try {
                connection = awaitHandOut(waiter, deadline);
                if (connection != null && !waiter.validating) {
                    lease = leave(waiter, connection);
                    event = state.handOutEvent(connection, observed);
                }
            } catch (TimedOut e) {
                timedOut = e;
                connection = null;
            } finally {
                state.lock.unlock();
            }
            if (timedOut != null) {
                // The message and the stack trace are made here, after unlocking: callers that
                // time out together must not queue on the lock behind each other's formatting.
                state.emit(new PoolEvent.AcquireTimedOut(timeout, timedOut.stats));
                throw new AcquireTimeoutException(state.config.connectionName(), timeout, timedOut.stats,
                        timedOut.getCause());
            }
            if (lease != null) {
                return handedOut(lease, event, observed);
            }
            if (connection == null) {
                continue; // served meanwhile, or woken early: see again
            }
            // Validation on the way out, outside the lock: the connection is HELD for this waiter,
            // which keeps its place in line meanwhile.
            DestroyReason rejected = validate(connection);
            boolean interrupted = Thread.currentThread().isInterrupted();
            PoolEvent.Destroyed removal = null;
            boolean closed;
            state.lock.lock();
            try {
                closed = waiter.closed;
                if (rejected != null) {
                    removal = state.remove(connection, rejected);
                    if (interrupted || closed) {
                        // It leaves the line served (not counted as unserved); its spare goes on.
                        waiter.connection = null;
                        waiter.validating = false;
                        state.waiters.remove(waiter);
                        PooledConnection<T> spare = waiter.spare;
                        waiter.spare = null;
                        giveBack(spare);
                    } else {
                        nextHandOut(waiter);
                    }
                } else if (interrupted || closed) {
                    giveUp(waiter);
                } else {
                    lease = leave(waiter, connection);
                    event = state.handOutEvent(connection, observed);
                }
            } finally {
                state.lock.unlock();
            }
            if (removal != null) {
                destroyer.destroyLater(connection, removal);
            }
            if (lease != null) {
                return handedOut(lease, event, observed);
            }
            if (interrupted || closed) {
                throw closed ? closed() : interrupted(null);
            }
        }
    }

    /**
     * Parks, without the lock, until the waiter's status changes, its deadline passes or its
     * thread is interrupted (the flag is left set). Whoever changes the status unparks it.
     */
    private static void park(WaiterQueue.Waiter<?> waiter, long deadline) {
        while (waiter.status == WaiterQueue.Waiter.WAITING && !Thread.currentThread().isInterrupted()) {
            long nanos = deadline - System.nanoTime();
            if (nanos <= 0) {
                return;
            }
            LockSupport.parkNanos(waiter, nanos);
        }
    }

    /**
     * After {@link #park}, under the lock: the connection the waiter holds, or null if it has
     * none yet and may park again (or was served meanwhile). Gives up at the deadline, on an
     * interrupt or when the pool closed, leaving the line and giving back what it holds.
     */
    private PooledConnection<T> awaitHandOut(WaiterQueue.Waiter<T> waiter, long deadline) {
        assert state.lock.isHeldByCurrentThread();
        if (waiter.status == WaiterQueue.Waiter.SERVED) {
            return null;
        }
        if (waiter.closed) {
            giveUp(waiter);
            throw closed();
        }
        if (waiter.connection != null) {
            return waiter.connection;
        }
        if (Thread.currentThread().isInterrupted()) {
            giveUp(waiter);
            throw interrupted(new InterruptedException("interrupted while waiting in line"));
        }
        if (deadline - System.nanoTime() <= 0) {
            giveUp(waiter);
            state.acquireTimeouts++;
            throw new TimedOut(state.snapshot(), state.lastCreationFailure);
        }
        return null;
    }

    /** A waiter without a lease leaves the line; what it holds goes back (or is destroyed once closed). */
    private void giveUp(WaiterQueue.Waiter<T> waiter) {
        assert state.lock.isHeldByCurrentThread();
        if (state.waiters.remove(waiter) && waiter.connection == null) {
            state.unserved--;
        }
        PooledConnection<T> connection = waiter.connection;
        PooledConnection<T> spare = waiter.spare;
        waiter.connection = null;
        waiter.spare = null;
        waiter.validating = false;
        giveBack(connection);
        giveBack(spare);
    }

    private void giveBack(PooledConnection<T> connection) {
        if (connection == null) {
            return;
        }
        PoolEvent.Destroyed removal = state.handBackOrRemove(connection);
        if (removal != null) {
            destroyer.destroyLater(connection, removal);
        }
    }

    /** After a failed validation: the spare if it has one, else an idle connection, else it waits again. */
    private void nextHandOut(WaiterQueue.Waiter<T> waiter) {
        assert state.lock.isHeldByCurrentThread();
        PooledConnection<T> next = waiter.spare;
        waiter.spare = null;
        waiter.connection = null;
        waiter.validating = false;
        if (next == null && state.running()) {
            next = state.takeIdle();
        }
        if (next != null) {
            waiter.connection = next;
            waiter.validating = state.needsValidation(next);
            waiter.status = WaiterQueue.Waiter.HANDED;
        } else if (!waiter.closed) {
            waiter.status = WaiterQueue.Waiter.WAITING;
            state.unserved++;
        }
        growth.reserve();
    }

    /** The waiter leaves the line with its connection as a lease; a spare goes to the next in line. */
    private PooledLease<T> leave(WaiterQueue.Waiter<T> waiter, PooledConnection<T> connection) {
        assert state.lock.isHeldByCurrentThread();
        state.waiters.remove(waiter);
        PooledConnection<T> spare = waiter.spare;
        waiter.connection = null;
        waiter.spare = null;
        waiter.validating = false;
        PooledLease<T> lease = claim(connection);
        if (spare != null) {
            state.handBack(spare);
        }
        return lease;
    }

    /** Makes a connection the caller holds (HELD) its lease; with or without the lock. */
    private PooledLease<T> claim(PooledConnection<T> connection) {
        return claim(connection, null, false);
    }

    /**
     * As {@link #claim(PooledConnection)}; on the fast path ({@code unobserved}) with the hint of a
     * platform thread.
     */
    private PooledLease<T> claim(PooledConnection<T> connection, ThreadHint<T> hint, boolean unobserved) {
        assert connection.state() == PooledConnection.State.HELD;
        connection.useCount++;
        if (!connection.fresh) {
            connection.reuses++;
        }
        if (leakThresholdNanos > 0) { // under the lock: with leak detection on, every hand-out takes it
            connection.acquiredNanos = state.clock.nanoTime();
            connection.acquiredAt = new Throwable("Connection " + connection.id + " acquired by "
                    + Thread.currentThread());
            connection.leakReported = false;
        }
        return new PooledLease<>(this, connection, hint, unobserved);
    }

    /** Reports a hand-out (its reuse, if it was one, then the lease) and returns the lease. */
    private Lease<T> handedOut(PooledLease<T> lease, PoolEvent reused, boolean observed) {
        if (reused != null) {
            state.emit(reused);
        }
        if (observed) {
            state.emit(new PoolEvent.Acquired(lease.id(), lease.useCount()));
        }
        return lease;
    }

    /**
     * Checks a HELD connection on its way out; returns why it must go, or null if it may be handed
     * out. Whatever {@code isValid} throws, even an {@link Error}, means invalid.
     */
    private DestroyReason validate(PooledConnection<T> connection) {
        if (connection.expiredAt(state.clock.nanoTime())) {
            return DestroyReason.EXPIRED;
        }
        if (!state.validates) {
            return null;
        }
        try {
            return factory.isValid(connection.connection) ? null : DestroyReason.FAILED_VALIDATION;
        } catch (InterruptedException e) {
            // The caller was interrupted during the check: the flag is kept for it to see.
            Thread.currentThread().interrupt();
            return DestroyReason.FAILED_VALIDATION;
        } catch (Throwable e) {
            LOG.debug("[POOL] Validation of connection {} threw", connection.id, e);
            return DestroyReason.FAILED_VALIDATION;
        }
    }

    // ---------------------------------------------------------------- release

    @Override
    public void release(Lease<T> lease) {
        end(PooledLease.ownedBy(this, lease), false);
    }

    @Override
    public void end(PooledLease<T> lease, boolean invalidate) {
        PooledConnection<T> connection = lease.pooled;
        boolean observed = !lease.unobserved && state.handOutsObserved.getAsBoolean();
        long now = state.clock.coarseNanoTime(); // the last-use stamp; a millisecond is precise enough
        if (!invalidate && !observed && leakThresholdNanos == 0 && state.waiters.size() == 0 && state.running()
                && !connection.expiredAt(now) && state.liveCount <= state.config.maxSize()) {
            releaseFast(lease, now);
        } else {
            endLocked(lease, invalidate, observed, now);
        }
    }

    /**
     * The locked path of a lease's end (kept out of {@link #end} so that the JIT can inline the
     * fast path into callers): the connection goes to the first waiter in line, back on the
     * stack, or out of the pool.
     */
    private void endLocked(PooledLease<T> lease, boolean invalidate, boolean observed, long now) {
        PooledConnection<T> connection = lease.pooled;
        if (observed && !invalidate && !lease.ended()) {
            // Before the connection goes back: no one else's line about it can come first.
            state.emit(new PoolEvent.Releasing(connection.id));
        }
        PoolEvent leakEvent = null;
        PoolEvent event = null;
        PoolEvent.Destroyed removal = null;
        state.lock.lock();
        try {
            if (!lease.end(invalidate, PooledConnection.State.HELD)) {
                return;
            }
            connection.stampReturned(now);
            if (connection.leakReported) {
                leakEvent = new PoolEvent.LeakReturned(connection.id,
                        Duration.ofNanos(Math.max(0, now - connection.acquiredNanos)));
            }
            DestroyReason reason = invalidate ? DestroyReason.INVALIDATED
                    : !state.running() ? DestroyReason.SHUTDOWN
                    : connection.expiredAt(now) ? DestroyReason.EXPIRED
                    : state.live.size() > state.config.maxSize() ? DestroyReason.RESIZED
                    : null;
            if (reason != null) {
                removal = state.remove(connection, reason);
                growth.reserve();
            } else {
                state.handBack(connection);
                int available = observed ? state.idleCount() : -1;
                event = available >= 0
                        ? new PoolEvent.Released(connection.id, connection.useCount, available,
                                state.live.size() - available)
                        : null;
            }
        } finally {
            state.lock.unlock();
        }
        if (leakEvent != null) {
            state.emit(leakEvent);
        }
        if (removal != null) {
            destroyer.destroyLater(connection, removal);
        } else if (event != null) {
            state.emit(event);
        }
    }

    /**
     * The fast path of a release, without the lock, while nobody waits: the connection goes on top
     * of the idle stack. Then the classic re-check: a waiter that joined the line meanwhile, or a
     * close that began, may have missed it, so it is handed over (or destroyed) under the lock.
     */
    private void releaseFast(PooledLease<T> lease, long now) {
        PooledConnection<T> connection = lease.pooled;
        if (Thread.currentThread().isVirtual()) {
            if (!lease.end(false, PooledConnection.State.HELD)) {
                return;
            }
            connection.stampReturned(now);
            state.idle.push(connection);
        } else {
            if (!connection.heldBy(lease.word)) {
                lease.end(false, PooledConnection.State.HELD); // a second ending: throws, or changes nothing
                return;
            }
            // Stamped while the lease still holds it: once cached, anyone may take it.
            connection.stampReturned(now);
            ThreadHint<T> hint = lease.hint;
            if (hint == null || hint.thread != Thread.currentThread()) {
                hint = cache.get();
            }
            PooledConnection<T> previous = hint.connection;
            if (previous != connection) {
                if (previous != null && previous.claimCached()) {
                    state.idle.push(previous); // the one this thread kept before: onto the stack, below this one
                }
                hint.connection = connection;
            }
            // Ends the lease and caches the connection in one compare-and-set: the only fence here.
            if (!lease.end(false, PooledConnection.State.CACHED)) {
                return;
            }
        }
        if (state.waiters.size() != 0 || !state.running()) {
            recheckAfterFastRelease();
        }
    }

    /** A waiter joined the line, or a close began, while a release took the fast path: serve or close under the lock. */
    private void recheckAfterFastRelease() {
        List<PooledConnection<T>> victims = new ArrayList<>();
        List<PoolEvent.Destroyed> removals = new ArrayList<>();
        state.lock.lock();
        try {
            if (state.running()) {
                state.dispatchIdle();
            } else {
                for (PooledConnection<T> idle = state.takeIdle(); idle != null; idle = state.takeIdle()) {
                    removals.add(state.remove(idle, DestroyReason.SHUTDOWN));
                    victims.add(idle);
                }
            }
        } finally {
            state.lock.unlock();
        }
        for (int i = 0; i < victims.size(); i++) {
            destroyer.destroyLater(victims.get(i), removals.get(i));
        }
    }

    // ---------------------------------------------------------------- settings at run time

    @Override
    public void resize(int minSize, int maxSize) {
        PoolConfig resized = state.config.toBuilder().minSize(minSize).maxSize(maxSize).build();
        List<PooledConnection<T>> surplus = new ArrayList<>();
        List<PoolEvent.Destroyed> removals = new ArrayList<>();
        state.lock.lock();
        try {
            state.config = resized;
            // Idle connections above the new maximum go now; busy ones when they come back (end()).
            List<PooledConnection<T>> idle = state.idle.drain();
            for (int i = idle.size() - 1; i >= 0 && state.live.size() > resized.maxSize(); i--) {
                PooledConnection<T> connection = idle.remove(i); // least recently used first
                removals.add(state.remove(connection, DestroyReason.RESIZED));
                surplus.add(connection);
            }
            state.idle.restore(idle);
            growth.reserve();
        } finally {
            state.lock.unlock();
        }
        state.emit(new PoolEvent.Resized(resized.minSize(), resized.maxSize()));
        for (int i = 0; i < surplus.size(); i++) {
            destroyer.destroyLater(surplus.get(i), removals.get(i));
        }
    }

    @Override
    public void acquireTimeout(Duration timeout) {
        LeaseOwner.checkTimeoutSetting(timeout);
        state.lock.lock();
        try {
            state.config = state.config.toBuilder().acquireTimeout(timeout).build();
        } finally {
            state.lock.unlock();
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void close() {
        List<PooledConnection<T>> victims = new ArrayList<>();
        List<PoolEvent.Destroyed> removals = new ArrayList<>();
        int total;
        state.lock.lock();
        try {
            if (state.runState != PoolState.RunState.RUNNING) {
                awaitClosed();
                return;
            }
            state.runState = PoolState.RunState.SHUTTING_DOWN;
            total = state.live.size();
            for (WaiterQueue.Waiter<T> waiter = state.waiters.pollFirst(); waiter != null;
                    waiter = state.waiters.pollFirst()) {
                if (waiter.connection == null) {
                    state.unserved--;
                }
                waiter.closed = true;
                waiter.signal(WaiterQueue.Waiter.CLOSED);
            }
            for (PooledConnection<T> connection = state.takeIdle(); connection != null;
                    connection = state.takeIdle()) {
                removals.add(state.remove(connection, DestroyReason.SHUTDOWN));
                victims.add(connection);
            }
            state.lifecycle.signalAll();
        } finally {
            state.lock.unlock();
        }
        boolean interrupted = false;
        try {
            state.emit(new PoolEvent.ShuttingDown(total));
            for (int i = 0; i < victims.size(); i++) {
                destroyer.destroyAndWait(victims.get(i), removals.get(i));
            }
            interrupted = Thread.interrupted();
            victims.clear();
            removals.clear();
            state.lock.lock();
            try {
                long nanos = state.config.drainTimeout().toNanos();
                while ((!state.live.isEmpty() || state.pending > 0 || state.destroying > 0) && nanos > 0
                        && !interrupted) {
                    try {
                        nanos = state.lifecycle.awaitNanos(nanos);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                // Past the drain time: leased connections are taken back. Connections the pool's own
                // threads hold are destroyed by those threads when their work ends.
                for (PooledConnection<T> connection : state.liveCopy()) {
                    if (connection.revoke()) {
                        removals.add(state.remove(connection, DestroyReason.SHUTDOWN));
                        victims.add(connection);
                    }
                }
            } finally {
                state.lock.unlock();
            }
            for (int i = 0; i < victims.size(); i++) {
                LOG.warn("[POOL] Connection {} was still leased after the {}s drain time; destroying it",
                        victims.get(i).id, Seconds.of(state.config.drainTimeout()));
                destroyer.destroyAndWait(victims.get(i), removals.get(i));
            }
            interrupted |= Thread.interrupted();
        } finally {
            state.lock.lock();
            try {
                state.runState = PoolState.RunState.CLOSED;
                state.lifecycle.signalAll();
            } finally {
                state.lock.unlock();
            }
            state.emit(new PoolEvent.ShutDown());
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A second close() while the first one drains: returns when the pool is closed; keeps an interrupt. */
    private void awaitClosed() {
        assert state.lock.isHeldByCurrentThread();
        while (state.runState != PoolState.RunState.CLOSED) {
            try {
                state.lifecycle.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---------------------------------------------------------------- stats and helpers

    /**
     * An acquire's timeout, as seen under the lock: the counts at that moment and the last
     * creation failure. Cheap (no message, no stack trace); {@link #serve} turns it into the
     * {@link AcquireTimeoutException} once the lock is released.
     */
    private static final class TimedOut extends RuntimeException {
        final PoolStats stats;

        TimedOut(PoolStats stats, Throwable lastCreationFailure) {
            super(null, lastCreationFailure, false, false);
            this.stats = stats;
        }
    }

    @Override
    public PoolStats stats() {
        return state.stats();
    }

    @Override
    public PoolConfig config() {
        return state.config;
    }

    @Override
    public String name() {
        return state.config.name();
    }

    /** One maintenance pass at {@code now} on the pool's clock, for tests; returns when the next is due. */
    long maintain(long now) {
        return maintenance.maintain(now);
    }

    /** The maintenance thread, for tests that wait for it to stop. */
    Thread maintenanceThread() {
        return maintenance.thread();
    }

    private void ensureRunning() {
        if (!state.running()) {
            throw closed();
        }
    }

    private PoolClosedException closed() {
        return LeaseOwner.closed(state.config.name());
    }

    private AcquireInterruptedException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new AcquireInterruptedException("Interrupted while waiting for a " + state.config.connectionName()
                + " connection from the " + state.config.name() + " pool", e);
    }

    @Override
    public String toString() {
        return "FairPool[" + state.config.name() + ", " + stats() + "]";
    }

    private static boolean overridesIsValid(ConnectionFactory<?> factory) {
        try {
            return factory.getClass().getMethod("isValid", Object.class).getDeclaringClass()
                    != ConnectionFactory.class;
        } catch (NoSuchMethodException e) {
            return true;
        }
    }
}
