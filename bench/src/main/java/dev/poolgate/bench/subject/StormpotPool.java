package dev.poolgate.bench.subject;

import java.time.Duration;
import stormpot.Allocator;
import stormpot.Expiration;
import stormpot.Pool;
import stormpot.PoolTap;
import stormpot.Pooled;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * Stormpot, claimed through {@code pool.claim} (its default tap, which remembers each thread's last
 * slot in a thread-local) or through {@code getVirtualThreadSafeTap()} (no thread-local).
 */
final class StormpotPool implements BenchPool {

    private static final Allocator<Pooled<Object>> NOTHING = new Allocator<>() {
        @Override
        public Pooled<Object> allocate(Slot slot) {
            return new Pooled<>(slot, new Object());
        }

        @Override
        public void deallocate(Pooled<Object> poolable) {
        }
    };

    private final Pool<Pooled<Object>> pool;
    private final PoolTap<Pooled<Object>> tap;
    private final Duration duration;
    private final Timeout timeout;

    StormpotPool(int size, Duration timeout, boolean virtualThreadSafeTap) {
        this.duration = timeout;
        this.timeout = new Timeout(timeout);
        this.pool = Pool.from(NOTHING).setSize(size).setExpiration(Expiration.never()).build();
        this.tap = virtualThreadSafeTap ? pool.getVirtualThreadSafeTap() : pool;
        fill(size);
    }

    /** Claims every object once, so that the allocator thread has made them all before a run. */
    private void fill(int size) {
        Timeout wait = new Timeout(Duration.ofSeconds(10));
        @SuppressWarnings("unchecked")
        Pooled<Object>[] claimed = new Pooled[size];
        try {
            for (int i = 0; i < size; i++) {
                claimed[i] = pool.claim(wait);
                if (claimed[i] == null) {
                    throw new IllegalStateException("Stormpot made only " + i + " of " + size + " objects in 10 s");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while filling the Stormpot pool", e);
        } finally {
            for (Pooled<Object> pooled : claimed) {
                if (pooled != null) {
                    pooled.release();
                }
            }
        }
    }

    @Override
    public Object acquire() throws InterruptedException {
        return tap.claim(timeout);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object connection(Object handle) {
        return ((Pooled<Object>) handle).object;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void release(Object handle) {
        ((Pooled<Object>) handle).release();
    }

    @Override
    public Duration timeout() {
        return duration;
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
