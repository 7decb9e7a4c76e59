package dev.poolgate.pool.impl;

import dev.poolgate.pool.AcquireInterruptedException;
import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.ConnectionCreationException;
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
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pooling disabled: every acquire creates a fresh connection and every release destroys it. The
 * maximum is still a limit: a connection counts from its creation's start until its destroy
 * returned (or timed out), and an acquire beyond it waits, first come first served, within its
 * timeout. The creation runs on its own virtual thread, so the caller's timeout and interrupts
 * hold while the factory works; a connection that arrives for a caller who gave up is destroyed.
 * The stats count creations and leases like the pool does ({@code available} is always 0).
 */
final class UnpooledPool<T> implements Pool<T>, LeaseOwner<T> {

    private static final Logger LOG = LoggerFactory.getLogger(UnpooledPool.class);

    /** The settings; replaced whole by {@link #resize} and {@link #acquireTimeout}. */
    private volatile PoolConfig config;
    private final ConnectionFactory<T> factory;
    private final PoolListener listener;
    private final PoolClock clock;
    private final Destroyer<T> destroyer;

    /** Guards every field below, and each {@link Creation}'s and {@link Turn}'s fields. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a connection, a creation or a destroy ends (close() waits on it) and once closed. */
    private final Condition drained = lock.newCondition();

    private boolean closing;
    /** Set when close() has ended; a concurrent second close() waits for it. */
    private boolean closed;
    private final Set<PooledLease<T>> leases = new LinkedHashSet<>();
    /** Acquirers waiting for room below the maximum, in order of arrival. */
    private final ArrayDeque<Turn> turns = new ArrayDeque<>();
    private long created;
    private long destroyed;
    private long acquireTimeouts;
    /** Creations under way, including those whose caller gave up. */
    private int creating;
    /** Connections whose destroy has neither returned nor timed out. */
    private int destroying;

    /** One acquirer's wait for room: granted by whoever frees it, in order. */
    private static final class Turn {
        final Condition granted;
        boolean given;
        boolean closed;

        Turn(Condition granted) {
            this.granted = granted;
        }
    }

    /** One creation, handed from its thread to the caller unless the caller gave up first. */
    private final class Creation {
        final Condition done = lock.newCondition();
        PooledLease<T> lease;
        PoolEvent.Created announcement;
        Throwable failure;
        boolean ended;
        boolean abandoned;
    }

    UnpooledPool(PoolConfig config, ConnectionFactory<T> factory, PoolListener listener, PoolClock clock) {
        this.config = config;
        this.factory = factory;
        this.listener = listener;
        this.clock = clock;
        this.destroyer = new Destroyer<>(factory, new Destroyer.Owner<>() {
            @Override
            public Duration destroyTimeout() {
                return UnpooledPool.this.config.destroyTimeout();
            }

            @Override
            public void emit(PoolEvent event) {
                UnpooledPool.this.emit(event);
            }

            @Override
            public boolean freeRoom(PooledConnection<T> connection) {
                return UnpooledPool.this.freeRoom(connection);
            }
        });
    }

    @Override
    public Lease<T> acquire() {
        return acquire(config.acquireTimeout());
    }

    @Override
    public Lease<T> acquire(Duration timeout) {
        LeaseOwner.checkTimeout(timeout);
        long deadline = System.nanoTime() + LeaseOwner.waitNanos(timeout);
        emit(new PoolEvent.Acquiring());
        Creation creation = new Creation();
        PoolStats timedOut = null;
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        try {
            if (closing) {
                throw closed();
            }
            if (turns.isEmpty() && used() < config.maxSize()) {
                creating++;
            } else {
                timedOut = awaitTurn(deadline);
            }
        } finally {
            lock.unlock();
        }
        if (timedOut != null) {
            throw timedOut(timeout, timedOut, null);
        }
        Thread.ofVirtual().name("poolgate-create").start(() -> create(creation));
        lock.lock();
        try {
            long nanos = deadline - System.nanoTime();
            while (!creation.ended) {
                if (nanos <= 0) {
                    creation.abandoned = true;
                    acquireTimeouts++;
                    timedOut = new PoolStats(created, destroyed, 0, acquireTimeouts, 0, leases.size(), 0,
                            leases.size(), turns.size());
                    break;
                }
                try {
                    nanos = creation.done.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    creation.abandoned = true;
                    throw interrupted(e);
                }
            }
        } finally {
            lock.unlock();
        }
        if (timedOut != null) {
            throw timedOut(timeout, timedOut, null);
        }
        if (creation.failure != null) {
            Throwable failure = creation.failure;
            throw new ConnectionCreationException("Could not create a new " + config.connectionName()
                    + " connection (pooling disabled): " + failure, failure);
        }
        if (creation.lease == null) {
            throw closed(); // the pool closed while the connection was being created; it is destroyed
        }
        emit(creation.announcement);
        return creation.lease;
    }

