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
        for (PoolListener listener : listeners) {
            boolean quiet = listener instanceof PoolLog log ? !log.logsHandOuts()
                    : listener instanceof ManagerLog manager ? !manager.logsHandOuts()
                    : !listener.observesHandOuts();
            if (!quiet) {
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
