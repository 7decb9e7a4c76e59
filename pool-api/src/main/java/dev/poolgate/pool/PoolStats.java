package dev.poolgate.pool;

/**
 * A consistent snapshot of a pool's counters, all taken at the same instant.
 *
 * <p>The first eight fields are those of the gateway's {@code /pool/stats}. At every instant
 * {@code totalConnections == availableConnections + inUseConnections <= maxSize} and
 * {@code connectionsCreated - connectionsDestroyed == totalConnections} (with pooling enabled).
 * A connection being health-checked counts as in use: the checker holds it.
 *
 * @param connectionsCreated connections created since the pool started
 * @param connectionsDestroyed connections destroyed since the pool started
 * @param connectionsReused hand-outs of a connection that was idle in the pool
 * @param acquireTimeouts acquires that gave up because their timeout passed
 * @param healthCheckFailures health checks that failed
 * @param totalConnections connections that exist now
 * @param availableConnections connections idle now, ready to be handed out
 * @param inUseConnections connections leased now
 * @param waitingAcquirers callers waiting now for a connection
 */
public record PoolStats(
        long connectionsCreated,
        long connectionsDestroyed,
        long connectionsReused,
        long acquireTimeouts,
        long healthCheckFailures,
        int totalConnections,
        int availableConnections,
        int inUseConnections,
        int waitingAcquirers) {

    /** Rejects negative counts and a total that is not available + in use. */
    public PoolStats {
        if (connectionsCreated < 0 || connectionsDestroyed < 0 || connectionsReused < 0 || acquireTimeouts < 0
                || healthCheckFailures < 0 || availableConnections < 0 || inUseConnections < 0
                || waitingAcquirers < 0) {
            throw new IllegalArgumentException("pool counts must be >= 0, but were " + describe(connectionsCreated,
                    connectionsDestroyed, connectionsReused, acquireTimeouts, healthCheckFailures, totalConnections,
                    availableConnections, inUseConnections, waitingAcquirers));
        }
        if (totalConnections != availableConnections + inUseConnections) {
            throw new IllegalArgumentException("totalConnections must equal availableConnections + inUseConnections ("
                    + (availableConnections + inUseConnections) + "), but was " + totalConnections);
        }
    }

    @Override
    public String toString() {
        return describe(connectionsCreated, connectionsDestroyed, connectionsReused, acquireTimeouts,
                healthCheckFailures, totalConnections, availableConnections, inUseConnections, waitingAcquirers);
    }

    private static String describe(long created, long destroyed, long reused, long timeouts, long healthFailures,
            int total, int available, int inUse, int waiting) {
        return "PoolStats[created=" + created + ", destroyed=" + destroyed + ", reused=" + reused
                + ", acquire_timeouts=" + timeouts + ", health_check_failures=" + healthFailures
                + ", total=" + total + ", available=" + available + ", in_use=" + inUse
                + ", waiting=" + waiting + "]";
    }
}
