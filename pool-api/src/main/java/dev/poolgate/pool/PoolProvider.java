package dev.poolgate.pool;

import java.util.ServiceLoader;

/**
 * The service an implementation module provides ({@code provides dev.poolgate.pool.PoolProvider
 * with ...}); {@link Pool#create} uses the first one found. Users call {@link Pool#create}, not
 * this.
 */
public interface PoolProvider {

    /** Creates a pool; the arguments are already checked for null. */
    <T> Pool<T> create(PoolConfig config, ConnectionFactory<T> factory, PoolListener listener);

    /**
     * The provider found by {@link ServiceLoader}, looked up once.
     *
     * @throws IllegalStateException if there is none
     */
    static PoolProvider installed() {
        return Installed.provider();
    }
}

/** Holds the provider found at first use (the holder idiom makes the lookup lazy and thread-safe). */
final class Installed {

    private static final PoolProvider PROVIDER = ServiceLoader
            .load(PoolProvider.class, PoolProvider.class.getClassLoader())
            .findFirst()
            .orElse(null);

    private Installed() {
    }

    static PoolProvider provider() {
        if (PROVIDER == null) {
            throw new IllegalStateException(
                    "No pool implementation found: add dev.poolgate:pool-impl to the class path or module path");
        }
        return PROVIDER;
    }
}
