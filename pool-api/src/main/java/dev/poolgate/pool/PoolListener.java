package dev.poolgate.pool;

/**
 * Observes a pool's {@linkplain PoolEvent events}, e.g. to keep metrics.
 *
 * <p>Called on the thread that caused the event, never while the pool holds its lock, so a
 * listener may block briefly, but every millisecond it takes is added to that caller's acquire or
 * release. An exception thrown by a listener is logged and does not disturb the pool.
 */
@FunctionalInterface
public interface PoolListener {

    /** A listener that ignores every event. */
    PoolListener NONE = event -> {
    };

    void onEvent(PoolEvent event);
}
