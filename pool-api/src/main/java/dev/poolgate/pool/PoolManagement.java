package dev.poolgate.pool;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Makes a pool visible and adjustable over JMX with one call: {@code PoolManagement.register(pool)}
 * registers a {@link PoolMXBean} named {@code dev.poolgate:type=Pool,name="<the pool's name>"}
 * with the platform MBean server; closing the returned registration removes it.
 */
public final class PoolManagement {

    private PoolManagement() {
    }

    /** A pool's registration; {@link #close()} unregisters it (once). */
    public static final class Registration implements AutoCloseable {
        private final MBeanServer server;
        private final ObjectName name;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Registration(MBeanServer server, ObjectName name) {
            this.server = server;
            this.name = name;
        }

        public ObjectName name() {
            return name;
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                server.unregisterMBean(name);
            } catch (JMException e) {
                // Already gone: someone unregistered it by name.
            }
        }
    }

    /** The object name a pool called {@code poolName} is registered under. */
    public static ObjectName objectName(String poolName) {
        try {
            return new ObjectName("dev.poolgate:type=Pool,name=" + ObjectName.quote(poolName));
        } catch (JMException e) {
            throw new IllegalArgumentException("No JMX name can be made of the pool name " + poolName, e);
        }
    }

    /**
     * Registers {@code pool} with the platform MBean server.
     *
     * @throws IllegalArgumentException if the pool is null, or a pool of the same name is
     *         registered already (give each pool its own name with {@link PoolConfig.Builder#name})
     */
    public static Registration register(Pool<?> pool) {
        Arguments.requireNonNull(pool, "pool", "pass the pool to show over JMX");
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = objectName(pool.config().name());
        try {
            server.registerMBean(new Bean(pool), name);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalArgumentException("A pool named \"" + pool.config().name() + "\" is registered over JMX "
                    + "already; give each pool its own name (PoolConfig.builder().name(...))", e);
        } catch (JMException e) {
            throw new IllegalStateException("The platform MBean server refused " + name, e);
        }
        return new Registration(server, name);
    }

    /** The MXBean of one pool: reads its stats and config, and changes them through {@link Pool}. */
    private record Bean(Pool<?> pool) implements PoolMXBean {

        @Override
        public String getName() {
            return pool.config().name();
        }

        @Override
        public boolean isPoolingEnabled() {
            return pool.config().poolingEnabled();
        }

        @Override
        public int getMinSize() {
            return pool.config().minSize();
        }

        @Override
        public void setMinSize(int minSize) {
            pool.resize(minSize, pool.config().maxSize());
        }

        @Override
        public int getMaxSize() {
            return pool.config().maxSize();
        }

        @Override
        public void setMaxSize(int maxSize) {
            pool.resize(Math.min(pool.config().minSize(), maxSize), maxSize);
        }

        @Override
        public long getAcquireTimeoutMillis() {
            return pool.config().acquireTimeout().toMillis();
        }

        @Override
        public void setAcquireTimeoutMillis(long millis) {
            pool.acquireTimeout(Duration.ofMillis(millis));
        }

        @Override
        public long getIdleTimeoutMillis() {
            return pool.config().idleTimeout().toMillis();
        }

        @Override
        public long getHealthCheckIntervalMillis() {
            return pool.config().healthCheckInterval().toMillis();
        }

        @Override
        public long getMaxLifetimeMillis() {
            return pool.config().maxLifetime().toMillis();
        }

        @Override
        public int getTotalConnections() {
            return pool.stats().totalConnections();
        }

        @Override
        public int getAvailableConnections() {
            return pool.stats().availableConnections();
        }

        @Override
        public int getInUseConnections() {
            return pool.stats().inUseConnections();
        }

        @Override
        public int getWaitingAcquirers() {
            return pool.stats().waitingAcquirers();
        }

        @Override
        public long getConnectionsCreated() {
            return pool.stats().connectionsCreated();
        }

        @Override
        public long getConnectionsDestroyed() {
            return pool.stats().connectionsDestroyed();
        }

        @Override
        public long getConnectionsReused() {
            return pool.stats().connectionsReused();
        }

        @Override
        public long getAcquireTimeouts() {
            return pool.stats().acquireTimeouts();
        }

        @Override
        public long getHealthCheckFailures() {
            return pool.stats().healthCheckFailures();
        }
    }
}
