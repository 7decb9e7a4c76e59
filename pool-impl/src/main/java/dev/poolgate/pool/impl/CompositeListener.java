package dev.poolgate.pool.impl;

import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers each event to several listeners in turn; one that throws, even an Error, is logged and does not keep
 * the event from the others or disturb the pool.
 */
final class CompositeListener implements PoolListener {

    private static final Logger LOG = LoggerFactory.getLogger(CompositeListener.class);

    private final PoolListener[] listeners;

    private CompositeListener(PoolListener[] listeners) {
        this.listeners = listeners;
    }

    static PoolListener of(PoolListener first, PoolListener second) {
        if (second == PoolListener.NONE) {
            return new CompositeListener(new PoolListener[] {first});
        }
        return new CompositeListener(new PoolListener[] {first, second});
    }

    /**
     * Whether anyone observes the events of every acquire and release ({@link PoolEvent.Reused},
     * {@link PoolEvent.Released}): a listener of the caller's, or the log writing INFO lines. When
     * nobody does, the pool need not build them.
     */
    boolean observesHandOuts() {
        for (PoolListener listener : listeners) {
            if (!(listener instanceof PoolLog log) || log.logsHandOuts()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void onEvent(PoolEvent event) {
        for (PoolListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (Throwable e) {
                LOG.warn("[POOL] Pool listener {} failed on {}", listener, event, e);
            }
        }
    }
}
