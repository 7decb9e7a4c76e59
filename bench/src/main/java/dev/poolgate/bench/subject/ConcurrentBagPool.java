package dev.poolgate.bench.subject;

import com.zaxxer.hikari.util.ConcurrentBag;
import com.zaxxer.hikari.util.ConcurrentBag.IConcurrentBagEntry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** HikariCP's {@link ConcurrentBag} on its own: the data structure under HikariDataSource. */
final class ConcurrentBagPool implements BenchPool {

    /**
     * A bag entry is its own state, which the bag flips with compare-and-set
     * ({@link AtomicInteger#compareAndSet} implements the interface's method).
     */
    private static final class Entry extends AtomicInteger implements IConcurrentBagEntry {
        @Override
        public void setState(int state) {
            set(state);
        }

        @Override
        public int getState() {
            return get();
        }
    }

    private final ConcurrentBag<Entry> bag;
    private final Duration timeout;
    private final long timeoutNanos;

    ConcurrentBagPool(int size, Duration timeout) {
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        // The bag asks its listener for more entries when a borrower finds none; this pool is fixed.
        bag = new ConcurrentBag<>(waiting -> { });
        for (int i = 0; i < size; i++) {
            bag.add(new Entry());
        }
    }

    @Override
    public Object acquire() throws InterruptedException {
        return bag.borrow(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void release(Object handle) {
        bag.requite((Entry) handle);
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void close() {
        bag.close();
    }
}
