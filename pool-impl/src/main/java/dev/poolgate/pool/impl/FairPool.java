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
import dev.poolgate.pool.PoolEvent.Purpose;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool: fair, exact, and never doing I/O under its lock.
 *
 * <p>Design. One {@link ReentrantLock} guards all state: the idle stack (most recently used on
 * top), the list of live connections, the FIFO queue of waiters, and the counters, so every
 * {@link #stats()} snapshot is consistent and {@code live == idle + inUse} holds at each unlock.
 * <ul>
 *   <li><b>Acquire</b> pops the top idle connection, but only when nobody waits; otherwise the
 *       caller queues at the tail and waits on its own {@link Condition} until it is handed a
 *       connection, its deadline passes, or the pool closes.
 *   <li><b>Release</b> hands the connection straight to the longest waiter (its condition is
 *       signalled), so a newcomer can never barge in ahead of it; with nobody waiting it goes on
 *       top of the idle stack.
 *   <li><b>Growth</b>: whenever waiters outnumber the creations under way (new connections still
 *       being announced count as under way) and there is room below max, a slot is reserved
 *       ({@code pending++}) and a virtual thread creates the connection outside the lock, then
 *       publishes it to the longest waiter (or the idle stack). The
 *       minimum is refilled the same way. {@code live + pending <= max} always, so concurrent
 *       creations can never overshoot. A failed creation is retried with backoff while still
 *       needed, else frees its slot; waiters that time out get the last failure as the cause.
 *   <li><b>Destruction</b> removes a connection under the lock and calls the factory after it.
 *       Pool-internal work on one connection (announcing it, a health check, a validation)
 *       holds it in state {@link PooledConnection.State#HELD}, counted as in use.
 *   <li><b>Maintenance</b> ({@link #maintain(long)}) runs on a virtual thread, takes the time as an
 *       argument and returns when it is next due: idle cleanup down to min, retiring at max
 *       lifetime, health-check rounds, leak reports, refilling to min.
 *   <li><b>Lifecycle</b>: {@code RUNNING -> SHUTTING_DOWN -> CLOSED}, all transitions in
 *       {@link #close()}, which returns once no connection is left, no creation is under way and
 *       no factory destroy call is still running (or the drain time has passed).
 * </ul>
 * Events for listeners (and so the log lines) are built under the lock, where their counts are
 * exact, and delivered after it is released. The two events of every acquire and release are
 * built only while someone observes them (a listener, or the log at INFO).
 */
final class FairPool<T> implements Pool<T>, LeaseOwner<T> {

    private static final Logger LOG = LoggerFactory.getLogger(FairPool.class);

    /** Max-lifetime jitter: each connection retires up to this fraction earlier, at random. */
    private static final double LIFETIME_JITTER = 0.025;
    private static final long BACKOFF_FIRST_NANOS = Duration.ofMillis(10).toNanos();
    private static final long BACKOFF_MAX_NANOS = Duration.ofSeconds(2).toNanos();
    /** The longest maintenance sleep when every timed feature is off. */
    private static final long MAINTENANCE_MAX_PERIOD_NANOS = Duration.ofSeconds(60).toNanos();

    private enum RunState { RUNNING, SHUTTING_DOWN, CLOSED }

    /** The settings; replaced whole under {@link #lock} by {@link #resize} and {@link #acquireTimeout}. */
    private volatile PoolConfig config;
    private final ConnectionFactory<T> factory;
    private final PoolListener listener;
    /**
     * Whether the events of every acquire and release have an observer; when none does (only the
     * log, with INFO off), they are not built, which is most of an acquire's allocation.
     */
    private final BooleanSupplier handOutsObserved;
    private final PoolClock clock;
    /** The factory overrides {@link ConnectionFactory#isValid}, so hand-outs are validated outside the lock. */
    private final boolean validates;
    private final long idleTimeoutNanos;
    private final long healthCheckNanos;
    private final long lifetimeNanos;
    private final long leakThresholdNanos;
    /** Maintenance never sleeps longer: any deadline born later is at least this far away. */
    private final long maintenancePeriodNanos;

    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Signalled when the pool starts closing (wakes the maintenance thread and creators backing
     * off) and, while it closes, each time a connection, its destruction or a creation ends
     * (wakes close()).
     */
    private final Condition lifecycle = lock.newCondition();

    // Guarded by lock.
    private RunState runState = RunState.RUNNING;
    private final ArrayDeque<PooledConnection<T>> idle = new ArrayDeque<>();
    private final List<PooledConnection<T>> live = new ArrayList<>();
    private final WaiterQueue<T> waiters = new WaiterQueue<>();
    private int inUse;
    private int pending;
    /**
     * Connections created and being announced (their Created event goes out between two lock
     * sections), not yet handed on. Each will serve one of the waiters, so growth counts them as it
     * counts a pending creation; without that, a waiter arriving during an announcement reserved a
     * creation for the waiter the new connection was about to serve.
     */
    private int announcing;
    /** Connections removed whose {@link ConnectionFactory#destroy} has not returned yet; close() waits for them. */
    private int destroying;
    private long created;
    private long destroyed;
    private long reused;
    private long acquireTimeouts;
    private long healthCheckFailures;
    private Throwable lastCreationFailure;
    private long nextHealthCheckNanos;

    /** Held for a whole maintenance pass, so that passes never overlap. */
    private final ReentrantLock maintenanceLock = new ReentrantLock();
    private Thread maintenanceThread;

    private FairPool(PoolConfig config, ConnectionFactory<T> factory, PoolListener listener, PoolClock clock) {
        this.config = config;
        this.factory = factory;
        this.listener = listener;
        this.handOutsObserved = listener instanceof CompositeListener composite ? composite::observesHandOuts
                : () -> listener != PoolListener.NONE;
        this.clock = clock;
        this.validates = overridesIsValid(factory);
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.healthCheckNanos = config.healthCheckInterval().toNanos();
        this.lifetimeNanos = config.maxLifetime().toNanos();
        this.leakThresholdNanos = config.leakDetectionThreshold().toNanos();
        long period = MAINTENANCE_MAX_PERIOD_NANOS;
        for (long candidate : new long[] {idleTimeoutNanos, healthCheckNanos, leakThresholdNanos,
                (long) (lifetimeNanos * (1 - LIFETIME_JITTER))}) {
            if (candidate > 0) {
                period = Math.min(period, candidate);
            }
        }
        this.maintenancePeriodNanos = period;
    }

    /** Creates the pool, its minimum of connections (in parallel), and starts its maintenance. */
    static <T> FairPool<T> start(PoolConfig config, ConnectionFactory<T> factory, PoolListener listener,
            PoolClock clock) {
        FairPool<T> pool = new FairPool<>(config, factory, listener, clock);
        pool.fillMinimum();
        pool.maintenanceThread = Thread.ofVirtual()
                .name("poolgate-maintenance-" + config.name())
                .start(pool::runMaintenance);
        return pool;
    }

    private void fillMinimum() {
        emit(new PoolEvent.Starting(config.minSize(), config.maxSize()));
        lock.lock();
        try {
            nextHealthCheckNanos = clock.nanoTime() + healthCheckNanos;
            pending += config.minSize();
        } finally {
            lock.unlock();
        }
        List<Thread> creators = new ArrayList<>(config.minSize());
        for (int i = 0; i < config.minSize(); i++) {
            creators.add(Thread.ofVirtual().name("poolgate-create").start(() -> create(Purpose.MINIMUM, false)));
        }
        boolean interrupted = false;
        for (Thread creator : creators) {
            while (true) {
                try {
                    creator.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        int connections;
        lock.lock();
        try {
            connections = live.size();
        } finally {
            lock.unlock();
        }
        emit(new PoolEvent.Started(connections));
    }

    // ---------------------------------------------------------------- acquire

    @Override
    public Lease<T> acquire() {
        return acquire(config.acquireTimeout());
    }

    @Override
    public Lease<T> acquire(Duration timeout) {
        LeaseOwner.checkTimeout(timeout);
        long deadline = System.nanoTime() + LeaseOwner.waitNanos(timeout);
        boolean requeued = false;
        while (true) {
            PooledConnection<T> connection = null;
            PooledLease<T> lease = null;
            PoolEvent event = null;
            TimedOut timedOut = null;
            try {
                lock.lockInterruptibly();
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
            try {
                connection = awaitConnection(timeout, deadline, requeued);
                long now = clock.nanoTime();
                if (connection.fresh || (!validates && !connection.expiredAt(now))) {
                    lease = claim(connection, now);
                    event = handOutEvent(connection);
                }
            } catch (TimedOut e) {
                timedOut = e;
            } finally {
                lock.unlock();
            }
            if (timedOut != null) {
                // The message and the stack trace are built here, after unlocking: callers that
                // time out together must not queue on the lock behind each other's formatting.
                emit(new PoolEvent.AcquireTimedOut(timeout, timedOut.stats));
                throw new AcquireTimeoutException(config.connectionName(), timeout, timedOut.stats,
                        timedOut.getCause());
            }
            if (lease != null) {
                if (event != null) {
                    emit(event);
                }
                return lease;
            }
            // Validation on the way out, outside the lock: the connection is HELD by this thread.
            DestroyReason rejected = validate(connection);
            if (rejected == null) {
                lock.lock();
                try {
                    if (connection.state == PooledConnection.State.HELD) {
                        lease = claim(connection, clock.nanoTime());
                        event = handOutEvent(connection);
                    }
                } finally {
                    lock.unlock();
                }
                if (lease != null) {
                    if (event != null) {
                        emit(event);
                    }
                    return lease;
                }
            } else {
                destroyHeld(connection, rejected);
            }
            requeued = true;
        }
    }

    /**
     * Takes an idle connection if nobody waits, else waits in line for one. Returns it HELD by the
     * caller and counted in use.
     */
    private PooledConnection<T> awaitConnection(Duration timeout, long deadline, boolean atFront) {
        assert lock.isHeldByCurrentThread();
        ensureRunning();
        if (waiters.isEmpty()) {
            PooledConnection<T> top = idle.pollFirst();
            if (top != null) {
                top.state = PooledConnection.State.HELD;
                inUse++;
                return top;
            }
        }
        WaiterQueue.Waiter<T> waiter = new WaiterQueue.Waiter<>(lock.newCondition());
        if (atFront) {
            waiters.addFirst(waiter);
        } else {
            waiters.addLast(waiter);
        }
        reserveCreations();
        long nanos = deadline - System.nanoTime();
        try {
            while (waiter.connection == null) {
                if (waiter.closed) {
                    throw closed();
                }
                if (nanos <= 0) {
                    waiters.remove(waiter);
                    acquireTimeouts++;
                    throw new TimedOut(snapshot(), lastCreationFailure);
                }
                nanos = waiter.ready.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            if (waiter.connection != null) {
                handBack(waiter.connection);
            } else {
                waiters.remove(waiter);
            }
            throw interrupted(e);
        }
        return waiter.connection;
    }

    /** Makes a HELD connection the caller's lease. */
    private PooledLease<T> claim(PooledConnection<T> connection, long now) {
        assert lock.isHeldByCurrentThread() && connection.state == PooledConnection.State.HELD;
        connection.useCount++;
        if (!connection.fresh) {
            reused++;
        }
        Throwable acquiredAt = leakThresholdNanos > 0
                ? new Throwable("Connection " + connection.id + " acquired by " + Thread.currentThread())
                : null;
        PooledLease<T> lease = new PooledLease<>(this, connection, now, acquiredAt);
        connection.lease = lease;
        connection.state = PooledConnection.State.LEASED;
        return lease;
    }

    /** The event of a hand-out: a reuse, or nothing for a connection straight from its creation. */
    private PoolEvent handOutEvent(PooledConnection<T> connection) {
        assert lock.isHeldByCurrentThread();
        if (connection.fresh) {
            connection.fresh = false;
            return null;
        }
        return handOutsObserved.getAsBoolean()
                ? new PoolEvent.Reused(connection.id, connection.useCount, live.size())
                : null;
    }

    /** Checks a HELD connection on its way out; returns why it must go, or null if it may be handed out. */
    private DestroyReason validate(PooledConnection<T> connection) {
        if (connection.expiredAt(clock.nanoTime())) {
            return DestroyReason.EXPIRED;
        }
        try {
            return factory.isValid(connection.connection) ? null : DestroyReason.FAILED_VALIDATION;
        } catch (Exception e) {
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
        PoolEvent leakEvent = null;
        PoolEvent event;
        boolean destroy;
        long now = clock.nanoTime();
        lock.lock();
        try {
            if (!lease.markEnded(invalidate)) {
                return;
            }
            connection.lease = null;
            connection.lastReturnedNanos = now;
            if (lease.leakReported) {
                leakEvent = new PoolEvent.LeakReturned(connection.id, Duration.ofNanos(now - lease.acquiredNanos));
            }
            connection.state = PooledConnection.State.HELD;
            DestroyReason reason = invalidate ? DestroyReason.INVALIDATED
                    : runState != RunState.RUNNING ? DestroyReason.SHUTDOWN
                    : connection.expiredAt(now) ? DestroyReason.EXPIRED
                    : live.size() > config.maxSize() ? DestroyReason.RESIZED
                    : null;
            destroy = reason != null;
            if (destroy) {
                event = remove(connection, reason);
                reserveCreations();
            } else {
                handBack(connection);
                event = handOutsObserved.getAsBoolean()
                        ? new PoolEvent.Released(connection.id, connection.useCount, idle.size(), inUse)
                        : null;
            }
        } finally {
            lock.unlock();
        }
        if (leakEvent != null) {
            emit(leakEvent);
        }
        if (destroy) {
            destroy(connection, event);
        } else if (event != null) {
            emit(event);
        }
    }

    /**
     * Gives a HELD connection back: to the longest waiter if there is one (it stays HELD, now by
     * that waiter, and counted in use), else on top of the idle stack.
     */
    private void handBack(PooledConnection<T> connection) {
        assert lock.isHeldByCurrentThread() && connection.state == PooledConnection.State.HELD;
        WaiterQueue.Waiter<T> waiter = waiters.pollFirst();
        if (waiter != null) {
            waiter.connection = connection;
            waiter.ready.signal();
            return;
        }
        connection.fresh = false;
        connection.state = PooledConnection.State.IDLE;
        idle.addFirst(connection);
        inUse--;
    }

    // ---------------------------------------------------------------- settings at run time

    @Override
    public void resize(int minSize, int maxSize) {
        PoolConfig resized = config.toBuilder().minSize(minSize).maxSize(maxSize).build();
        List<PooledConnection<T>> surplus = new ArrayList<>();
        List<PoolEvent> events = new ArrayList<>();
        lock.lock();
        try {
            config = resized;
            // Idle connections above the new maximum go now; busy ones when they come back (end()).
            while (live.size() > resized.maxSize() && !idle.isEmpty()) {
                PooledConnection<T> connection = idle.pollLast();
                connection.state = PooledConnection.State.HELD;
                inUse++;
                events.add(remove(connection, DestroyReason.RESIZED));
                surplus.add(connection);
            }
            reserveCreations();
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < surplus.size(); i++) {
            destroy(surplus.get(i), events.get(i));
        }
    }

    @Override
    public void acquireTimeout(Duration timeout) {
        LeaseOwner.checkTimeout(timeout);
        lock.lock();
        try {
            config = config.toBuilder().acquireTimeout(timeout).build();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- creation

    /**
     * Reserves a slot and starts a creator for each connection needed now: one per waiter beyond
     * the creations under way, and enough to reach min; never past max.
     */
    private void reserveCreations() {
        assert lock.isHeldByCurrentThread();
        if (runState != RunState.RUNNING) {
            return;
        }
        while (pending < wantedCreations()) {
            Purpose purpose = waiters.size() - announcing > pending ? Purpose.GROWTH : Purpose.MINIMUM;
            pending++;
            // Starting a virtual thread only queues it; it takes the lock once we let go.
            Thread.ofVirtual().name("poolgate-create").start(() -> create(purpose, true));
        }
    }

    private int wantedCreations() {
        int size = live.size();
        int unserved = waiters.size() - announcing;
        return Math.min(Math.max(unserved, config.minSize() - size), config.maxSize() - size);
    }

    /** Runs on a creator thread, which owns one reserved slot until it publishes or gives up. */
    private void create(Purpose purpose, boolean retry) {
        for (int failures = 1; ; failures++) {
            T connection = null;
            Throwable failure;
            try {
                connection = factory.create();
                failure = connection == null
                        ? new NullPointerException("ConnectionFactory.create() returned null; return a connection or throw")
                        : null;
            } catch (Exception | Error e) {
                failure = e;
            }
            if (failure == null) {
                publish(connection, purpose);
                return;
            }
            emit(new PoolEvent.CreationFailed(failure));
            lock.lock();
            try {
                lastCreationFailure = failure;
                if (!retry || !stillWanted()) {
                    giveUpSlot();
                    return;
                }
                long backoff = Math.min(BACKOFF_FIRST_NANOS << Math.min(failures - 1, 20), BACKOFF_MAX_NANOS);
                while (backoff > 0 && runState == RunState.RUNNING) {
                    backoff = lifecycle.awaitNanos(backoff);
                }
                if (!stillWanted()) {
                    giveUpSlot();
                    return;
                }
            } catch (InterruptedException e) {
                giveUpSlot();
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Whether the caller's reserved slot is still needed (it is one of {@code pending}). */
    private boolean stillWanted() {
        return runState == RunState.RUNNING && pending <= wantedCreations();
    }

    private void giveUpSlot() {
        assert lock.isHeldByCurrentThread();
        pending--;
        if (runState != RunState.RUNNING) {
            lifecycle.signalAll();
        }
    }

    /** Adds a new connection: announced first (so its line precedes any use), then handed on. */
    private void publish(T created, Purpose purpose) {
        long now = clock.nanoTime();
        long lifetime = lifetimeNanos > 0
                ? lifetimeNanos - (long) (lifetimeNanos * LIFETIME_JITTER * ThreadLocalRandom.current().nextDouble())
                : 0;
        PooledConnection<T> connection = new PooledConnection<>(ConnectionIds.next(), created, now, clock.instant(),
                lifetime);
        PoolEvent announcement;
        lock.lock();
        try {
            pending--;
            announcing++;
            this.created++;
            lastCreationFailure = null;
            live.add(connection);
            inUse++; // HELD by this creator until it is handed on
            announcement = new PoolEvent.Created(connection.id, purpose, live.size(), config.maxSize());
        } finally {
            lock.unlock();
        }
        emit(announcement);
        PoolEvent removal = null;
        lock.lock();
        try {
            announcing--;
            if (connection.state != PooledConnection.State.HELD) {
                return; // close() gave up waiting and destroyed it already
            }
            if (runState == RunState.RUNNING) {
                connection.fresh = true;
                handBack(connection);
            } else {
                removal = remove(connection, DestroyReason.SHUTDOWN);
            }
        } finally {
            lock.unlock();
        }
        if (removal != null) {
            destroy(connection, removal);
        }
    }

    // ---------------------------------------------------------------- destruction

    /**
     * Takes a connection out of the pool (the caller has taken it off the idle stack already) and
     * returns its event; the caller destroys it after unlocking.
     */
    private PoolEvent remove(PooledConnection<T> connection, DestroyReason reason) {
        assert lock.isHeldByCurrentThread() && connection.state != PooledConnection.State.IDLE
                && connection.state != PooledConnection.State.REMOVED;
        connection.state = PooledConnection.State.REMOVED;
        connection.lease = null;
        live.remove(connection);
        inUse--;
        destroyed++;
        destroying++;
        if (runState != RunState.RUNNING) {
            lifecycle.signalAll();
        }
        return new PoolEvent.Destroyed(connection.id, reason, live.size());
    }

    /** Removes a connection this thread holds and destroys it. */
    private void destroyHeld(PooledConnection<T> connection, DestroyReason reason) {
        PoolEvent event = null;
        lock.lock();
        try {
            if (connection.state == PooledConnection.State.HELD) {
                event = remove(connection, reason);
                reserveCreations();
            }
        } finally {
            lock.unlock();
        }
        if (event != null) {
            destroy(connection, event);
        }
    }

    /** Calls the factory (never under the lock), then reports the removal. */
    private void destroy(PooledConnection<T> connection, PoolEvent removal) {
        assert !lock.isHeldByCurrentThread();
        try {
            try {
                factory.destroy(connection.connection);
            } catch (Exception | Error e) {
                emit(new PoolEvent.DestroyFailed(connection.id, e));
            }
            emit(removal);
        } finally {
            lock.lock();
            try {
                destroying--;
                if (runState != RunState.RUNNING) {
                    lifecycle.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    // ---------------------------------------------------------------- maintenance

    private void runMaintenance() {
        while (true) {
            long next;
            try {
                next = maintain(clock.nanoTime());
            } catch (RuntimeException e) {
                LOG.error("[POOL] Maintenance of the {} pool failed; retrying at its next period", config.name(), e);
                next = clock.nanoTime() + maintenancePeriodNanos;
            }
            lock.lock();
            try {
                while (runState == RunState.RUNNING) {
                    long wait = next - clock.nanoTime();
                    if (wait <= 0) {
                        break;
                    }
                    lifecycle.awaitNanos(wait);
                }
                if (runState != RunState.RUNNING) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * One maintenance pass at time {@code now} (on the pool's clock): closes idle connections past
     * the idle timeout while more than min exist, retires expired ones, reports leases held past
     * the leak threshold, health-checks idle connections when a round is due, and refills to min.
     *
     * @return when the next pass is due, on the same clock
     */
    long maintain(long now) {
        maintenanceLock.lock();
        try {
            List<PooledConnection<T>> victims = new ArrayList<>();
            List<PoolEvent> removals = new ArrayList<>();
            List<PoolEvent> leaks = new ArrayList<>();
            List<PooledConnection<T>> toCheck = List.of();
            lock.lock();
            try {
                if (runState != RunState.RUNNING) {
                    return now + maintenancePeriodNanos;
                }
                for (Iterator<PooledConnection<T>> it = idle.descendingIterator(); it.hasNext(); ) {
                    PooledConnection<T> connection = it.next();
                    DestroyReason reason = connection.expiredAt(now) ? DestroyReason.EXPIRED
                            : idleTimeoutNanos > 0 && live.size() > config.minSize()
                                    && now - connection.lastReturnedNanos >= idleTimeoutNanos ? DestroyReason.IDLE
                            : null;
                    if (reason != null) {
                        it.remove();
                        connection.state = PooledConnection.State.HELD;
                        inUse++;
                        removals.add(remove(connection, reason));
                        victims.add(connection);
                    }
                }
                if (leakThresholdNanos > 0) {
                    for (PooledConnection<T> connection : live) {
                        PooledLease<T> lease = connection.lease;
                        if (lease != null && !lease.leakReported && now - lease.acquiredNanos >= leakThresholdNanos) {
                            lease.leakReported = true;
                            leaks.add(new PoolEvent.LeakSuspected(connection.id,
                                    Duration.ofNanos(now - lease.acquiredNanos), lease.acquiredAt));
                        }
                    }
                }
                if (healthCheckNanos > 0 && now - nextHealthCheckNanos >= 0) {
                    toCheck = new ArrayList<>(idle);
                    nextHealthCheckNanos = now + healthCheckNanos;
                }
                reserveCreations();
            } finally {
                lock.unlock();
            }
            for (int i = 0; i < victims.size(); i++) {
                destroy(victims.get(i), removals.get(i));
            }
            leaks.forEach(this::emit);
            for (PooledConnection<T> connection : toCheck) {
                checkHealth(connection);
            }
            return nextDue(now);
        } finally {
            maintenanceLock.unlock();
        }
    }

    /** Health-checks one connection if it is still idle, taking it out of the idle stack meanwhile. */
    private void checkHealth(PooledConnection<T> connection) {
        lock.lock();
        try {
            if (runState != RunState.RUNNING || connection.state != PooledConnection.State.IDLE) {
                return;
            }
            idle.remove(connection);
            connection.state = PooledConnection.State.HELD;
            inUse++;
        } finally {
            lock.unlock();
        }
        boolean healthy;
        Throwable cause = null;
        try {
            healthy = factory.isHealthy(connection.connection);
        } catch (Exception | Error e) {
            healthy = false;
            cause = e;
        }
        PoolEvent removal = null;
        lock.lock();
        try {
            if (connection.state != PooledConnection.State.HELD) {
                return; // close() gave up waiting and destroyed it already
            }
            if (!healthy) {
                healthCheckFailures++;
                removal = remove(connection, DestroyReason.UNHEALTHY);
            } else if (runState != RunState.RUNNING) {
                removal = remove(connection, DestroyReason.SHUTDOWN);
            } else if (!waiters.isEmpty()) {
                handBack(connection);
            } else {
                // Back at the bottom of the stack: a check is not a use.
                connection.state = PooledConnection.State.IDLE;
                idle.addLast(connection);
                inUse--;
            }
        } finally {
            lock.unlock();
        }
        if (!healthy) {
            emit(new PoolEvent.HealthCheckFailed(connection.id, cause));
        }
        if (removal != null) {
            destroy(connection, removal);
        }
        if (!healthy) {
            // The replacement starts once the failure is reported, so the lines read in order.
            lock.lock();
            try {
                reserveCreations();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The earliest deadline of any timed duty after {@code now}, and no later than one period away. */
    private long nextDue(long now) {
        lock.lock();
        try {
            long next = now + maintenancePeriodNanos;
            if (healthCheckNanos > 0) {
                next = earlier(next, nextHealthCheckNanos);
            }
            for (PooledConnection<T> connection : idle) {
                if (connection.expires) {
                    next = earlier(next, connection.expiresAtNanos);
                }
                if (idleTimeoutNanos > 0 && live.size() > config.minSize()) {
                    next = earlier(next, connection.lastReturnedNanos + idleTimeoutNanos);
                }
            }
            if (leakThresholdNanos > 0) {
                for (PooledConnection<T> connection : live) {
                    PooledLease<T> lease = connection.lease;
                    if (lease != null && !lease.leakReported) {
                        next = earlier(next, lease.acquiredNanos + leakThresholdNanos);
                    }
                }
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    private static long earlier(long a, long b) {
        return b - a < 0 ? b : a;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void close() {
        List<PooledConnection<T>> victims = new ArrayList<>();
        List<PoolEvent> removals = new ArrayList<>();
        int total;
        lock.lock();
        try {
            if (runState != RunState.RUNNING) {
                awaitClosed();
                return;
            }
            runState = RunState.SHUTTING_DOWN;
            total = live.size();
            for (WaiterQueue.Waiter<T> waiter = waiters.pollFirst(); waiter != null; waiter = waiters.pollFirst()) {
                waiter.closed = true;
                waiter.ready.signal();
            }
            for (PooledConnection<T> connection = idle.pollFirst(); connection != null; connection = idle.pollFirst()) {
                connection.state = PooledConnection.State.HELD;
                inUse++;
                removals.add(remove(connection, DestroyReason.SHUTDOWN));
                victims.add(connection);
            }
            lifecycle.signalAll();
        } finally {
            lock.unlock();
        }
        emit(new PoolEvent.ShuttingDown(total));
        for (int i = 0; i < victims.size(); i++) {
            destroy(victims.get(i), removals.get(i));
        }
        victims.clear();
        removals.clear();
        boolean interrupted = false;
        lock.lock();
        try {
            long nanos = config.drainTimeout().toNanos();
            while ((!live.isEmpty() || pending > 0 || destroying > 0) && nanos > 0) {
                try {
                    nanos = lifecycle.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            // Past the drain time: leased connections are taken back. Connections the pool's own
            // threads hold are destroyed by those threads when their factory call returns.
            for (PooledConnection<T> connection : List.copyOf(live)) {
                PooledLease<T> lease = connection.lease;
                if (lease != null) {
                    lease.revoked = true;
                    lease.ended = true;
                    connection.state = PooledConnection.State.HELD;
                    removals.add(remove(connection, DestroyReason.SHUTDOWN));
                    victims.add(connection);
                }
            }
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < victims.size(); i++) {
            LOG.warn("[POOL] Connection {} was still leased after the {}s drain time; destroying it",
                    victims.get(i).id, Seconds.of(config.drainTimeout()));
            destroy(victims.get(i), removals.get(i));
        }
        lock.lock();
        try {
            runState = RunState.CLOSED;
            lifecycle.signalAll();
        } finally {
            lock.unlock();
        }
        emit(new PoolEvent.ShutDown());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A second close() while the first one drains: returns when the pool is closed. */
    private void awaitClosed() {
        assert lock.isHeldByCurrentThread();
        while (runState != RunState.CLOSED) {
            try {
                lifecycle.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * An acquire's timeout, as seen under the lock: the counts at that moment and the last
     * creation failure. Cheap (no message, no stack trace); the caller turns it into the
     * {@link AcquireTimeoutException} once the lock is released.
     */
    private static final class TimedOut extends RuntimeException {
        final PoolStats stats;

        TimedOut(PoolStats stats, Throwable lastCreationFailure) {
            super(null, lastCreationFailure, false, false);
            this.stats = stats;
        }
    }

    // ---------------------------------------------------------------- stats and helpers

    @Override
    public PoolStats stats() {
        lock.lock();
        try {
            return snapshot();
        } finally {
            lock.unlock();
        }
    }

    private PoolStats snapshot() {
        assert lock.isHeldByCurrentThread();
        return new PoolStats(created, destroyed, reused, acquireTimeouts, healthCheckFailures, live.size(),
                idle.size(), inUse, waiters.size());
    }

    @Override
    public PoolConfig config() {
        return config;
    }

    @Override
    public String name() {
        return config.name();
    }

    /** The maintenance thread, for tests that wait for it to stop. */
    Thread maintenanceThread() {
        return maintenanceThread;
    }

    private void ensureRunning() {
        if (runState != RunState.RUNNING) {
            throw closed();
        }
    }

    private PoolClosedException closed() {
        return LeaseOwner.closed(config.name());
    }

    private AcquireInterruptedException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new AcquireInterruptedException("Interrupted while waiting for a " + config.connectionName()
                + " connection from the " + config.name() + " pool", e);
    }

    private void emit(PoolEvent event) {
        listener.onEvent(event);
    }

    @Override
    public String toString() {
        return "FairPool[" + config.name() + ", " + stats() + "]";
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
