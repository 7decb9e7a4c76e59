/**
 * A pool of reusable connections: the interfaces and value types, and nothing else.
 *
 * <p>The implementation lives in {@code dev.poolgate.pool.impl} and is found through
 * {@link java.util.ServiceLoader}, so this module depends on nothing but the JDK (its
 * {@code java.management}, for {@link dev.poolgate.pool.PoolManagement}) and never names it.
 */
module dev.poolgate.pool {
    // PoolManagement registers pools with the platform MBean server.
    requires java.management;

    exports dev.poolgate.pool;

    uses dev.poolgate.pool.PoolProvider;
}
