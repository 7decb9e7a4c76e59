package dev.poolgate.bench.subject;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The baseline: the simplest correct blocking pool, a (non-fair) ReentrantLock, one Condition and
 * an ArrayDeque. A woken waiter competes with newcomers for the freed object, so it is not FIFO.
 */
final class LockPool implements BenchPool {

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when an object is returned; acquirers wait on it. */
    private final Condition returned = lock.newCondition();
    // Guarded by lock.
    private final ArrayDeque<Object> idle = new ArrayDeque<>();
    private final Duration timeout;
    private final long timeoutNanos;

    LockPool(int size, Duration timeout) {
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        for (int i = 0; i < size; i++) {
            idle.push(new Object());
        }
    }

    @Override
    public Object acquire() throws InterruptedException {
        long nanos = timeoutNanos;
        lock.lockInterruptibly();
        try {
            while (idle.isEmpty()) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = returned.awaitNanos(nanos);
            }
            return idle.pop();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void release(Object handle) {
        lock.lock();
        try {
            idle.push(handle);
            returned.signal();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void close() {
    }
}
