package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolClosedException;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Closing a pool: waiters fail at once, idle connections go at once, leased ones when they come
 * back or when the drain time is up, and close() returns when every connection is destroyed. The
 * rules that do not need waiting or idle connections hold with pooling disabled as well.
 */
class ShutdownTest {

    private static final Duration LONG = Duration.ofSeconds(20);
    /** How long "at once" may take on the shared 2-core build machine: far below any timeout involved. */
    private static final long PROMPT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final String ID = "[0-9a-f]{8}";

    private final TestFactory factory = new TestFactory();
    private final Events events = new Events();
    private final TestThreads testThreads = new TestThreads();

    @AfterEach
    void noTestThreadFailed() {
        LogCapture.stop();
        testThreads.assertNoneFailed();
    }

    private static PoolConfig.Builder config(boolean poolingEnabled) {
        return PoolConfig.builder().poolingEnabled(poolingEnabled).minSize(1).maxSize(4).acquireTimeout(LONG);
    }

    // ---------------------------------------------------------------- waiters

    @Test
    @Timeout(30)
    void closeFailsEveryWaiterAtOnceWithPoolClosed() throws InterruptedException {
        int waiters = 5;
        PoolConfig config = PoolConfig.builder().minSize(2).maxSize(2).acquireTimeout(LONG).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory, events)) {
            Lease<TestConnection> first = pool.acquire();
            Lease<TestConnection> second = pool.acquire();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            List<Long> failedAt = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                threads.add(testThreads.start("waiter-" + i, () -> {
                    try {
                        pool.acquire().close();
                    } catch (PoolClosedException e) {
                        failedAt.add(System.nanoTime());
                        failures.add(e);
                    }
                }));
            }
            Await.until("every caller waits", () -> pool.stats().waitingAcquirers() == waiters, pool::stats);

            long closing = System.nanoTime();
            Thread closer = testThreads.start("closer", pool::close);
            TestThreads.joinAll(threads);

            assertEquals(waiters, failures.size(), () -> "every waiter fails: " + failures);
            for (long at : failedAt) {
                assertTrue(at - closing < PROMPT_NANOS, () -> "a waiter failed only after "
                        + (at - closing) / 1e6 + " ms, its timeout is " + LONG);
            }
            assertTrue(failures.get(0).getMessage().contains("pool is closed"), failures.get(0)::getMessage);
            assertEquals(0, pool.stats().waitingAcquirers());
            assertEquals(0, pool.stats().acquireTimeouts(), "they failed, they did not time out");
            assertTrue(closer.isAlive(), "close() still waits for the two leased connections");

            first.close();
            second.close();
            TestThreads.join(closer);
            assertNothingLeft(pool, factory);
        }
    }

    // ---------------------------------------------------------------- idle and leased connections

    @Test
    @Timeout(30)
    void closeDestroysIdleConnectionsAtOnceAndLeasedOnesAsTheyComeBackWithTheCataloguedLines()
            throws InterruptedException {
        LogCapture.start();
        try (Pool<TestConnection> pool = Pool.create(PoolConfig.defaults(), factory)) {
            Lease<TestConnection> first = pool.acquire();
            Lease<TestConnection> second = pool.acquire();
            Lease<TestConnection> third = pool.acquire();
            TestConnection idle = third.connection();
            third.close();
            LogCapture.clear();

            Thread closer = testThreads.start("closer", pool::close);
            Await.until("the idle connection is destroyed", () -> idle.destroyCalls.get() == 1, pool::stats);
            awaitDraining(closer);
            assertEquals(1, factory.destroys.get(), "only the idle connection so far");
            assertEquals(2, pool.stats().inUseConnections(), pool.stats()::toString);

            TestConnection firstConnection = first.connection();
            first.close();
            Await.until("a connection released while closing is destroyed (in the background)",
                    () -> firstConnection.destroyCalls.get() == 1, pool::stats);
            assertTrue(closer.isAlive(), "close() still waits for the second leased connection");
            second.close();
            TestThreads.join(closer);

            assertEquals(List.of(
                    "[POOL] Shutting down Claude instance pool (destroying 3 connections)",
                    "[POOL] Destroyed connection " + third.id() + " (total remaining: 2)",
                    "[POOL] Destroyed connection " + first.id() + " (total remaining: 1)",
                    "[POOL] Destroyed connection " + second.id() + " (total remaining: 0)",
                    "[POOL] Claude instance pool shutdown complete"),
                    LogCapture.lines(line -> line.startsWith("[POOL] ")));
            assertNothingLeft(pool, factory);
        }
    }

    @ParameterizedTest(name = "pooling enabled: {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(30)
    void closeWaitsForLeasedConnectionsAndDestroysEachAsItComesBack(boolean poolingEnabled)
            throws InterruptedException {
        try (Pool<TestConnection> pool = Pool.create(config(poolingEnabled).build(), factory, events)) {
            Lease<TestConnection> first = pool.acquire();
            Lease<TestConnection> second = pool.acquire();
            TestConnection firstConnection = first.connection();
            TestConnection secondConnection = second.connection();

            Thread closer = testThreads.start("closer", pool::close);
            awaitDraining(closer);
            first.close();
            Await.until("the first connection is destroyed (in the background)",
                    () -> firstConnection.destroyCalls.get() == 1, pool::stats);
            assertEquals(0, secondConnection.destroyCalls.get());
            assertTrue(closer.isAlive(), "close() still waits for the second leased connection");
            second.close();
            TestThreads.join(closer);

            assertEquals(1, secondConnection.destroyCalls.get());
            assertNothingLeft(pool, factory);
        }
    }

    @ParameterizedTest(name = "pooling enabled: {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(30)
    void aSecondCloseWhileTheFirstDrainsReturnsOnlyWhenThePoolIsClosed(boolean poolingEnabled)
            throws InterruptedException {
        try (Pool<TestConnection> pool = Pool.create(config(poolingEnabled).build(), factory, events)) {
            Lease<TestConnection> lease = pool.acquire();
            Thread first = testThreads.start("first closer", pool::close);
            awaitDraining(first);
            Thread second = testThreads.start("second closer", () -> {
                pool.close();
                assertEquals(0, factory.open(), "the second close() returned before every connection was destroyed");
            });
            Await.until("the second close() waits", () -> second.getState() == Thread.State.WAITING,
                    second::getState);
            lease.close();
            TestThreads.join(first);
            TestThreads.join(second);
            assertNothingLeft(pool, factory);
        }
    }

    @ParameterizedTest(name = "pooling enabled: {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(30)
    void closeReturnsOnlyWhenTheLastReleasedConnectionIsDestroyed(boolean poolingEnabled)
            throws InterruptedException {
        // Closing a real connection takes time (a goodbye on the wire); close() must wait for it.
        SlowDestroyFactory slow = new SlowDestroyFactory(Duration.ofMillis(300));
        PoolConfig config = config(poolingEnabled).minSize(0).build();
        try (Pool<TestConnection> pool = Pool.create(config, slow, events)) {
            Lease<TestConnection> lease = pool.acquire();
            AtomicReference<Integer> openWhenCloseReturned = new AtomicReference<>();
            Thread closer = testThreads.start("closer", () -> {
                pool.close();
                openWhenCloseReturned.set(slow.open());
            });
            awaitDraining(closer);
            lease.close();
            TestThreads.join(closer);

            assertEquals(0, openWhenCloseReturned.get(), "close() returned before the connection was destroyed");
            if (poolingEnabled) {
                List<PoolEvent> ends = events.all.stream()
                        .filter(e -> e instanceof PoolEvent.Destroyed || e instanceof PoolEvent.ShutDown).toList();
                assertEquals(2, ends.size(), ends::toString);
                assertInstanceOf(PoolEvent.ShutDown.class, ends.get(1), "the shutdown completes last: " + ends);
            }
            assertNothingLeft(pool, slow);
        }
    }

    @ParameterizedTest(name = "pooling enabled: {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(30)
    void leaseStillOutAfterTheDrainTimeIsDestroyedAndItsLateReleaseDoesNothing(boolean poolingEnabled) {
        Duration drain = Duration.ofMillis(100);
        LogCapture.start();
        try (Pool<TestConnection> pool = Pool.create(config(poolingEnabled).drainTimeout(drain).build(), factory)) {
            Lease<TestConnection> lease = pool.acquire();
            TestConnection connection = lease.connection();

            long began = System.nanoTime();
            pool.close();
            long took = System.nanoTime() - began;

            assertTrue(took >= drain.toNanos(), () -> "close() gave up waiting after " + took / 1e6 + " ms");
            assertTrue(took < drain.toNanos() + PROMPT_NANOS, () -> "close() took " + took / 1e6 + " ms");
            assertEquals(1, connection.destroyCalls.get(), "destroyed when the drain time was up");
            IllegalStateException ended = assertThrows(IllegalStateException.class, lease::connection);
            assertTrue(ended.getMessage().contains("closed"), ended::getMessage);

            assertDoesNotThrow(lease::close, "a release after the pool took the connection back does nothing");
            assertDoesNotThrow(lease::invalidate);
            assertEquals(1, connection.destroyCalls.get(), "never destroyed twice");
            if (poolingEnabled) {
                assertEquals(List.of("[POOL] Connection " + lease.id() + " was still leased after the 0.1s drain "
                        + "time; destroying it"), LogCapture.lines(line -> line.contains("still leased")));
            }
            assertNothingLeft(pool, factory);
        }
    }

    @ParameterizedTest(name = "pooling enabled: {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(30)
    void closeWaitsForACreationUnderWayAndDestroysWhatItCreates(boolean poolingEnabled)
            throws InterruptedException {
        TestFactory gated = new TestFactory();
        PoolConfig config = config(poolingEnabled).minSize(0).build();
        try (Pool<TestConnection> pool = Pool.create(config, gated, events)) {
            CountDownLatch gate = new CountDownLatch(1);
            gated.createGate = gate;
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            Thread acquirer = testThreads.start("acquirer", () -> {
                try (Lease<TestConnection> lease = pool.acquire()) {
                    outcome.set(new AssertionError("served " + lease.id() + " while the pool closed"));
                } catch (PoolClosedException e) {
                    outcome.set(e);
                }
            });
            Await.until("a creation is under way", () -> gated.inCreate.get() == 1, pool::stats);

            AtomicReference<Integer> createdWhenCloseReturned = new AtomicReference<>();
            AtomicReference<Integer> openWhenCloseReturned = new AtomicReference<>();
            Thread closer = testThreads.start("closer", () -> {
                pool.close();
                createdWhenCloseReturned.set(gated.createdConnections.size());
                openWhenCloseReturned.set(gated.open());
            });
            Await.until("close() waits or has returned",
                    () -> closer.getState() == Thread.State.TIMED_WAITING || !closer.isAlive(), closer::getState);
            gate.countDown();
            TestThreads.join(closer);
            TestThreads.join(acquirer);

            assertEquals(1, createdWhenCloseReturned.get(), "close() returned while a creation was under way");
            assertEquals(0, openWhenCloseReturned.get(), "close() returned before the late connection was destroyed");
            assertInstanceOf(PoolClosedException.class, outcome.get());
            assertNothingLeft(pool, gated);
        }
    }

    // ---------------------------------------------------------------- after close

    @ParameterizedTest(name = "pooling enabled: {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(30)
    void acquireAfterCloseFailsAndClosingTwiceIsHarmless(boolean poolingEnabled) {
        Pool<TestConnection> pool = Pool.create(config(poolingEnabled).build(), factory, events);
        pool.acquire().close();
        pool.close();

        assertThrows(PoolClosedException.class, pool::acquire);
        assertThrows(PoolClosedException.class, () -> pool.acquire(Duration.ofSeconds(1)));
        assertDoesNotThrow(pool::close);
        assertThrows(PoolClosedException.class, pool::acquire);
        if (poolingEnabled) {
            assertEquals(1, events.of(PoolEvent.ShuttingDown.class).size(), "the second close did nothing");
            assertEquals(1, events.of(PoolEvent.ShutDown.class).size(), "the second close did nothing");
        }
        assertNothingLeft(pool, factory);
    }

    // ---------------------------------------------------------------- everything at once

    @Test
    @Timeout(30)
    void closeWithWaitersLeasesAndCreationsUnderWayLeavesNothingOpen() throws InterruptedException {
        int max = 4;
        int waiters = 6;
        TestFactory gated = new TestFactory();
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(max).acquireTimeout(LONG).build();
        try (Pool<TestConnection> pool = Pool.create(config, gated, events)) {
            Lease<TestConnection> first = pool.acquire();
            Lease<TestConnection> second = pool.acquire();
            CountDownLatch gate = new CountDownLatch(1);
            gated.createGate = gate;
            List<Throwable> outcomes = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                threads.add(testThreads.start("waiter-" + i, () -> {
                    try (Lease<TestConnection> lease = pool.acquire()) {
                        outcomes.add(new AssertionError("served " + lease.id() + " while the pool closed"));
                    } catch (PoolClosedException e) {
                        outcomes.add(e);
                    }
                }));
            }
            Await.until("every caller waits", () -> pool.stats().waitingAcquirers() == waiters, pool::stats);
            Await.until("the pool creates up to max", () -> gated.inCreate.get() == max - 2,
                    () -> gated.inCreate + " " + pool.stats());

            long closing = System.nanoTime();
            Thread closer = testThreads.start("closer", pool::close);
            TestThreads.joinAll(threads);
            assertTrue(System.nanoTime() - closing < PROMPT_NANOS, "the waiters failed at once");
            assertEquals(waiters, outcomes.size());
            outcomes.forEach(outcome -> assertInstanceOf(PoolClosedException.class, outcome));
            assertTrue(closer.isAlive(), "close() waits for the leases and the creations under way");

            gate.countDown(); // the creations complete into a closing pool
            Await.until("the late creations are destroyed", () -> gated.createdConnections.size() == max
                    && gated.createdConnections.stream().skip(2).allMatch(c -> c.destroyCalls.get() == 1),
                    pool::stats);
            assertTrue(closer.isAlive(), "close() still waits for the leases");
            first.close();
            second.close();
            TestThreads.join(closer);

            assertEquals(max, gated.creates.get());
            for (PoolEvent.Created created : events.of(PoolEvent.Created.class)) {
                assertTrue(created.total() <= max, created::toString);
            }
            for (TestConnection connection : gated.createdConnections) {
                assertEquals(1, connection.destroyCalls.get(), connection::toString);
            }
            assertThrows(PoolClosedException.class, pool::acquire);
            assertNothingLeft(pool, gated);
        }
    }

    @Test
    @Timeout(30)
    void closeWithPoolingDisabledWhileLeasesAreOutAndACreationIsUnderWayLeavesNothingOpen()
            throws InterruptedException {
        PoolConfig config = config(false).build();
        TestFactory gated = new TestFactory();
        try (Pool<TestConnection> pool = Pool.create(config, gated, events)) {
            Lease<TestConnection> first = pool.acquire();
            Lease<TestConnection> second = pool.acquire();
            CountDownLatch gate = new CountDownLatch(1);
            gated.createGate = gate;
            AtomicReference<Throwable> lateOutcome = new AtomicReference<>();
            Thread late = testThreads.start("late-acquirer", () -> {
                try (Lease<TestConnection> lease = pool.acquire()) {
                    lateOutcome.set(new AssertionError("served " + lease.id() + " after the pool closed"));
                } catch (PoolClosedException e) {
                    lateOutcome.set(e);
                }
            });
            Await.until("a creation is under way", () -> gated.inCreate.get() == 1, pool::stats);

            Thread closer = testThreads.start("closer", pool::close);
            awaitDraining(closer);
            gate.countDown();
            TestThreads.join(late);
            assertInstanceOf(PoolClosedException.class, lateOutcome.get(), "created for a closed pool");
            first.close();
            second.close();
            TestThreads.join(closer);

            assertEquals(3, gated.creates.get());
            for (TestConnection connection : gated.createdConnections) {
                assertEquals(1, connection.destroyCalls.get(), connection::toString);
            }
            assertNothingLeft(pool, gated);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Every connection destroyed, once, and the counters agree. */
    private void assertNothingLeft(Pool<TestConnection> pool, TestFactory used) {
        PoolStats stats = pool.stats();
        assertEquals(0, stats.totalConnections(), stats::toString);
        assertEquals(0, stats.inUseConnections(), stats::toString);
        assertEquals(0, stats.waitingAcquirers(), stats::toString);
        assertEquals(stats.connectionsCreated(), stats.connectionsDestroyed(), stats::toString);
        assertEquals(0, used.open(), "connections created and not destroyed");
        assertEquals(used.createdConnections.size(), used.destroys.get(), "each destroyed exactly once");
        assertEquals(List.of(), events.of(PoolEvent.DestroyFailed.class));
    }

    /** Waits until close() waits for the leased connections (its drain wait is a timed one). */
    private static void awaitDraining(Thread closer) {
        Await.until("close() waits for the leased connections", () -> closer.getState() == Thread.State.TIMED_WAITING,
                closer::getState);
    }

    /** Collects every event of a pool. */
    private static final class Events implements PoolListener {
        private final List<PoolEvent> all = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(PoolEvent event) {
            all.add(event);
        }

        <E extends PoolEvent> List<E> of(Class<E> type) {
            return all.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    /** Takes its time to destroy a connection; {@link TestConnection#destroyCalls} counts once it is done. */
    private static final class SlowDestroyFactory extends TestFactory {
        private final Duration destroyTime;

        SlowDestroyFactory(Duration destroyTime) {
            this.destroyTime = destroyTime;
        }

        @Override
        public void destroy(TestConnection connection) {
            LockSupport.parkNanos(destroyTime.toNanos());
            super.destroy(connection);
        }
    }

}
