package dev.poolgate.pool;

/**
 * A pool as JMX shows it (jconsole, VisualVM, a JMX exporter): its counters and settings, and the
 * sizes and acquire timeout that an operator may change while it runs. Registered by
 * {@link PoolManagement#register}.
 */
public interface PoolMXBean {

    String getName();

    boolean isPoolingEnabled();

    int getMinSize();

    /** Changes the minimum; see {@link Pool#resize}. */
    void setMinSize(int minSize);

    int getMaxSize();

    /** Changes the maximum; see {@link Pool#resize}. */
    void setMaxSize(int maxSize);

    long getAcquireTimeoutMillis();

    /** Changes how long an acquire waits; see {@link Pool#acquireTimeout}. */
    void setAcquireTimeoutMillis(long millis);

    long getIdleTimeoutMillis();

    long getHealthCheckIntervalMillis();

    long getMaxLifetimeMillis();

    int getTotalConnections();

    int getAvailableConnections();

    int getInUseConnections();

    int getWaitingAcquirers();

    long getConnectionsCreated();

    long getConnectionsDestroyed();

    long getConnectionsReused();

    long getAcquireTimeouts();

    long getHealthCheckFailures();
}
