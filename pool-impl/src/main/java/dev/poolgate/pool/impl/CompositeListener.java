package dev.poolgate.pool.impl;

import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolListener;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers each event to several listeners in turn; one that throws, even an Error, is logged and does not keep
 * the event from the others or disturb the pool.
 */
final class CompositeListener implements PoolListener {

    private static final Logger LOG = LoggerFactory.getLogger(CompositeListener.class);

    private final PoolListener[] listeners;
    /** The pool's own logs among them (null if absent), asked directly: the check runs on every acquire. */
    private final PoolLog poolLog;
    private final ManagerLog managerLog;
    /** The rest, asked through {@link PoolListener#observesHandOuts()}. */
    private final PoolListener[] others;

    private CompositeListener(PoolListener[] listeners) {
        this.listeners = listeners;
        PoolLog pool = null;
        ManagerLog manager = null;
        List<PoolListener> rest = new ArrayList<>();
        for (PoolListener listener : listeners) {
            if (listener instanceof PoolLog log) {
                pool = log;
            } else if (listener instanceof ManagerLog log) {
                manager = log;
            } else {
                rest.add(listener);
            }
        }
        this.poolLog = pool;
        this.managerLog = manager;
        this.others = rest.toArray(PoolListener[]::new);
    }

    /** The listeners in the order they hear each event; {@link PoolListener#NONE} is left out. */
    static PoolListener of(PoolListener... listeners) {
        return new CompositeListener(java.util.Arrays.stream(listeners).filter(l -> l != PoolListener.NONE)
                .toArray(PoolListener[]::new));
    }

    /**
     * Whether anyone observes the events of every acquire and release ({@link PoolEvent.Acquiring},
     * {@link PoolEvent.Reused}, {@link PoolEvent.Acquired}, {@link PoolEvent.Releasing},
     * {@link PoolEvent.Released}): a listener of the caller's, or a log writing INFO lines. When
     * nobody does, the pool need not build them.
     */
    @Override
    public boolean observesHandOuts() {
        if ((poolLog != null && poolLog.logsHandOuts()) || (managerLog != null && managerLog.logsHandOuts())) {
            return true;
        }
        for (PoolListener listener : others) {
            if (listener.observesHandOuts()) {
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