    /** Waits in line for room below max; returns the stats of a timeout, or null once granted. */
    private PoolStats awaitTurn(long deadline) {
        assert lock.isHeldByCurrentThread();
        Turn turn = new Turn(lock.newCondition());
        turns.addLast(turn);
        long nanos = deadline - System.nanoTime();
        try {
            while (!turn.given) {
                if (turn.closed) {
                    throw closed();
                }
                if (nanos <= 0) {
                    turns.remove(turn);
                    acquireTimeouts++;
                    return new PoolStats(created, destroyed, 0, acquireTimeouts, 0, leases.size(), 0, leases.size(),
                            turns.size());
                }
                nanos = turn.granted.awaitNanos(nanos);
            }
            return null;
        } catch (InterruptedException e) {
            if (turn.given) {
                creating--;
                grantTurns();
            } else {
                turns.remove(turn);
            }
            throw interrupted(e);
        }
    }

    /**
     * Runs on its own thread: the factory's call, then the connection becomes the caller's lease,
     * in the same lock section that ends the creation (so it never stops counting against max),
     * or is destroyed if the caller gave up or the pool is closing.
     */
    private void create(Creation creation) {
        FactoryCalls.Created<T> outcome = FactoryCalls.create(factory);
        T connection = outcome.connection();
        Throwable failure = outcome.failure();
        if (failure != null) {
            emit(new PoolEvent.CreationFailed(failure));
        }
        PooledConnection<T> orphan = null;
        PoolEvent.Created announcement = null;
        PoolEvent.Destroyed removal = null;
        lock.lock();
        try {
            creating--;
            if (failure == null) {
                created++;
                long now = clock.nanoTime();
                PooledConnection<T> pooled = new PooledConnection<>(ConnectionIds.next(), connection, now,
                        clock.instant(), 0);
                if (creation.abandoned || closing) {
                    // Nobody takes it: created and destroyed at once, counted until destroyed.
                    orphan = pooled;
                    destroyed++;
                    destroying++;
                    announcement = new PoolEvent.Created(pooled.id, PoolEvent.Purpose.UNPOOLED, leases.size(),
                            config.maxSize());
                    removal = new PoolEvent.Destroyed(pooled.id, DestroyReason.UNPOOLED, leases.size());
                    creation.abandoned = true;
                } else {
                    pooled.useCount = 1;
                    PooledLease<T> lease = new PooledLease<>(this, pooled, null, false);
                    leases.add(lease);
                    creation.lease = lease;
                    creation.announcement = new PoolEvent.Created(pooled.id, PoolEvent.Purpose.UNPOOLED,
                            leases.size(), config.maxSize());
                }
            } else {
                grantTurns();
            }
            creation.failure = failure;
            creation.ended = true;
            creation.done.signal();
            drained.signalAll();
        } finally {
            lock.unlock();
        }
        if (orphan != null) {
            emit(announcement);
            destroyer.destroyAndWait(orphan, removal);
        }
    }

    @Override
    public void release(Lease<T> lease) {
        end(PooledLease.ownedBy(this, lease), false);
    }

    @Override
    public void end(PooledLease<T> lease, boolean invalidate) {
        PoolEvent.Destroyed removal;
        lock.lock();
        try {
            if (!lease.end(invalidate, PooledConnection.State.HELD)) {
                return;
            }
            leases.remove(lease);
            destroyed++;
            destroying++;
            removal = new PoolEvent.Destroyed(lease.pooled.id, DestroyReason.UNPOOLED, leases.size());
        } finally {
            lock.unlock();
        }
        destroyer.destroyLater(lease.pooled, removal);
    }

    /** Connections that count against max: leased, being created, being destroyed. */
    private int used() {
        return leases.size() + creating + destroying;
    }

