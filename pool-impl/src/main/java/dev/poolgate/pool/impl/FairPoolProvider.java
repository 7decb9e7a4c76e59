package dev.poolgate.pool.impl;

import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolProvider;

/**
 * The {@link PoolProvider} that {@code Pool.create(...)} finds: a {@link PoolManager} in front of a
 * {@link FairPool}, or of an {@link UnpooledPool} when pooling is disabled, with the pool's log
 * lines ({@link PoolLog}) observing its events next to the caller's listener.
 *
 * <p>Public only because {@link java.util.ServiceLoader} requires it; its package is not exported.
 */
public final class FairPoolProvider implements PoolProvider {

    /** Called by {@link java.util.ServiceLoader}. */
    public FairPoolProvider() {
    }

    @Override
    public <T> Pool<T> create(PoolConfig config, ConnectionFactory<T> factory, PoolListener listener) {
        PoolListener events = CompositeListener.of(new PoolLog(config), listener);
        return new PoolManager<>(config, () -> config.poolingEnabled()
                ? FairPool.start(config, factory, events, PoolClock.SYSTEM)
                : new UnpooledPool<>(config, factory, events, PoolClock.SYSTEM));
    }
}
