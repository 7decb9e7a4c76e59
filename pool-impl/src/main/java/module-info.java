/**
 * The pool behind {@code dev.poolgate.pool}: reached only through {@code Pool.create(...)}, which
 * finds {@link dev.poolgate.pool.impl.FairPoolProvider} with {@link java.util.ServiceLoader}. It
 * exports nothing.
 */
module dev.poolgate.pool.impl {
    requires dev.poolgate.pool;
    requires org.slf4j;

    provides dev.poolgate.pool.PoolProvider with dev.poolgate.pool.impl.FairPoolProvider;
}
