package dev.poolgate.server.upstream;

import dev.poolgate.pool.ConnectionFactory;
import java.util.function.LongSupplier;

/**
 * The pool's connection factory with a memory of how upstream last answered it: when a client was
 * last created, when a creation last failed, and whether the latest health check failed. The
 * gateway's {@code /ready} reads these; the calls themselves go to the wrapped factory unchanged.
 *
 * <p>Fields are single volatile writes of independent facts, so no lock is needed: a reader may
 * see one fact a moment before another, which a probe polled every few seconds cannot tell apart.
 *
 * @param <T> the connection type
 */
public final class UpstreamHealth<T> implements ConnectionFactory<T> {

    private final ConnectionFactory<T> factory;
    private final LongSupplier nanoClock;
    private volatile boolean created;
    private volatile long lastCreatedNanos;
    private volatile boolean creationFailed;
    private volatile long lastCreationFailedNanos;
    private volatile boolean healthCheckFailing;

    /**
     * @param factory the factory whose outcomes are remembered
     * @param nanoClock the time source of the outcomes, {@link System#nanoTime} outside tests
     */
    public UpstreamHealth(ConnectionFactory<T> factory, LongSupplier nanoClock) {
        if (factory == null || nanoClock == null) {
            throw new IllegalArgumentException("factory and nanoClock must not be null; pass the pool's factory "
                    + "and System::nanoTime");
        }
        this.factory = factory;
        this.nanoClock = nanoClock;
    }

    @Override
    public T create() throws Exception {
        try {
            T connection = factory.create();
            lastCreatedNanos = nanoClock.getAsLong();
            created = true;
            // A new client passed the same request the health check sends.
            healthCheckFailing = false;
            return connection;
        } catch (Exception | Error e) {
            lastCreationFailedNanos = nanoClock.getAsLong();
            creationFailed = true;
            throw e;
        }
    }

    @Override
    public boolean isHealthy(T connection) throws Exception {
        boolean healthy = false;
        try {
            healthy = factory.isHealthy(connection);
            return healthy;
        } finally {
            healthCheckFailing = !healthy;
        }
    }

    @Override
    public boolean isValid(T connection) throws Exception {
        return factory.isValid(connection);
    }

    @Override
    public void destroy(T connection) throws Exception {
        factory.destroy(connection);
    }

    /**
     * Whether the latest creation failed and no creation succeeded after it, within
     * {@code windowNanos} before {@code nowNanos}.
     */
    public boolean creationFailingSince(long nowNanos, long windowNanos) {
        if (!creationFailed || (created && lastCreatedNanos - lastCreationFailedNanos >= 0)) {
            return false;
        }
        return nowNanos - lastCreationFailedNanos <= windowNanos;
    }

    /** Whether the latest health check of an idle client failed (and no client was created since). */
    public boolean healthCheckFailing() {
        return healthCheckFailing;
    }
}
