package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Acquirers that have to wait are served in arrival order: a released connection goes to the
 * longest waiter, never to a caller that arrives later, and under saturation no caller starves.
 */
class FairnessTest {

    private static final Duration LONG = Duration.ofSeconds(20);

    private final TestFactory factory = new TestFactory();
    private final TestThreads testThreads = new TestThreads();

    @AfterEach
    void noTestThreadFailed() {
        testThreads.assertNoneFailed();
    }

    @Test
    @Timeout(30)
    void waitersAreServedInExactlyTheirArrivalOrder() throws InterruptedException {
        int max = 3;
        int acquirers = 20;
        PoolConfig config = PoolConfig.builder().minSize(max).maxSize(max).acquireTimeout(LONG).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory)) {
            List<Lease<TestConnection>> held = new ArrayList<>();
            for (int i = 0; i < max; i++) {
                held.add(pool.acquire());
            }
            List<Integer> served = new CopyOnWriteArrayList<>();
            List<CountDownLatch> letGo = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < acquirers; i++) {
                int arrival = i;
                CountDownLatch release = new CountDownLatch(1);
                letGo.add(release);
                threads.add(testThreads.start("acquirer-" + arrival, () -> {
                    try (Lease<TestConnection> lease = pool.acquire()) {
                        lease.connection().enter();
                        served.add(arrival);
                        TestThreads.await(release);
                        lease.connection().exit();
                    }
                }));
                // The next one starts only once this one waits in line: arrival order is known.
                Await.until("acquirer " + arrival + " waits in line",
                        () -> pool.stats().waitingAcquirers() == arrival + 1, pool::stats);
            }

            // Free exactly one connection per step: first the test's own leases, then each
            // acquirer's in the order they were served. Each step must serve the next in line.
            for (int step = 0; step < acquirers; step++) {
                if (step < max) {
                    held.get(step).close();
                } else {
                    letGo.get(served.get(step - max)).countDown();
                }
                int expected = step + 1;
                Await.until(expected + " acquirers are served", () -> served.size() >= expected,
                        () -> served + " " + pool.stats());
                assertEquals(expected, served.size(), "one freed connection serves exactly one waiter");
                assertEquals(step, served.get(step), () -> "served out of arrival order: " + served);
                assertEquals(acquirers - expected, pool.stats().waitingAcquirers());
            }
            letGo.forEach(CountDownLatch::countDown);
            TestThreads.joinAll(threads);

            assertEquals(IntStream.range(0, acquirers).boxed().toList(), served);
            PoolStats stats = pool.stats();
            assertEquals(max, stats.connectionsCreated(), "a full pool at max never grows");
            assertEquals(max, stats.availableConnections(), stats::toString);
            assertEquals(0, stats.inUseConnections(), stats::toString);
        }
    }

    @Test
    @Timeout(30)
    void releasedConnectionGoesToTheLongestWaiterNotToANewcomerArrivingAtTheRelease()
            throws InterruptedException {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).acquireTimeout(LONG).build();
        // Runs on the releasing thread right after the release has handed the connection on, and
        // so most likely before the waiter has even woken up: the moment a barging newcomer wins.
        AtomicReference<Runnable> atNextRelease = new AtomicReference<>();
        List<String> served = new CopyOnWriteArrayList<>();
        CountDownLatch waiterLetsGo = new CountDownLatch(1);
        try (Pool<TestConnection> pool = Pool.create(config, factory, event -> {
            if (event instanceof PoolEvent.Released) {
                Runnable hook = atNextRelease.getAndSet(null);
                if (hook != null) {
                    hook.run();
                }
            }
        })) {
            Lease<TestConnection> held = pool.acquire();
            Thread waiter = testThreads.start("waiter", () -> {
                try (Lease<TestConnection> lease = pool.acquire()) {
                    served.add("waiter");
                    TestThreads.await(waiterLetsGo);
                }
            });
            Await.until("the waiter waits in line", () -> pool.stats().waitingAcquirers() == 1, pool::stats);
            AtomicReference<Object> newcomer = new AtomicReference<>();
            atNextRelease.set(() -> {
                try (Lease<TestConnection> lease = pool.acquire(Duration.ofMillis(200))) {
                    newcomer.set("served " + lease.id());
                } catch (AcquireTimeoutException e) {
                    newcomer.set(e);
                }
            });

            held.close();

            // The waiter holds the connection until the test lets go, so the newcomer can only
            // have been served by taking it from the waiter.
            assertInstanceOf(AcquireTimeoutException.class, newcomer.get(), "the newcomer barged in");
            Await.until("the waiter is served", () -> !served.isEmpty(), pool::stats);
            assertEquals(List.of("waiter"), served);
            waiterLetsGo.countDown();
            TestThreads.joinAll(List.of(waiter));
            try (Lease<TestConnection> later = pool.acquire(Duration.ofSeconds(5))) {
                assertEquals(held.id(), later.id(), "the newcomer is served once the waiter is done");
            }
        }
    }

    @Test
    @Timeout(60)
    void releasedConnectionGoesToTheLongestWaiterWhenANewcomerRacesTheRelease() throws InterruptedException {
        int rounds = 200;
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).acquireTimeout(LONG).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory)) {
            for (int round = 0; round < rounds; round++) {
                Lease<TestConnection> held = pool.acquire();
                AtomicReference<String> first = new AtomicReference<>();
                CountDownLatch go = new CountDownLatch(1);
                CountDownLatch letGo = new CountDownLatch(1);
                Thread waiter = testThreads.start("waiter-" + round, () -> {
                    try (Lease<TestConnection> lease = pool.acquire()) {
                        first.compareAndSet(null, "waiter");
                        TestThreads.await(letGo);
                    }
                });
                Await.until("the waiter waits in line", () -> pool.stats().waitingAcquirers() == 1, pool::stats);
                Thread newcomer = testThreads.start("newcomer-" + round, () -> {
                    TestThreads.await(go);
                    try (Lease<TestConnection> lease = pool.acquire()) {
                        first.compareAndSet(null, "newcomer");
                        TestThreads.await(letGo);
                    }
                });
                go.countDown();
                held.close();
                Await.until("somebody is served", () -> first.get() != null, pool::stats);
                assertEquals("waiter", first.get(), "round " + round + ": a newcomer barged in");
                letGo.countDown();
                TestThreads.joinAll(List.of(waiter, newcomer));
            }
            PoolStats stats = pool.stats();
            assertEquals(1, stats.connectionsCreated(), stats::toString);
            assertEquals(0, stats.inUseConnections(), stats::toString);
        }
    }

    /**
     * 200 callers hammer 10 connections, each holding one for 5 ms per iteration, and every wait
     * is recorded.
     *
     * <p>In a fair (FIFO) pool a caller that queues has the other ~190 callers ahead of it, served
     * 10 at a time, so every wait is close to the mean of about 19 hold times (~100 ms); only the
     * first round, while the callers line up, and stalls of the machine differ. An unfair pool
     * keeps the mean but lets unlucky callers wait far longer: with the hand-off made LIFO, or
     * with barging (a release pushing to the idle stack that any caller may pop), this test
     * measured max/mean of 40x and 16x, and one caller had 0 of its 20 iterations done when the
     * first finished.
     *
     * <p>Why 5 ms and 5x: the build machine has 2 cores shared with other builds, and stalls of
     * 100-200 ms hit all waits in flight at once. With a 1 ms hold the mean wait is only ~25 ms,
     * and such a stall alone pushed max/mean to 4.9 with a fair pool. With 5 ms the mean is
     * ~100 ms and fair runs measured max/mean 1.1-2.4 (p99 within 2.7x of the mean); 5x tolerates
     * a stall of about 400 ms and still fails the unfair pools above by a wide margin.
     *
     * <p>Completions must be even, too: when the first caller finishes its iterations, every
     * other caller is at most a few behind (fair runs: 1-2), because each pass through the queue
     * serves each caller once.
     */
    @Test
    @Timeout(120)
    void underSaturationTheLongestWaitStaysNearTheMeanAndEveryCallerGetsAnEvenShare()
            throws InterruptedException {
        int callers = 200;
        int max = 10;
        int iterations = 20;
        long holdNanos = TimeUnit.MILLISECONDS.toNanos(5);
        double maxToMean = 5.0;
        int allowedLag = 5;

        PoolConfig config = PoolConfig.builder().minSize(max).maxSize(max).acquireTimeout(Duration.ofSeconds(60))
                .healthCheckInterval(Duration.ZERO).build();
        long[][] waits = new long[callers][iterations];
        AtomicIntegerArray completions = new AtomicIntegerArray(callers);
        AtomicReference<int[]> atFirstFinish = new AtomicReference<>();
        CountDownLatch startLine = new CountDownLatch(1);
        try (Pool<TestConnection> pool = Pool.create(config, factory)) {
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                threads.add(testThreads.start("caller-" + caller, () -> {
                    TestThreads.await(startLine);
                    for (int i = 0; i < iterations; i++) {
                        long asked = System.nanoTime();
                        try (Lease<TestConnection> lease = pool.acquire()) {
                            waits[caller][i] = System.nanoTime() - asked;
                            lease.connection().enter();
                            LockSupport.parkNanos(holdNanos);
                            lease.connection().exit();
                        }
                        completions.incrementAndGet(caller);
                    }
                    atFirstFinish.compareAndSet(null, snapshot(completions));
                }));
            }
            long began = System.nanoTime();
            startLine.countDown();
            TestThreads.joinAll(threads);
            long elapsed = System.nanoTime() - began;

            long[] all = Arrays.stream(waits).flatMapToLong(Arrays::stream).sorted().toArray();
            double mean = Arrays.stream(all).average().orElseThrow();
            long p99 = all[(int) Math.ceil(all.length * 0.99) - 1];
            long longest = all[all.length - 1];
            int[] behind = atFirstFinish.get();
            int slowest = Arrays.stream(behind).min().orElseThrow();
            System.out.printf("FairnessTest saturation: %d callers x %d iterations on max %d in %.0f ms; "
                            + "wait mean %.2f ms, p99 %.2f ms, max %.2f ms, max/mean %.2f; "
                            + "when the first caller finished, the slowest had %d of %d%n",
                    callers, iterations, max, elapsed / 1e6, mean / 1e6, p99 / 1e6, longest / 1e6,
                    longest / mean, slowest, iterations);

            for (int c = 0; c < callers; c++) {
                assertEquals(iterations, completions.get(c), "caller " + c + " completed");
            }
            assertTrue(longest <= maxToMean * mean, () -> String.format(
                    "the longest wait %.2f ms is more than %.1fx the mean %.2f ms: some caller starved",
                    longest / 1e6, maxToMean, mean / 1e6));
            assertTrue(slowest >= iterations - allowedLag, () -> "when the first caller finished its " + iterations
                    + " iterations, another had only " + slowest + ": " + Arrays.toString(behind));

            PoolStats stats = pool.stats();
            assertEquals(max, stats.connectionsCreated(), stats::toString);
            assertEquals(0, stats.connectionsDestroyed(), stats::toString);
            assertEquals(0, stats.inUseConnections(), stats::toString);
            assertEquals(max, stats.availableConnections(), stats::toString);
            assertEquals(0, stats.waitingAcquirers(), stats::toString);
            assertEquals((long) callers * iterations, stats.connectionsReused(),
                    "every hand-out reused one of the minimum");
        }
    }

    private static int[] snapshot(AtomicIntegerArray counts) {
        int[] copy = new int[counts.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = counts.get(i);
        }
        return copy;
    }
}
