/**
 * A pool of reusable connections: the interfaces and value types, and nothing else.
 *
 * <p>The implementation lives in {@code dev.poolgate.pool.impl} and is found through
 * {@link java.util.ServiceLoader}, so this module depends on nothing and never names it.
 */
module dev.poolgate.pool {
    exports dev.poolgate.pool;

    uses dev.poolgate.pool.PoolProvider;
}
