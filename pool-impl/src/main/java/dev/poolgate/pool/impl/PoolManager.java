package dev.poolgate.pool.impl;

import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolStats;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager between callers and the pool, with the {@code [POOL_MANAGER]} lines of the log
 * catalogue. It fronts a {@link FairPool}, or an {@link UnpooledPool} when pooling is disabled,
 * and wraps each lease so that its release is logged before the pool's own line.
 */
final class PoolManager<T> implements Pool<T> {

    private static final Logger LOG = LoggerFactory.getLogger("dev.poolgate.pool.manager");

    /** The settings at creation, for the start-up line; {@link #config()} gives the current ones. */
    private final PoolConfig config;
    private final Pool<T> pool;

    /** Logs the configuration, then creates the pool (whose own start-up lines follow). */
    PoolManager(PoolConfig config, Supplier<Pool<T>> pool) {
        this.config = config;
        if (config.poolingEnabled()) {
            LOG.info("[POOL_MANAGER] {} pool configured (min: {}, max: {})", config.name(), config.minSize(),
                    config.maxSize());
        }
        this.pool = pool.get();
    }

    @Override
    public Lease<T> acquire() {
        return acquire(pool.config().acquireTimeout());
    }

    @Override
    public Lease<T> acquire(Duration timeout) {
        if (!config.poolingEnabled()) {
            LOG.info("[POOL_MANAGER] Creating new client (pooling disabled)");
            return new ManagedLease<>(this, pool.acquire(timeout));
        }
        LOG.info("[POOL_MANAGER] Acquiring client from pool");
        Lease<T> lease = pool.acquire(timeout);
        if (LOG.isInfoEnabled()) {
            // Guarded: the boxed count would be made on every acquire even with INFO off.
            LOG.info("[POOL_MANAGER] Acquired pooled connection {} (use_count: {})", lease.id(), lease.useCount());
        }
        return new ManagedLease<>(this, lease);
    }

    @Override
    public void release(Lease<T> lease) {
        if (!(lease instanceof ManagedLease<T> managed) || managed.manager != this) {
            throw new IllegalArgumentException(lease == null
                    ? "lease must not be null; pass the lease that acquire() returned"
                    : "Lease of connection " + lease.id() + " was not handed out by the " + config.name()
                            + " pool; release it to the pool that acquired it");
        }
        managed.close();
    }

    @Override
    public PoolStats stats() {
        return pool.stats();
    }

    @Override
    public PoolConfig config() {
        return pool.config();
    }

    @Override
    public void resize(int minSize, int maxSize) {
        pool.resize(minSize, maxSize);
        LOG.info("[POOL_MANAGER] {} pool resized (min: {}, max: {})", config.name(), minSize, maxSize);
    }

    @Override
    public void acquireTimeout(Duration timeout) {
        pool.acquireTimeout(timeout);
    }

    @Override
    public void close() {
        pool.close();
    }

    /** The pool behind the manager, for tests in this package. */
    Pool<T> pool() {
        return pool;
    }

    @Override
    public String toString() {
        return pool.toString();
    }

    /** A lease whose release the manager logs before handing it to the pool. */
    private static final class ManagedLease<T> implements Lease<T> {
        private final PoolManager<T> manager;
        private final Lease<T> lease;
        private volatile boolean invalidated;
        /** Set by the first close(): a later one is refused by the pool and must not log a release. */
        private final AtomicBoolean closed = new AtomicBoolean();

        ManagedLease(PoolManager<T> manager, Lease<T> lease) {
            this.manager = manager;
            this.lease = lease;
        }

        @Override
        public T connection() {
            return lease.connection();
        }

        @Override
        public String id() {
            return lease.id();
        }

        @Override
        public long useCount() {
            return lease.useCount();
        }

        @Override
        public Instant createdAt() {
            return lease.createdAt();
        }

        @Override
        public Instant lastUsedAt() {
            return lease.lastUsedAt();
        }

        @Override
        public void invalidate() {
            lease.invalidate();
            invalidated = true;
        }

        @Override
        public void close() {
            if (manager.config.poolingEnabled() && !invalidated && closed.compareAndSet(false, true)) {
                LOG.info("[POOL_MANAGER] Releasing connection {} back to pool", lease.id());
            }
            lease.close();
        }

        @Override
        public String toString() {
            return lease.toString();
        }
    }
}
