package dev.poolgate.bench.subject;

import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import java.time.Duration;

/** This project's pool with maintenance duties off, so that only acquire and release run. */
final class PoolgatePool implements BenchPool {

    private static final ConnectionFactory<Object> NOTHING = new ConnectionFactory<>() {
        @Override
        public Object create() {
            return new Object();
        }

        @Override
        public void destroy(Object connection) {
        }
    };

    private final Pool<Object> pool;
    private final Duration timeout;

    PoolgatePool(int size, Duration timeout) {
        this.timeout = timeout;
        this.pool = Pool.create(PoolConfig.builder()
                .name("bench")
                .minSize(size)
                .maxSize(size)
                .acquireTimeout(timeout)
                .idleTimeout(Duration.ZERO)
                .healthCheckInterval(Duration.ZERO)
                .drainTimeout(Duration.ZERO)
                .build(), NOTHING);
    }

    @Override
    public Object acquire() {
        try {
            return pool.acquire(timeout);
        } catch (AcquireTimeoutException e) {
            return null;
        }
    }

    @Override
    public Object connection(Object handle) {
        return ((Lease<?>) handle).connection();
    }

    @Override
    public void release(Object handle) {
        ((Lease<?>) handle).close();
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void close() {
        pool.close();
    }
}
