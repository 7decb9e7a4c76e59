package dev.poolgate.bench.harness;

import dev.poolgate.bench.subject.BenchPool;
import dev.poolgate.bench.subject.Subject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One saturated run: many virtual threads share a small pool, each in a loop of acquire, a parked
 * hold of 20-100 µs, release, until the run's end. Every thread counts its own completions and
 * keeps its own wait samples; they are merged after the threads are joined.
 *
 * <p>An attempt belongs to the measured window when it starts in it, however late it ends, so the
 * longest waits are not cut off at the window's end. The wait of a timed-out attempt is a sample
 * too (about the timeout): leaving it out would make a pool that starves most threads look fast.
 */
final class Saturation {

    /**
     * The figures of one run.
     *
     * @param operations acquires that started in the measured window and were granted
     * @param throughput operations per second of the window
     * @param timeouts acquires that started in the window and hit the acquire timeout
     * @param jain Jain's fairness index over the threads' operation counts: 1 when all got the
     *        same share, 1/n when one thread got everything
     * @param starved threads that completed no operation in the window
     * @param waits the time from calling acquire to its return, of every attempt counted, timed out or not
     */
    record Result(String subject, int threads, int round, long operations, double seconds, double throughput,
            long timeouts, double jain, int starved, Percentiles waits) {
    }

    /** One thread's loop and its private tallies, read by the harness after join(). */
    private static final class Worker implements Runnable {
        private final BenchPool pool;
        private final CountDownLatch go;
        private final Window window;
        private final AtomicReference<Throwable> failure;
        long operations;
        long timeouts;
        long[] waits = new long[32];
        int samples;

        Worker(BenchPool pool, CountDownLatch go, Window window, AtomicReference<Throwable> failure) {
            this.pool = pool;
            this.go = go;
            this.window = window;
            this.failure = failure;
        }

        @Override
        public void run() {
            try {
                go.await();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (true) {
                    long start = System.nanoTime();
                    if (start - window.end >= 0) {
                        return;
                    }
                    Object handle = pool.acquire();
                    long waited = System.nanoTime() - start;
                    boolean counted = start - window.start >= 0;
                    if (counted) {
                        record(waited);
                    }
                    if (handle == null) {
                        if (counted) {
                            timeouts++;
                        }
                        continue;
                    }
                    try {
                        LockSupport.parkNanos(random.nextLong(Settings.HOLD_MIN_NANOS, Settings.HOLD_MAX_NANOS + 1));
                    } finally {
                        pool.release(handle);
                    }
                    if (counted) {
                        operations++;
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }

        private void record(long waited) {
            if (samples == waits.length) {
                waits = Arrays.copyOf(waits, waits.length * 2);
            }
            waits[samples++] = waited;
        }
    }

    /** The measured window on the nanoTime clock; written before the start signal, read after it. */
    private static final class Window {
        long start;
        long end;
    }

    private Saturation() {
    }

    static Result run(Subject subject, int threads, int round, Settings settings) throws InterruptedException {
        try (BenchPool pool = subject.open(settings.poolSize(), settings.acquireTimeout())) {
            CountDownLatch go = new CountDownLatch(1);
            Window window = new Window();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Worker> workers = new ArrayList<>(threads);
            List<Thread> started = new ArrayList<>(threads);
            for (int i = 0; i < threads; i++) {
                Worker worker = new Worker(pool, go, window, failure);
                workers.add(worker);
                started.add(Thread.ofVirtual().name("bench-" + i).start(worker));
            }
            long now = System.nanoTime();
            window.start = now + settings.warmup().toNanos();
            window.end = window.start + settings.measure().toNanos();
            go.countDown();
            for (Thread thread : started) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new IllegalStateException(subject.id() + " failed with " + threads + " threads", failure.get());
            }
            return tally(subject, threads, round, settings.measure(), workers);
        }
    }

    private static Result tally(Subject subject, int threads, int round, Duration measure, List<Worker> workers) {
        long operations = 0;
        long timeouts = 0;
        double sumSquares = 0;
        int starved = 0;
        for (Worker worker : workers) {
            operations += worker.operations;
            timeouts += worker.timeouts;
            sumSquares += (double) worker.operations * worker.operations;
            if (worker.operations == 0) {
                starved++;
            }
        }
        int samples = 0;
        for (Worker worker : workers) {
            samples += worker.samples;
        }
        long[] waits = new long[samples];
        int at = 0;
        for (Worker worker : workers) {
            System.arraycopy(worker.waits, 0, waits, at, worker.samples);
            at += worker.samples;
        }
        double seconds = measure.toNanos() / 1e9;
        double jain = sumSquares == 0 ? 0 : (double) operations * operations / (workers.size() * sumSquares);
        return new Result(subject.id(), threads, round, operations, seconds, operations / seconds, timeouts, jain,
                starved, Percentiles.of(waits));
    }
}
