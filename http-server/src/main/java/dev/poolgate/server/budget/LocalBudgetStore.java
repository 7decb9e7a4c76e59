package dev.poolgate.server.budget;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The budget of one instance alone, in this process: what {@link RedisBudgetStore} shares between
 * instances, kept in maps under one lock. Used when no Redis is configured, and as the reference
 * the Redis store's contract tests are held to.
 */
final class LocalBudgetStore implements BudgetStore {

    /** How often a waiter looks again for permits that lapsed without a release. */
    private static final long LAPSE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Guards {@link #line}, {@link #permits} and {@link #buckets}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a permit is released or taken, or a waiter leaves the line. */
    private final Condition changed = lock.newCondition();
    /** Waiters in order of arrival; only the first may take a permit. */
    private final ArrayDeque<String> line = new ArrayDeque<>();
    /** Held permits and when each lapses, in {@link #clock} milliseconds. */
    private final Map<String, Long> permits = new HashMap<>();
    /** Token buckets by scope and kind: {level, refilled at (clock ms)}. */
    private final Map<String, double[]> buckets = new HashMap<>();
    private final LongSupplier clock;

    /** @param clock the milliseconds that lapses and refills are measured in (tests advance their own) */
    LocalBudgetStore(LongSupplier clock) {
        this.clock = clock;
    }

    LocalBudgetStore() {
        this(System::currentTimeMillis);
    }

    @Override
    public boolean acquire(String id, int max, long ttlMillis, long deadlineNanos) throws InterruptedException {
        lock.lockInterruptibly();
        boolean taken = false;
        try {
            line.addLast(id);
            while (true) {
                dropLapsed();
                if (id.equals(line.peekFirst()) && permits.size() < max) {
                    line.removeFirst();
                    permits.put(id, clock.getAsLong() + ttlMillis);
                    taken = true;
                    changed.signalAll(); // the next in line may find a permit free too
                    return true;
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, LAPSE_CHECK_NANOS));
            }
        } finally {
            if (!taken) {
                line.remove(id);
                changed.signalAll(); // who was behind may be first now
            }
            lock.unlock();
        }
    }

    @Override
    public void renew(Collection<String> ids, long ttlMillis) {
        lock.lock();
        try {
            long until = clock.getAsLong() + ttlMillis;
            for (String id : ids) {
                permits.computeIfPresent(id, (key, old) -> until);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void release(String id) {
        lock.lock();
        try {
            if (permits.remove(id) != null) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int held() {
        lock.lock();
        try {
            dropLapsed();
            return permits.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int waiting() {
        lock.lock();
        try {
            return line.size();
        } finally {
            lock.unlock();
        }
    }

    private void dropLapsed() {
        long now = clock.getAsLong();
        for (Iterator<Long> lapses = permits.values().iterator(); lapses.hasNext(); ) {
            if (lapses.next() <= now) {
                lapses.remove();
                changed.signalAll();
            }
        }
    }

    @Override
    public Verdict admit(String scope, Rates rates) {
        lock.lock();
        try {
            long now = clock.getAsLong();
            double[][] levels = new double[3][];
            long wait = 0;
            int shortBudget = -1;
            for (int kind = 0; kind < 3; kind++) {
                long capacity = rates.capacity(kind);
                if (capacity == 0) {
                    continue;
                }
                levels[kind] = refilled(scope, kind, capacity, now);
                long kindWait = TokenBuckets.waitMillis(kind, levels[kind][0], capacity);
                if (kindWait > wait) {
                    wait = kindWait;
                    shortBudget = kind;
                }
            }
            if (wait == 0 && levels[0] != null) {
                levels[0][0] -= 1;
            }
            long[] remaining = new long[3];
            long[] reset = new long[3];
            for (int kind = 0; kind < 3; kind++) {
                long capacity = rates.capacity(kind);
                remaining[kind] = levels[kind] == null ? -1 : TokenBuckets.remaining(levels[kind][0]);
                reset[kind] = levels[kind] == null ? -1 : TokenBuckets.resetMillis(levels[kind][0], capacity);
            }
            return new Verdict(wait, shortBudget, remaining, reset);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void charge(String scope, Rates rates, long inputTokens, long outputTokens) {
        lock.lock();
        try {
            long now = clock.getAsLong();
            long[] costs = {0, Math.max(0, inputTokens), Math.max(0, outputTokens)};
            for (int kind = 1; kind < 3; kind++) {
                long capacity = rates.capacity(kind);
                if (capacity > 0 && costs[kind] > 0) {
                    double[] bucket = refilled(scope, kind, capacity, now);
                    bucket[0] = TokenBuckets.charged(bucket[0], costs[kind], capacity);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The bucket of {@code scope} and {@code kind}, refilled up to {@code now}; full when new. */
    private double[] refilled(String scope, int kind, long capacity, long now) {
        double[] bucket = buckets.computeIfAbsent(scope + '/' + kind, key -> new double[] {capacity, now});
        bucket[0] = TokenBuckets.refill(bucket[0], (long) bucket[1], now, capacity);
        bucket[1] = now;
        return bucket;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            permits.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
