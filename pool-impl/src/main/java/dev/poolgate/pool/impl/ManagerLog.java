package dev.poolgate.pool.impl;

import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the {@code [POOL_MANAGER]} lines of the log catalogue (the manager's view of each acquire
 * and release) from the pool's events, so that no acquire is wrapped: "configured" when the pool
 * is made, "Acquiring client from pool", "Acquired pooled connection", "Releasing connection",
 * and with pooling disabled "Creating new client" per acquire.
 */
final class ManagerLog implements PoolListener {

    private static final Logger LOG = LoggerFactory.getLogger("dev.poolgate.pool.manager");

    private final PoolConfig config;

    private ManagerLog(PoolConfig config) {
        this.config = config;
    }

    /** Writes the configuration line (pooling enabled only) and returns the listener for the pool's events. */
    static ManagerLog configured(PoolConfig config) {
        if (config.poolingEnabled()) {
            LOG.info("[POOL_MANAGER] {} pool configured (min: {}, max: {})", config.name(), config.minSize(),
                    config.maxSize());
        }
        return new ManagerLog(config);
    }

    /** Whether the lines of every acquire and release (INFO) are written. */
    boolean logsHandOuts() {
        return LOG.isInfoEnabled();
    }

    @Override
    public void onEvent(PoolEvent event) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        if (event instanceof PoolEvent.Acquiring) {
            LOG.info(config.poolingEnabled() ? "[POOL_MANAGER] Acquiring client from pool"
                    : "[POOL_MANAGER] Creating new client (pooling disabled)");
        } else if (event instanceof PoolEvent.Acquired e) {
            LOG.info("[POOL_MANAGER] Acquired pooled connection {} (use_count: {})", e.connectionId(), e.useCount());
        } else if (event instanceof PoolEvent.Releasing e) {
            LOG.info("[POOL_MANAGER] Releasing connection {} back to pool", e.connectionId());
        } else if (event instanceof PoolEvent.Resized e) {
            LOG.info("[POOL_MANAGER] {} pool resized (min: {}, max: {})", config.name(), e.minSize(), e.maxSize());
        }
    }
}
