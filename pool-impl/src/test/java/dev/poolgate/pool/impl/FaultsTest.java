package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.AcquireInterruptedException;
import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool's promises when its factory or a listener misbehaves: a factory that blocks, throws
 * Errors or destroys slowly, and a listener that throws. Each test failed before the pool core's
 * second edition; none waits a fixed time (gates and awaited conditions only).
 */
@Timeout(60)
class FaultsTest {

    private final TestThreads threads = new TestThreads();
    private final ScriptedFactory factory = new ScriptedFactory();
    private final List<PoolEvent> events = new CopyOnWriteArrayList<>();
    private final List<Pool<?>> pools = new CopyOnWriteArrayList<>();
    /** Opened after each test, so that no factory call stays blocked. */
    private final CountDownLatch gate = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        gate.countDown();
        pools.forEach(Pool::close);
        threads.assertNoneFailed();
    }

    private Pool<TestConnection> pool(PoolConfig.Builder config) {
        Pool<TestConnection> pool = Pool.create(config.build(), factory, events::add);
        pools.add(pool);
        return pool;
    }

    private boolean blockUntilTheGateOpens(TestConnection connection) throws InterruptedException {
        TestThreads.await(gate);
        return true;
    }

    private <E extends PoolEvent> List<E> events(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    // ---------------------------------------------------------------- maxSize bounds what the factory sees

    @Test
    void aRemovedConnectionCountsAgainstMaxUntilItsDestroyReturns() throws InterruptedException {
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(0).maxSize(1)
                .destroyTimeout(Duration.ofSeconds(30)));
        factory.onDestroy = this::blockUntilTheGateOpens;
        pool.acquire().invalidate();
        AtomicReference<String> served = new AtomicReference<>();
        Thread waiter = threads.start("waiter", () -> {
            try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(30))) {
                served.set(lease.id());
            }
        });
        Await.until("the waiter waits", () -> pool.stats().waitingAcquirers() == 1, pool::stats);
        Await.holds("no replacement while the removed connection's destroy runs", Duration.ofMillis(200),
                () -> factory.created.get() == 1, pool::stats);

        gate.countDown();
        TestThreads.join(waiter);
        assertNotNull(served.get());
        assertEquals(1, factory.mostAlive.get(), "never more than maxSize alive as the factory sees them");
    }

    @Test
    void aWaiterIsServedWhileADestroyHangsPastTheDestroyTimeout() throws InterruptedException {
        // The outside torture test's case: maxSize 1, the only connection fails its health check
        // and its destroy hangs; create() is instant, so the waiter must not starve.
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(1).maxSize(1)
                .healthCheckInterval(Duration.ofMillis(20)).destroyTimeout(Duration.ofMillis(200)));
        TestConnection first;
        try (Lease<TestConnection> lease = pool.acquire()) {
            first = lease.connection();
        }
        factory.onHealthy = c -> c != first;
        factory.onDestroy = this::blockUntilTheGateOpens;
        Await.until("the health check removed the first connection", () -> first.destroyCalls.get() == 1, pool::stats);

        try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(30))) {
            assertNotEquals(first, lease.connection());
            assertEquals(0, factory.destroysReturned.get(), "served while the old destroy still hangs");
        }
        List<PoolEvent.DestroyTimedOut> timedOut = events(PoolEvent.DestroyTimedOut.class);
        assertEquals(1, timedOut.size(), events::toString);
        assertEquals(Duration.ofMillis(200), timedOut.get(0).timeout());
    }

    // ---------------------------------------------------------------- Errors from listeners and the factory

    @Test
    void aListenerThrowingAnErrorOnTheFirstCreatedEventNeitherWedgesNorLeaks() throws InterruptedException {
        AtomicBoolean thrown = new AtomicBoolean();
        PoolListener hostile = event -> {
            if (event instanceof PoolEvent.Created && thrown.compareAndSet(false, true)) {
                throw new AssertionError("listener failure on purpose");
            }
        };
        // Straight to the pool, without the manager's composite listener that would catch it.
        FairPool<TestConnection> pool = FairPool.start(PoolConfig.builder().minSize(1).maxSize(2).build(), factory,
                hostile, PoolClock.SYSTEM);
        pools.add(pool);
        assertTrue(thrown.get());
        try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(10))) {
            assertNotNull(lease.connection());
        }
        PoolStats stats = pool.stats();
        assertEquals(0, stats.inUseConnections(), stats::toString);
        assertEquals(1, stats.totalConnections(), stats::toString);
        pool.close();
        Await.until("every connection destroyed after close", () -> factory.alive.isEmpty(), pool::stats);
    }

    @Test
    void anErrorFromIsValidDestroysThatConnectionAndServesAnother() {
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(1).maxSize(2));
        TestConnection first;
        try (Lease<TestConnection> lease = pool.acquire()) {
            first = lease.connection();
        }
        factory.onValid = c -> {
            if (c == first) {
                throw new StackOverflowError("isValid failure on purpose");
            }
            return true;
        };
        try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(10))) {
            assertNotEquals(first, lease.connection());
        }
        Await.until("the failed connection is destroyed", () -> first.destroyCalls.get() == 1, pool::stats);
        PoolStats stats = pool.stats();
        assertEquals(0, stats.inUseConnections(), stats::toString);
        pool.close();
        assertTrue(factory.alive.isEmpty(), () -> "left alive after close: " + factory.alive);
    }

    @Test
    void anErrorFromCreateOrDestroyLeavesThePoolUsable() {
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(0).maxSize(1));
        AtomicBoolean failed = new AtomicBoolean();
        factory.onCreate = c -> {
            if (failed.compareAndSet(false, true)) {
                throw new OutOfMemoryError("create failure on purpose");
            }
            return true;
        };
        factory.onDestroy = c -> {
            throw new LinkageError("destroy failure on purpose");
        };
        Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(10));
        lease.invalidate();
        try (Lease<TestConnection> next = pool.acquire(Duration.ofSeconds(10))) {
            assertNotEquals(lease.id(), next.id());
        }
        Await.until("the failed destroy is reported", () -> events(PoolEvent.DestroyFailed.class).size() == 1);
        assertEquals(0, pool.stats().inUseConnections());
    }

    // ---------------------------------------------------------------- destroy off the caller's thread

    @Test
    void anAcquireDoesNotWaitForTheDestroyOfAConnectionThatFailedValidation() {
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(1).maxSize(2)
                .destroyTimeout(Duration.ofSeconds(30)));
        TestConnection first;
        try (Lease<TestConnection> lease = pool.acquire()) {
            first = lease.connection();
        }
        factory.onValid = c -> c != first;
        factory.onDestroy = this::blockUntilTheGateOpens;
        AtomicReference<Lease<TestConnection>> served = new AtomicReference<>();
        threads.start("acquirer", () -> served.set(pool.acquire(Duration.ofSeconds(30))));
        Await.until("the acquire returned while the factory still destroys the invalid connection",
                () -> served.get() != null, pool::stats);
        // The destroy runs on a pool thread, which may start it just after the acquire returned.
        Await.until("the pool thread started destroying the invalid connection",
                () -> first.destroyCalls.get() == 1, pool::stats);
        assertEquals(0, factory.destroysReturned.get());
        served.get().close();
    }

    @Test
    void anInterruptDuringValidationIsKeptAndTheConnectionGoesBack() throws InterruptedException {
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(1).maxSize(1));
        try (Lease<TestConnection> lease = pool.acquire()) {
            assertNotNull(lease.connection());
        }
        CountDownLatch validating = new CountDownLatch(1);
        factory.onValid = c -> {
            validating.countDown();
            gate.await(); // ends early on the interrupt below, as a real isValid might; the flag is then clear
            return true;
        };
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        AtomicBoolean flagSet = new AtomicBoolean();
        Thread acquirer = threads.start("acquirer", () -> {
            try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(30))) {
                outcome.set(new AssertionError("acquired " + lease.id() + " though interrupted"));
            } catch (AcquireInterruptedException e) {
                outcome.set(e);
                flagSet.set(Thread.currentThread().isInterrupted());
            }
        });
        TestThreads.await(validating);
        factory.onValid = c -> true;
        acquirer.interrupt();
        TestThreads.join(acquirer);
        // isValid threw InterruptedException (so: invalid, destroyed) or returned; either way the
        // caller sees the interrupt, and the pool is consistent.
        assertInstanceOf(AcquireInterruptedException.class, outcome.get());
        assertTrue(flagSet.get(), "the interrupt flag is set when AcquireInterruptedException is thrown");
        Await.until("the pool is at rest", () -> pool.stats().inUseConnections() == 0, pool::stats);
    }

    // ---------------------------------------------------------------- FIFO

    @Test
    void aWaiterWhoseHandOutFailsValidationIsServedBeforeLaterWaiters() throws InterruptedException {
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(2).maxSize(2));
        Lease<TestConnection> one = pool.acquire();
        Lease<TestConnection> two = pool.acquire();
        TestConnection bad = one.connection();
        CountDownLatch validatingBad = new CountDownLatch(1);
        CountDownLatch badVerdict = new CountDownLatch(1);
        factory.onValid = c -> {
            if (c == bad) {
                validatingBad.countDown();
                TestThreads.await(badVerdict);
                return false;
            }
            return true;
        };
        TestConnection good = two.connection();
        AtomicReference<TestConnection> firstGot = new AtomicReference<>();
        AtomicReference<TestConnection> secondGot = new AtomicReference<>();
        Thread first = threads.start("first waiter", () -> {
            try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(30))) {
                firstGot.set(lease.connection());
            }
        });
        Await.until("the first waiter waits", () -> pool.stats().waitingAcquirers() == 1, pool::stats);
        Thread second = threads.start("second waiter", () -> {
            try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(30))) {
                secondGot.set(lease.connection());
            }
        });
        Await.until("the second waiter waits", () -> pool.stats().waitingAcquirers() == 2, pool::stats);

        one.close(); // to the first waiter, which validates it (and will find it bad)
        TestThreads.await(validatingBad);
        two.close(); // kept for the first waiter while it validates, not given to the second
        Await.holds("the second waiter is not served while the first validates", Duration.ofMillis(100),
                () -> secondGot.get() == null, pool::stats);
        badVerdict.countDown();
        TestThreads.join(first);
        TestThreads.join(second);
        assertEquals(good, firstGot.get(), "the connection released while the first validated went to the first");
        assertNotNull(secondGot.get(), "then the second is served");
    }

    // ---------------------------------------------------------------- close

    @Test
    void closeReturnsWhenDestroysHangAndASecondCloseReturnsToo() {
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(2).maxSize(2)
                .destroyTimeout(Duration.ofMillis(100)));
        factory.onDestroy = this::blockUntilTheGateOpens;
        pool.close();
        pool.close();
        assertEquals(2, events(PoolEvent.DestroyTimedOut.class).size(), events::toString);
        assertEquals(1, events(PoolEvent.ShutDown.class).size());
        gate.countDown();
        Await.until("the hung destroys end in the end", () -> factory.alive.isEmpty());
    }

    @Test
    void closeIsIdempotentWhenAListenerThrowsDuringShutdown() {
        FairPool<TestConnection> pool = FairPool.start(PoolConfig.builder().minSize(2).maxSize(2).build(), factory,
                event -> {
                    if (event instanceof PoolEvent.ShuttingDown || event instanceof PoolEvent.Destroyed) {
                        throw new IllegalStateException("listener failure on purpose");
                    }
                }, PoolClock.SYSTEM);
        pool.close();
        pool.close();
        assertTrue(factory.alive.isEmpty(), () -> "left alive: " + factory.alive);
        assertThrows(dev.poolgate.pool.PoolClosedException.class, () -> pool.acquire(Duration.ofMillis(10)));
    }

    // ---------------------------------------------------------------- pooling disabled

    @Test
    void unpooledAcquireKeepsItsTimeoutWhileCreateRunsAndTheLateConnectionIsDestroyed() {
        Pool<TestConnection> pool = pool(PoolConfig.builder().poolingEnabled(false));
        factory.onCreate = this::blockUntilTheGateOpens;
        AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class,
                () -> pool.acquire(Duration.ofMillis(50)));
        assertEquals(1, e.stats().acquireTimeouts());
        gate.countDown();
        Await.until("the late connection is destroyed", () -> factory.created.get() == 1 && factory.alive.isEmpty());
        Await.until("its events", () -> events(PoolEvent.Destroyed.class).size() == 1);
        assertEquals(1, events(PoolEvent.Created.class).size(), "one Created per successful creation");
    }

    @Test
    void unpooledInterruptDuringCreateIsAcquireInterruptedWithTheFlagSet() throws InterruptedException {
        Pool<TestConnection> pool = pool(PoolConfig.builder().poolingEnabled(false));
        CountDownLatch creating = new CountDownLatch(1);
        factory.onCreate = c -> {
            creating.countDown();
            return blockUntilTheGateOpens(c);
        };
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        AtomicBoolean flagSet = new AtomicBoolean();
        Thread acquirer = threads.start("acquirer", () -> {
            try {
                pool.acquire(Duration.ofSeconds(30)).close();
            } catch (RuntimeException e) {
                outcome.set(e);
                flagSet.set(Thread.currentThread().isInterrupted());
            }
        });
        TestThreads.await(creating);
        acquirer.interrupt();
        TestThreads.join(acquirer);
        assertInstanceOf(AcquireInterruptedException.class, outcome.get());
        assertTrue(flagSet.get());
        gate.countDown();
        Await.until("the late connection is destroyed", () -> factory.created.get() == 1 && factory.alive.isEmpty());
    }

    @Test
    void unpooledMaxSizeIsALimitAndWaitersAreServedInOrder() throws InterruptedException {
        Pool<TestConnection> pool = pool(PoolConfig.builder().poolingEnabled(false).minSize(0).maxSize(1));
        Lease<TestConnection> held = pool.acquire();
        assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofMillis(20)));
        List<String> servedInOrder = new CopyOnWriteArrayList<>();
        Thread first = threads.start("first", () -> {
            try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(30))) {
                servedInOrder.add("first");
            }
        });
        Await.until("the first waits", () -> pool.stats().waitingAcquirers() == 1, pool::stats);
        Thread second = threads.start("second", () -> {
            try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(30))) {
                servedInOrder.add("second");
            }
        });
        Await.until("the second waits", () -> pool.stats().waitingAcquirers() == 2, pool::stats);
        held.close();
        TestThreads.join(first);
        TestThreads.join(second);
        assertEquals(List.of("first", "second"), servedInOrder);
        assertEquals(1, factory.mostAlive.get(), "maxSize bounds connections with pooling disabled too");
    }

    @Test
    void unpooledCloseEmitsShuttingDownAndShutDown() {
        Pool<TestConnection> pool = pool(PoolConfig.builder().poolingEnabled(false));
        pool.acquire().close();
        pool.close();
        assertEquals(1, events(PoolEvent.ShuttingDown.class).size(), events::toString);
        assertEquals(1, events(PoolEvent.ShutDown.class).size(), events::toString);
        assertFalse(events.indexOf(events(PoolEvent.ShutDown.class).get(0))
                < events.indexOf(events(PoolEvent.ShuttingDown.class).get(0)));
    }
}
