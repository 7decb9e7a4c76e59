package dev.poolgate.bench.subject;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.vibur.objectpool.ConcurrentPool;
import org.vibur.objectpool.PoolObjectFactory;
import org.vibur.objectpool.util.ConcurrentLinkedDequeCollection;

/** Vibur's {@link ConcurrentPool} over a ConcurrentLinkedDeque, fair. */
final class ViburPool implements BenchPool {

    private static final PoolObjectFactory<Object> NOTHING = new PoolObjectFactory<>() {
        @Override
        public Object create() {
            return new Object();
        }

        @Override
        public boolean readyToTake(Object object) {
            return true;
        }

        @Override
        public boolean readyToRestore(Object object) {
            return true;
        }

        @Override
        public void destroy(Object object) {
        }
    };

    private final ConcurrentPool<Object> pool;
    private final Duration timeout;
    private final long timeoutNanos;

    ViburPool(int size, Duration timeout) {
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.pool = new ConcurrentPool<>(new ConcurrentLinkedDequeCollection<>(), NOTHING, size, size, true);
    }

    @Override
    public Object acquire() {
        return pool.tryTake(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void release(Object handle) {
        pool.restore(handle);
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
