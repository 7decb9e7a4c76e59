package dev.poolgate.pool.impl;

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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Pooling disabled: every acquire creates a fresh connection on the caller's thread, and every
 * release destroys it. There is no limit and no waiting, so the acquire timeout does not apply;
 * the stats count creations and leases like the pool does ({@code available} is always 0).
 */
final class UnpooledPool<T> implements Pool<T>, LeaseOwner<T> {

    /** The settings; replaced whole by {@link #resize} and {@link #acquireTimeout} (sizes are not limits here). */
    private volatile PoolConfig config;
    private final ConnectionFactory<T> factory;
    private final PoolListener listener;
    private final PoolClock clock;

    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Signalled each time a creation ends or a connection has been destroyed (close() waits on
     * it), and once the pool is closed (a second close() waits on it).
     */
    private final Condition drained = lock.newCondition();

    // Guarded by lock.
    private boolean closing;
    /** Set when close() has destroyed everything; a concurrent second close() waits for it. */
    private boolean closed;
    private final Set<PooledLease<T>> leases = new LinkedHashSet<>();
    private long created;
    private long destroyed;
    /** Leases ended whose {@link ConnectionFactory#destroy} has not returned yet; close() waits for them. */
    private int destroying;
    /** Acquires inside {@link ConnectionFactory#create}; close() waits for them too. */
    private int creating;

    UnpooledPool(PoolConfig config, ConnectionFactory<T> factory, PoolListener listener, PoolClock clock) {
        this.config = config;
        this.factory = factory;
        this.listener = listener;
        this.clock = clock;
    }

    @Override
    public Lease<T> acquire() {
        return acquire(config.acquireTimeout());
    }

    @Override
    public Lease<T> acquire(Duration timeout) {
        LeaseOwner.checkTimeout(timeout);
        lock.lock();
        try {
            if (closing) {
                throw closed();
            }
            creating++;
        } finally {
            lock.unlock();
        }
        T connection = null;
        try {
            connection = factory.create();
        } catch (Exception e) {
            listener.onEvent(new PoolEvent.CreationFailed(e));
            throw new ConnectionCreationException("Could not create a new " + config.connectionName()
                    + " connection (pooling disabled): " + e, e);
        } finally {
            if (connection == null) {
                creationFailed();
            }
        }
        if (connection == null) {
            throw new ConnectionCreationException("ConnectionFactory.create() returned null; return a connection "
                    + "or throw", null);
        }
        long now = clock.nanoTime();
        PooledConnection<T> pooled = new PooledConnection<>(ConnectionIds.next(), connection, now, clock.instant(), 0);
        PooledLease<T> lease;
        PoolEvent event;
        boolean refused;
        lock.lock();
        try {
            creating--;
            created++;
            refused = closing;
            if (refused) {
                destroyed++;
                destroying++;
                event = null;
                lease = null;
            } else {
                pooled.useCount = 1;
                pooled.state = PooledConnection.State.LEASED;
                lease = new PooledLease<>(this, pooled, now, null);
                pooled.lease = lease;
                leases.add(lease);
                event = new PoolEvent.Created(pooled.id, PoolEvent.Purpose.UNPOOLED, leases.size(), config.maxSize());
            }
        } finally {
            lock.unlock();
        }
        if (refused) {
            destroyCounted(pooled, 0);
            throw closed();
        }
        listener.onEvent(event);
        return lease;
    }

    @Override
    public void release(Lease<T> lease) {
        end(PooledLease.ownedBy(this, lease), false);
    }

    @Override
    public void end(PooledLease<T> lease, boolean invalidate) {
        int remaining;
        lock.lock();
        try {
            if (!lease.markEnded(invalidate)) {
                return;
            }
            leases.remove(lease);
            destroyed++;
            destroying++;
            remaining = leases.size();
        } finally {
            lock.unlock();
        }
        destroyCounted(lease.pooled, remaining);
    }

    /** A creation that threw or returned null gives up its count. */
    private void creationFailed() {
        lock.lock();
        try {
            creating--;
            drained.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Destroys a connection counted in {@code destroying}, then uncounts it. */
    private void destroyCounted(PooledConnection<T> pooled, int remaining) {
        try {
            destroy(pooled, remaining);
        } finally {
            lock.lock();
            try {
                destroying--;
                drained.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void destroy(PooledConnection<T> pooled, int remaining) {
        try {
            factory.destroy(pooled.connection);
        } catch (Exception e) {
            listener.onEvent(new PoolEvent.DestroyFailed(pooled.id, e));
        }
        listener.onEvent(new PoolEvent.Destroyed(pooled.id, DestroyReason.UNPOOLED, remaining));
    }

    @Override
    public PoolStats stats() {
        lock.lock();
        try {
            return new PoolStats(created, destroyed, 0, 0, 0, leases.size(), 0, leases.size(), 0);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void resize(int minSize, int maxSize) {
        config = config.toBuilder().minSize(minSize).maxSize(maxSize).build();
    }

    @Override
    public void acquireTimeout(Duration timeout) {
        LeaseOwner.checkTimeout(timeout);
        config = config.toBuilder().acquireTimeout(timeout).build();
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
     * Refuses new acquires, waits up to the drain time for leases to end and for creations under
     * way (whose connections are destroyed at once), then destroys the rest.
     */
    @Override
    public void close() {
        List<PooledLease<T>> revoked;
        boolean interrupted = false;
        lock.lock();
        try {
            if (closing) {
                // A second close() while the first one drains: return when the pool is closed.
                while (!closed) {
                    drained.awaitUninterruptibly();
                }
                return;
            }
            closing = true;
            long nanos = config.drainTimeout().toNanos();
            while ((!leases.isEmpty() || destroying > 0 || creating > 0) && nanos > 0) {
                try {
                    nanos = drained.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            revoked = List.copyOf(leases);
            for (PooledLease<T> lease : revoked) {
                lease.revoked = true;
                lease.ended = true;
                destroyed++;
            }
            leases.clear();
        } finally {
            lock.unlock();
        }
        for (PooledLease<T> lease : revoked) {
            destroy(lease.pooled, 0);
        }
        lock.lock();
        try {
            closed = true;
            drained.signalAll();
        } finally {
            lock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private PoolClosedException closed() {
        return LeaseOwner.closed(config.name());
    }

    @Override
    public String toString() {
        return "UnpooledPool[" + config.name() + ", " + stats() + "]";
    }
}
