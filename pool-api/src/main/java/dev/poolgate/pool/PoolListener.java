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

    /**
     * Whether this listener wants the events of every acquire and release ({@link PoolEvent.Acquiring},
     * {@link PoolEvent.Reused}, {@link PoolEvent.Acquired}, {@link PoolEvent.Releasing},
     * {@link PoolEvent.Released}). While no listener (and not the pool's log at INFO) wants them,
     * the pool hands out and takes back idle connections on a lock-free fast path. Default true;
     * a listener that only counts creations, destructions and failures returns false.
     */
    default boolean observesHandOuts() {
        return true;
    }
}