    /** Gives freed room to the longest waiters. */
    private void grantTurns() {
        assert lock.isHeldByCurrentThread();
        while (!turns.isEmpty() && !closing && used() < config.maxSize()) {
            Turn turn = turns.pollFirst();
            turn.given = true;
            creating++;
            turn.granted.signal();
        }
    }

    private boolean freeRoom(PooledConnection<T> connection) {
        lock.lock();
        try {
            if (connection.roomFreed) {
                return false;
            }
            connection.roomFreed = true;
            destroying--;
            grantTurns();
            drained.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public PoolStats stats() {
        lock.lock();
        try {
            return new PoolStats(created, destroyed, 0, acquireTimeouts, 0, leases.size(), 0, leases.size(),
                    turns.size());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void resize(int minSize, int maxSize) {
        PoolConfig resized = config.toBuilder().minSize(minSize).maxSize(maxSize).build();
        lock.lock();
        try {
            config = resized;
            grantTurns();
        } finally {
            lock.unlock();
        }
        emit(new PoolEvent.Resized(minSize, maxSize));
    }

    @Override
    public void acquireTimeout(Duration timeout) {
        LeaseOwner.checkTimeoutSetting(timeout);
        lock.lock();
        try {
            config = config.toBuilder().acquireTimeout(timeout).build();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public PoolConfig config() {
        return config;
    }

    @Override
    public String name() {
        return config.name();
    }

    /**
     * Refuses new acquires and tells waiters, waits up to the drain time for leases to end and for
     * creations and destroys under way, then destroys the leases left. Idempotent: a second call
     * waits for the first.
     */
    @Override
    public void close() {
        List<PooledLease<T>> revoked = List.of();
        List<PoolEvent.Destroyed> removals = new java.util.ArrayList<>();
        boolean interrupted = false;
        int total;
        lock.lock();
        try {
            if (closing) {
                while (!closed) {
                    drained.awaitUninterruptibly();
                }
                return;
            }
            closing = true;
            total = leases.size();
            for (Turn turn = turns.pollFirst(); turn != null; turn = turns.pollFirst()) {
                turn.closed = true;
                turn.granted.signal();
            }
        } finally {
            lock.unlock();
        }
        try {
            emit(new PoolEvent.ShuttingDown(total));
            lock.lock();
            try {
                long nanos = config.drainTimeout().toNanos();
                while ((!leases.isEmpty() || destroying > 0 || creating > 0) && nanos > 0) {
                    try {
                        nanos = drained.awaitNanos(nanos);
                    } catch (InterruptedException e) {
                        interrupted = true;
                        break;
                    }
                }
                List<PooledLease<T>> left = new java.util.ArrayList<>();
                for (PooledLease<T> lease : List.copyOf(leases)) {
                    if (!lease.pooled.revoke()) {
                        continue; // its holder is ending it right now: end() destroys it
                    }
                    left.add(lease);
                    destroyed++;
                    destroying++;
                    leases.remove(lease);
                    removals.add(new PoolEvent.Destroyed(lease.pooled.id, DestroyReason.UNPOOLED, leases.size()));
                }
                revoked = left;
            } finally {
                lock.unlock();
            }
            for (int i = 0; i < revoked.size(); i++) {
                LOG.warn("[POOL] Connection {} was still leased after the {}s drain time; destroying it",
                        revoked.get(i).pooled.id, Seconds.of(config.drainTimeout()));
                destroyer.destroyAndWait(revoked.get(i).pooled, removals.get(i));
            }
        } finally {
            lock.lock();
            try {
                closed = true;
                drained.signalAll();
            } finally {
                lock.unlock();
            }
            emit(new PoolEvent.ShutDown());
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private RuntimeException timedOut(Duration timeout, PoolStats stats, Throwable cause) {
        emit(new PoolEvent.AcquireTimedOut(timeout, stats));
        return new AcquireTimeoutException(config.connectionName(), timeout, stats, cause);
    }

    private AcquireInterruptedException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new AcquireInterruptedException("Interrupted while waiting for a new " + config.connectionName()
                + " connection (pooling disabled)", e);
    }

    private PoolClosedException closed() {
        return LeaseOwner.closed(config.name());
    }

    /** Delivers an event; a listener that throws, even an Error, is logged and changes nothing. */
    private void emit(PoolEvent event) {
        PoolState.deliver(listener, event);
    }

    @Override
    public String toString() {
        return "UnpooledPool[" + config.name() + ", " + stats() + "]";
    }
}
