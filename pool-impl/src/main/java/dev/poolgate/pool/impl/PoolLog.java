package dev.poolgate.pool.impl;

import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolListener;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the pool's {@code [POOL]} log lines, the exact sentences of the log catalogue
 * ({@code shared/spec/pool-logs.md}), by observing its events. Sentences the catalogue does not
 * name (creation failures, leaks, retirements) follow the same style.
 */
final class PoolLog implements PoolListener {

    private static final Logger LOG = LoggerFactory.getLogger("dev.poolgate.pool");

    private final PoolConfig config;
    /**
     * The configured acquire timeout in seconds: callers mostly time out with it, often many at
     * once, so its text is made once here rather than at each timeout.
     */
    private final String acquireTimeoutSeconds;

    PoolLog(PoolConfig config) {
        this.config = config;
        this.acquireTimeoutSeconds = Seconds.withDecimal(config.acquireTimeout());
    }

    /** Whether the lines of every acquire and release (INFO) are written. */
    boolean logsHandOuts() {
        return LOG.isInfoEnabled();
    }

    @Override
    public void onEvent(PoolEvent event) {
        // Plain type checks, not a pattern switch: the two events of every acquire and release
        // cost next to nothing with INFO off (a switch's type dispatch showed in profiles), and no
        // class is generated for the switch at the pool's first event, during the gateway's start
        // (docs/performance.md). PoolLogTest sends every kind of event, so none goes unhandled.
        if (event instanceof PoolEvent.Reused e) {
            if (LOG.isInfoEnabled()) {
                LOG.info("[POOL] Reusing existing connection {} (use_count: {}, pool_size: {})",
                        e.connectionId(), e.useCount(), e.total());
            }
            return;
        }
        if (event instanceof PoolEvent.Released e) {
            if (LOG.isInfoEnabled()) {
                LOG.info("[POOL] Released connection {} back to pool (available: {}, in_use: {})",
                        e.connectionId(), e.available(), e.inUse());
            }
            return;
        }
        if (event instanceof PoolEvent.Acquiring || event instanceof PoolEvent.Acquired
                || event instanceof PoolEvent.Releasing || event instanceof PoolEvent.Resized) {
            return; // the manager's lines (ManagerLog)
        }
        if (event instanceof PoolEvent.Starting e) {
            LOG.info("[POOL] Initializing {} pool (min={}, max={})", config.name(), e.minSize(), e.maxSize());
        } else if (event instanceof PoolEvent.Started e) {
            started(e);
        } else if (event instanceof PoolEvent.Created e) {
            created(e);
        } else if (event instanceof PoolEvent.Destroyed e) {
            destroyed(e);
        } else if (event instanceof PoolEvent.AcquireTimedOut e) {
            if (LOG.isWarnEnabled()) {
                LOG.warn("[POOL] Could not acquire {} connection within {}s timeout", config.connectionName(),
                        timeoutText(e.timeout()));
            }
        } else if (event instanceof PoolEvent.HealthCheckFailed e) {
            LOG.warn("[POOL] Health check failed for connection {}", e.connectionId());
            if (e.cause() != null) {
                LOG.debug("[POOL] Health check of connection {} threw", e.connectionId(), e.cause());
            }
        } else if (event instanceof PoolEvent.CreationFailed e) {
            // One line each time: while upstream is down this repeats with every retry.
            LOG.warn("[POOL] Could not create a new {} connection: {}", config.connectionName(),
                    String.valueOf(e.cause()));
            LOG.debug("[POOL] The creation failure's stack", e.cause());
        } else if (event instanceof PoolEvent.DestroyTimedOut e) {
            LOG.warn("[POOL] Destroying connection {} took longer than {}s; it no longer counts against the maximum",
                    e.connectionId(), Seconds.withDecimal(e.timeout()));
        } else if (event instanceof PoolEvent.DestroyFailed e) {
            LOG.warn("[POOL] Could not destroy connection {} cleanly: {}", e.connectionId(), String.valueOf(e.cause()),
                    e.cause());
        } else if (event instanceof PoolEvent.LeakSuspected e) {
            LOG.warn("[POOL] Connection {} has been leased for {} seconds, longer than the leak-detection threshold; "
                    + "it was acquired here:", e.connectionId(), Seconds.of(e.heldFor()), e.acquiredAt());
        } else if (event instanceof PoolEvent.LeakReturned e) {
            LOG.info("[POOL] Connection {} reported as a possible leak came back after {} seconds", e.connectionId(),
                    Seconds.of(e.heldFor()));
        } else if (event instanceof PoolEvent.ShuttingDown e) {
            LOG.info("[POOL] Shutting down {} pool (destroying {} connections)", config.name(), e.connections());
        } else if (event instanceof PoolEvent.ShutDown) {
            LOG.info("[POOL] {} pool shutdown complete", config.name());
        } else {
            throw new AssertionError("an event PoolLog does not know: " + event);
        }
    }

    private void started(PoolEvent.Started e) {
        if (e.connections() >= config.minSize()) {
            LOG.info("[POOL] {} pool initialized successfully with {} connections", config.name(), e.connections());
        } else {
            LOG.warn("[POOL] {} pool initialized with {} of its {} minimum connections; the rest are retried in "
                    + "the background", config.name(), e.connections(), config.minSize());
        }
    }

    private void created(PoolEvent.Created e) {
        switch (e.purpose()) {
            case MINIMUM -> LOG.info("[POOL] Created new pooled connection {}", e.connectionId());
            case GROWTH -> LOG.info("[POOL] Created new connection {} (total: {}/{})",
                    e.connectionId(), e.total(), e.maxSize());
            case UNPOOLED -> LOG.debug("[POOL] Created unpooled connection {}", e.connectionId());
        }
    }

    private void destroyed(PoolEvent.Destroyed e) {
        String id = e.connectionId();
        switch (e.reason()) {
            case UNHEALTHY -> {
                LOG.info("[POOL] Destroyed unhealthy connection {}", id);
                return;
            }
            case UNPOOLED -> {
                LOG.debug("[POOL] Destroyed unpooled connection {}", id);
                return;
            }
            case IDLE -> LOG.info("[POOL] Cleaned up idle connection {} (was idle for >={} seconds)",
                    id, Seconds.of(config.idleTimeout()));
            case EXPIRED -> LOG.info("[POOL] Retired connection {} (reached its max lifetime of about {} seconds)",
                    id, Seconds.of(config.maxLifetime()));
            case INVALIDATED -> LOG.info("[POOL] Connection {} was invalidated by its holder", id);
            case FAILED_VALIDATION -> LOG.info("[POOL] Connection {} failed validation on its way out", id);
            case RESIZED -> LOG.info("[POOL] Connection {} is above the pool's lowered maximum", id);
            case SHUTDOWN -> {
                // The shutdown sentence is the plain one below.
            }
        }
        LOG.info("[POOL] Destroyed connection {} (total remaining: {})", id, e.totalRemaining());
    }

    private String timeoutText(Duration timeout) {
        return timeout.equals(config.acquireTimeout()) ? acquireTimeoutSeconds : Seconds.withDecimal(timeout);
    }
}
