package dev.poolgate.pool.impl;

import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolProvider;

/**
 * The {@link PoolProvider} that {@code Pool.create(...)} finds: a {@link FairPool}, or an
 * {@link UnpooledPool} when pooling is disabled, whose events the log lines observe (the
 * manager's {@link ManagerLog}, then the pool's {@link PoolLog}) before the caller's listener.
 *
 * <p>Public only because {@link java.util.ServiceLoader} requires it; its package is not exported.
 */
public final class FairPoolProvider implements PoolProvider {

    /** Called by {@link java.util.ServiceLoader}. */
    public FairPoolProvider() {
    }

    @Override
    public <T> Pool<T> create(PoolConfig config, ConnectionFactory<T> factory, PoolListener listener) {
        PoolListener events = CompositeListener.of(ManagerLog.configured(config), new PoolLog(config), listener);
        return config.poolingEnabled()
                ? FairPool.start(config, factory, events, PoolClock.SYSTEM)
                : new UnpooledPool<>(config, factory, events, PoolClock.SYSTEM);
    }
}
