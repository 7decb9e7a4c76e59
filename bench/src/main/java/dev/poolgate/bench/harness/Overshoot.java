package dev.poolgate.bench.harness;

import dev.poolgate.bench.subject.BenchPool;
import dev.poolgate.bench.subject.Subject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How late an acquire gives up on an exhausted pool: the harness holds every object, then
 * virtual threads try to acquire with a short timeout, each measuring how far past the timeout
 * its call returned (after one unmeasured pass of the same, to warm up).
 */
final class Overshoot {

    /**
     * @param timeout the timeout in force (HikariCP's is never below 250 ms)
     * @param granted attempts that got an object although none was free: must be 0
     * @param lateness how long each call returned after its timeout; negative if early
     */
    record Result(String subject, int round, Duration timeout, int attempts, int granted, Percentiles lateness,
            long earliestNanos) {
    }

    private Overshoot() {
    }

    static Result run(Subject subject, int round, Settings settings) throws InterruptedException {
        try (BenchPool pool = subject.open(settings.poolSize(), settings.overshootTimeout())) {
            List<Object> held = new ArrayList<>();
            for (int i = 0; i < settings.poolSize(); i++) {
                Object handle = pool.acquire();
                if (handle == null) {
                    throw new IllegalStateException(subject.id() + " gave only " + i + " of " + settings.poolSize()
                            + " objects to exhaust it");
                }
                held.add(handle);
            }
            try {
                // A first pass is not measured: it compiles the timeout path (in the subject and in
                // the JDK's parking), which the first subject of a JVM would otherwise pay alone.
                attempt(subject, round, pool, settings);
                return attempt(subject, round, pool, settings);
            } finally {
                held.forEach(pool::release);
            }
        }
    }

    private static Result attempt(Subject subject, int round, BenchPool pool, Settings settings)
            throws InterruptedException {
        int threads = settings.overshootThreads();
        int perThread = settings.overshootAttempts();
        long timeoutNanos = pool.timeout().toNanos();
        long[] lateness = new long[threads * perThread];
        int[] granted = new int[threads];
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            started.add(Thread.ofVirtual().name("bench-overshoot-" + t).start(() -> {
                try {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        long start = System.nanoTime();
                        Object handle = pool.acquire();
                        long elapsed = System.nanoTime() - start;
                        if (handle != null) {
                            granted[thread]++;
                            pool.release(handle);
                        }
                        lateness[thread * perThread + i] = elapsed - timeoutNanos;
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        go.countDown();
        for (Thread thread : started) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(subject.id() + " failed while exhausted", failure.get());
        }
        long earliest = Long.MAX_VALUE;
        for (long late : lateness) {
            earliest = Math.min(earliest, late);
        }
        int grantedTotal = 0;
        for (int count : granted) {
            grantedTotal += count;
        }
        return new Result(subject.id(), round, pool.timeout(), lateness.length, grantedTotal, Percentiles.of(lateness),
                earliest);
    }
}
