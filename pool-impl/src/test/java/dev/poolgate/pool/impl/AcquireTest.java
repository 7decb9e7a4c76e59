package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.AcquireInterruptedException;
import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolEvent.DestroyReason;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Acquire: its deadline, interrupts, creation failures and growth up to max, reuse of idle
 * connections, validation on the way out, and failures of the factory's destroy.
 */
class AcquireTest {

    private static final Duration LONG = Duration.ofSeconds(20);
    /**
     * How late a timed-out acquire may return. Generous, because the build machine has 2 cores
     * shared with other builds and stalls for 100-200 ms now and then, but still well below the
     * waits that would come from a deadline that restarts or from the configured default timeout.
     */
    private static final long LATE_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(800);

    private final TestFactory factory = new TestFactory();
    private final Events events = new Events();
    private final TestThreads testThreads = new TestThreads();

    @AfterEach
    void noTestThreadFailed() {
        LogCapture.stop();
        testThreads.assertNoneFailed();
    }

    // ---------------------------------------------------------------- deadline

    @Test
    @Timeout(30)
    void acquireGivesUpAtItsDeadlineNotBeforeAndNotMuchAfterWithTheCountsInItsMessage()
            throws InterruptedException {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).acquireTimeout(LONG).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory, events)) {
            Lease<TestConnection> held = pool.acquire();
            AtomicReference<String> patient = new AtomicReference<>();
            Thread other = testThreads.start("patient-waiter", () -> {
                try (Lease<TestConnection> lease = pool.acquire()) {
                    patient.set(lease.id());
                }
            });
            Await.until("another caller waits", () -> pool.stats().waitingAcquirers() == 1, pool::stats);

            Duration timeout = Duration.ofMillis(200);
            long began = System.nanoTime();
            AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class, () -> pool.acquire(timeout));
            long elapsed = System.nanoTime() - began;

            assertTrue(elapsed >= timeout.toNanos(), () -> "gave up early, after " + elapsed / 1e6 + " ms");
            assertTrue(elapsed < timeout.toNanos() + LATE_MARGIN_NANOS,
                    () -> "gave up late, after " + elapsed / 1e6 + " ms");
            assertEquals("Could not acquire Claude connection within 0.2s timeout (total=1, idle=0, in_use=1, "
                    + "waiting=1)", e.getMessage());
            assertEquals(timeout, e.timeout());
            assertEquals(1, e.stats().acquireTimeouts());
            assertNull(e.getCause(), "no creation failed");
            assertEquals(List.of(new PoolEvent.AcquireTimedOut(timeout, e.stats())),
                    events.of(PoolEvent.AcquireTimedOut.class));

            PoolStats stats = pool.stats();
            assertEquals(1, stats.acquireTimeouts());
            assertEquals(1, stats.waitingAcquirers(), "the timed-out caller left the line, the other did not");
            held.close();
            TestThreads.join(other);
            assertEquals(held.id(), patient.get(), "the caller that waited on was served");
        }
    }

    // ---------------------------------------------------------------- interrupts

    @Test
    @Timeout(30)
    void interruptedAcquireFailsRestoresTheFlagAndLeavesNeitherWaiterNorConnectionBehind()
            throws InterruptedException {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory)) {
            Lease<TestConnection> held = pool.acquire();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> flagAfterwards = new AtomicReference<>();
            Thread waiter = testThreads.start("waiter", () -> {
                try {
                    pool.acquire(LONG).close();
                } catch (AcquireInterruptedException e) {
                    thrown.set(e);
                    flagAfterwards.set(Thread.interrupted());
                }
            });
            Await.until("the caller waits", () -> pool.stats().waitingAcquirers() == 1, pool::stats);
            long began = System.nanoTime();
            waiter.interrupt();
            TestThreads.join(waiter);

            assertTrue(System.nanoTime() - began < LONG.toNanos() / 2, "the interrupt ended the wait");
            assertInstanceOf(AcquireInterruptedException.class, thrown.get());
            assertInstanceOf(InterruptedException.class, thrown.get().getCause());
            assertEquals(Boolean.TRUE, flagAfterwards.get(), "the interrupt flag is set again");
            PoolStats stats = pool.stats();
            assertEquals(0, stats.waitingAcquirers(), stats::toString);
            assertEquals(0, stats.acquireTimeouts(), stats::toString);
            assertEquals(1, stats.inUseConnections(), "only the test's own lease is out: " + stats);

            held.close();
            stats = pool.stats();
            assertEquals(1, stats.availableConnections(), "no connection leaked: " + stats);
            assertEquals(0, stats.inUseConnections(), stats::toString);
            try (Lease<TestConnection> again = pool.acquire(Duration.ofSeconds(1))) {
                assertEquals(held.id(), again.id());
            }
        }
    }

    @Test
    @Timeout(30)
    void alreadyInterruptedCallerFailsAtOnceInsteadOfWaiting() throws InterruptedException {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory);
                Lease<TestConnection> held = pool.acquire()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> flagAfterwards = new AtomicReference<>();
            AtomicReference<Long> took = new AtomicReference<>();
            // On a thread of its own, so that the test thread never carries an interrupt flag.
            TestThreads.join(testThreads.start("interrupted-caller", () -> {
                Thread.currentThread().interrupt();
                long began = System.nanoTime();
                try {
                    pool.acquire(LONG).close();
                } catch (AcquireInterruptedException e) {
                    thrown.set(e);
                }
                took.set(System.nanoTime() - began);
                flagAfterwards.set(Thread.interrupted());
            }));

            assertInstanceOf(AcquireInterruptedException.class, thrown.get());
            assertTrue(took.get() < TimeUnit.SECONDS.toNanos(2), () -> "took " + took.get() / 1e6 + " ms");
            assertEquals(Boolean.TRUE, flagAfterwards.get(), "the interrupt flag is still set");
            PoolStats stats = pool.stats();
            assertEquals(0, stats.waitingAcquirers(), stats::toString);
            assertEquals(1, stats.totalConnections(), stats::toString);
            assertEquals(1, stats.inUseConnections(), stats::toString);
            assertTrue(held.connection() != null);
        }
    }

    /**
     * An interrupt and a hand-off to the same waiter race; whichever wins, the connection is never
     * lost. The hard case is a waiter that was interrupted but is handed the connection before it
     * gets the pool's lock back to leave the line: it must pass the connection on. Threads that
     * keep the lock busy (reading the stats) make that interleaving frequent.
     */
    @Test
    @Timeout(120)
    void interruptRacingAHandOffNeverLosesTheConnection() throws InterruptedException {
        int rounds = 900;
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).build();
        AtomicInteger served = new AtomicInteger();
        AtomicInteger interrupted = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> lockBusy = new ArrayList<>();
        try (Pool<TestConnection> pool = Pool.create(config, factory)) {
            for (int i = 0; i < 2; i++) {
                lockBusy.add(Thread.ofPlatform().daemon().name("stats-reader-" + i).start(() -> {
                    while (!stop.get()) {
                        pool.stats();
                    }
                }));
            }
            for (int round = 0; round < rounds; round++) {
                Lease<TestConnection> held = pool.acquire();
                Thread waiter = testThreads.start("waiter-" + round, () -> {
                    try (Lease<TestConnection> lease = pool.acquire(LONG)) {
                        lease.connection().enter();
                        lease.connection().exit();
                        served.incrementAndGet();
                    } catch (AcquireInterruptedException e) {
                        interrupted.incrementAndGet();
                    }
                });
                Await.until("the caller waits", () -> pool.stats().waitingAcquirers() == 1, pool::stats);
                if (round % 2 == 0) {
                    waiter.interrupt();
                    held.close();
                } else {
                    held.close();
                    waiter.interrupt();
                }
                TestThreads.join(waiter);
                PoolStats stats = pool.stats();
                assertEquals(0, stats.waitingAcquirers(), "round " + round + ": " + stats);
                assertEquals(0, stats.inUseConnections(), "round " + round + ": " + stats);
                assertEquals(1, stats.availableConnections(), "round " + round + ": " + stats);
            }
            System.out.printf("AcquireTest interrupt race: %d rounds, %d served, %d interrupted%n",
                    rounds, served.get(), interrupted.get());
            assertEquals(rounds, served.get() + interrupted.get());
            assertEquals(1, pool.stats().connectionsCreated());
        } finally {
            stop.set(true);
            TestThreads.joinAll(lockBusy);
        }
    }

    // ---------------------------------------------------------------- creation failures

    @Test
    @Timeout(30)
    void failedCreationIsRetriedSoTheWaiterStillGetsAConnection() {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(2).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory, events);
                Lease<TestConnection> held = pool.acquire()) {
            factory.failNextCreates.set(1);
            try (Lease<TestConnection> grown = pool.acquire(Duration.ofSeconds(5))) {
                assertNotEquals(held.id(), grown.id());
                assertEquals(1, grown.useCount());
            }
            assertEquals(1, factory.createFailures.get());
            assertEquals(3, factory.creates.get(), "the minimum, the failure and its retry");
            List<PoolEvent.CreationFailed> failures = events.of(PoolEvent.CreationFailed.class);
            assertEquals(1, failures.size(), failures::toString);
            assertInstanceOf(IOException.class, failures.get(0).cause());
            PoolStats stats = pool.stats();
            assertEquals(2, stats.connectionsCreated(), stats::toString);
            assertEquals(2, stats.totalConnections(), stats::toString);
            assertEquals(0, stats.acquireTimeouts(), stats::toString);
        }
    }

    @Test
    @Timeout(30)
    void persistentCreationFailureTimesOutWithTheFailureAsCauseAndFreesItsSlot() {
        int max = 3;
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(max).acquireTimeout(LONG).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory, events)) {
            Lease<TestConnection> held = pool.acquire();
            factory.createFailureRate = 1.0;

            AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class,
                    () -> pool.acquire(Duration.ofMillis(300)));

            assertInstanceOf(IOException.class, e.getCause());
            assertEquals("injected creation failure", e.getCause().getMessage());
            assertTrue(factory.createFailures.get() >= 1);
            PoolStats stats = pool.stats();
            assertEquals(1, stats.connectionsCreated(), stats::toString);
            assertEquals(1, stats.totalConnections(), stats::toString);
            assertEquals(1, stats.inUseConnections(), stats::toString);
            assertEquals(0, stats.waitingAcquirers(), stats::toString);
            assertEquals(1, stats.acquireTimeouts(), stats::toString);

            // Once creations work again the pool grows to max: no failed creation kept its slot.
            factory.createFailureRate = 0;
            List<Lease<TestConnection>> leases = new ArrayList<>(List.of(held));
            for (int i = 1; i < max; i++) {
                leases.add(pool.acquire(Duration.ofSeconds(10)));
            }
            stats = pool.stats();
            assertEquals(max, stats.totalConnections(), stats::toString);
            assertEquals(max, stats.inUseConnections(), stats::toString);
            assertEquals(max, stats.connectionsCreated(), stats::toString);
            assertEquals(factory.creates.get(), stats.connectionsCreated() + factory.createFailures.get(),
                    "every call of create() either failed or made a connection");
            leases.forEach(Lease::close);
            stats = pool.stats();
            assertEquals(stats.connectionsCreated() - stats.connectionsDestroyed(), stats.totalConnections());
            assertEquals(0, stats.inUseConnections(), stats::toString);
        }
    }

    // ---------------------------------------------------------------- growth and reuse

    @Test
    @Timeout(60)
    void concurrentCreationsNeverGrowThePoolAboveMax() throws InterruptedException {
        int max = 4;
        int acquirers = 20;
        TestFactory counting = new TestFactory();
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(max).acquireTimeout(LONG).build();
        try (Pool<TestConnection> pool = Pool.create(config, counting, events)) {
            Lease<TestConnection> held = pool.acquire();
            CountDownLatch gate = new CountDownLatch(1);
            counting.createGate = gate;
            AtomicInteger served = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < acquirers; i++) {
                threads.add(testThreads.start("acquirer-" + i, () -> {
                    try (Lease<TestConnection> lease = pool.acquire()) {
                        lease.connection().enter();
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                        lease.connection().exit();
                        served.incrementAndGet();
                    }
                }));
            }
            Await.until("every acquirer waits", () -> pool.stats().waitingAcquirers() == acquirers, pool::stats);
            Await.until("the pool creates what room is left", () -> counting.inCreate.get() == max - 1,
                    () -> counting.inCreate + " " + pool.stats());

            // 20 waiters, every creation blocked: exactly the room below max is being filled.
            PoolStats blocked = pool.stats();
            assertEquals(1, blocked.totalConnections(), blocked::toString);
            assertEquals(1, counting.creates.get(), "only the minimum got through the gate");
            assertEquals(max - blocked.totalConnections(), counting.inCreate.get());
            assertEquals(max - 1, counting.mostInCreate.get());

            gate.countDown();
            TestThreads.joinAll(threads);
            held.close();

            assertEquals(acquirers, served.get(), "everyone was served");
            assertEquals(max - 1, counting.mostInCreate.get(), "never more creations at once than room below max");
            assertEquals(max, counting.creates.get());
            for (PoolEvent.Created created : events.of(PoolEvent.Created.class)) {
                assertTrue(created.total() <= max, created::toString);
            }
            PoolStats stats = pool.stats();
            assertEquals(max, stats.totalConnections(), stats::toString);
            assertEquals(max, stats.connectionsCreated(), stats::toString);
            assertEquals(max, stats.availableConnections(), stats::toString);
            assertEquals(0, stats.acquireTimeouts(), stats::toString);
        }
    }

    @Test
    @Timeout(30)
    void poolGrowsOnlyWhenNoConnectionIsIdleAndReusesTheMostRecentlyUsedFirst() {
        PoolConfig config = PoolConfig.builder().minSize(3).maxSize(10).healthCheckInterval(Duration.ZERO).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory)) {
            // Take all three and return them in a known order: the idle stack is then c, b, a.
            Lease<TestConnection> a = pool.acquire();
            Lease<TestConnection> b = pool.acquire();
            Lease<TestConnection> c = pool.acquire();
            assertEquals(3, List.of(a.id(), b.id(), c.id()).stream().distinct().count());
            a.close();
            b.close();
            c.close();

            Lease<TestConnection> first = pool.acquire();
            assertEquals(c.id(), first.id(), "the most recently returned connection comes first");
            Lease<TestConnection> second = pool.acquire();
            assertEquals(b.id(), second.id());
            second.close();
            Lease<TestConnection> third = pool.acquire();
            assertEquals(b.id(), third.id(), "the one just returned beats the one idle for longer");
            Lease<TestConnection> fourth = pool.acquire();
            assertEquals(a.id(), fourth.id(), "the last idle connection is used rather than a new one");
            assertEquals(3, pool.stats().connectionsCreated(), "no growth while a connection was idle");

            Lease<TestConnection> fifth = pool.acquire();
            assertEquals(1, fifth.useCount(), "nothing idle: a new connection");
            assertEquals(4, pool.stats().connectionsCreated());
            List.of(first, third, fourth, fifth).forEach(Lease::close);

            for (int i = 0; i < 10; i++) {
                try (Lease<TestConnection> lease = pool.acquire()) {
                    assertEquals(fifth.id(), lease.id(), "sequential acquires reuse the top of the stack");
                }
            }
            PoolStats stats = pool.stats();
            assertEquals(4, stats.connectionsCreated(), "sequential acquires never create connections");
            assertEquals(4, stats.availableConnections(), stats::toString);
        }
    }

    // ---------------------------------------------------------------- validation

    @Test
    @Timeout(30)
    void connectionFailingValidationIsDestroyedNeverHandedOutAndAnotherIsGiven() {
        TestFactory.Validating validating = new TestFactory.Validating();
        PoolConfig config = PoolConfig.builder().minSize(2).maxSize(4).build();
        try (Pool<TestConnection> pool = Pool.create(config, validating, events)) {
            Lease<TestConnection> good = pool.acquire();
            Lease<TestConnection> bad = pool.acquire();
            TestConnection broken = bad.connection();
            String badId = bad.id();
            good.close();
            bad.close(); // on top of the idle stack: the next acquire tries it first
            broken.valid = false;
            int validationsBefore = validating.validations.get();
            events.clear();

            try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(5))) {
                // The next idle one: the good one, or the replacement of the invalid one if that
                // was created first (it then lies on top of the idle stack).
                assertNotEquals(badId, lease.id(), "the invalid connection is skipped");
                assertNotEquals(broken, lease.connection());
                assertTrue(lease.connection().valid);
            }

            assertEquals(2, validating.validations.get() - validationsBefore, "the invalid one, then a valid one");
            // Destroyed in the background: the caller does not wait for the factory's destroy.
            Await.until("the invalid connection is destroyed", () -> broken.destroyCalls.get() == 1);
            Await.until("its Destroyed event", () -> !events.of(PoolEvent.Destroyed.class).isEmpty());
            List<PoolEvent.Destroyed> destroyed = events.of(PoolEvent.Destroyed.class);
            assertEquals(1, destroyed.size(), destroyed::toString);
            assertEquals(badId, destroyed.get(0).connectionId());
            assertEquals(DestroyReason.FAILED_VALIDATION, destroyed.get(0).reason());
            assertTrue(events.of(PoolEvent.Reused.class).stream().noneMatch(r -> r.connectionId().equals(badId)),
                    "the invalid connection was never handed out again");

            // At rest: the replacement's creator holds it (counted in use) until it has announced it.
            Await.until("the pool is back at its minimum, at rest",
                    () -> pool.stats().totalConnections() == 2 && pool.stats().availableConnections() == 2, pool::stats);
            PoolStats stats = pool.stats();
            assertEquals(3, stats.connectionsCreated(), stats::toString);
            assertEquals(1, stats.connectionsDestroyed(), stats::toString);
            assertEquals(stats.connectionsCreated() - stats.connectionsDestroyed(), stats.totalConnections());
            assertEquals(0, stats.inUseConnections(), stats::toString);
            assertEquals(2, stats.availableConnections(), stats::toString);
        }
    }

    @Test
    @Timeout(30)
    void validationFailureDoesNotRestartTheAcquireDeadline() {
        Duration validation = Duration.ofMillis(1000);
        Duration timeout = Duration.ofMillis(1100);
        SlowlyRejectingFactory rejecting = new SlowlyRejectingFactory(validation);
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).acquireTimeout(LONG).build();
        try (Pool<TestConnection> pool = Pool.create(config, rejecting, events)) {
            CountDownLatch gate = new CountDownLatch(1);
            rejecting.createGate = gate; // the replacement of the rejected connection never arrives in time

            long began = System.nanoTime();
            assertThrows(AcquireTimeoutException.class, () -> pool.acquire(timeout));
            long elapsed = System.nanoTime() - began;

            // A restarted deadline would give up after validation + timeout (2.1 s).
            assertTrue(elapsed >= timeout.toNanos(), () -> "gave up early, after " + elapsed / 1e6 + " ms");
            assertTrue(elapsed < timeout.toNanos() + LATE_MARGIN_NANOS,
                    () -> "gave up after " + elapsed / 1e6 + " ms: the validation did not count against the "
                            + timeout.toMillis() + " ms deadline");
            assertEquals(1, rejecting.validations.get());
            assertEquals(DestroyReason.FAILED_VALIDATION, events.of(PoolEvent.Destroyed.class).get(0).reason());

            gate.countDown();
            Await.until("the replacement arrives", () -> pool.stats().availableConnections() == 1, pool::stats);
            PoolStats stats = pool.stats();
            assertEquals(2, stats.connectionsCreated(), stats::toString);
            assertEquals(1, stats.connectionsDestroyed(), stats::toString);
            assertEquals(1, stats.totalConnections(), stats::toString);
        }
    }

    // ---------------------------------------------------------------- destroy failures

    @Test
    @Timeout(30)
    void failingDestroyIsReportedOnceAndThePoolCarriesOn() {
        FailingDestroyFactory failing = new FailingDestroyFactory();
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(2).build();
        LogCapture.start();
        try (Pool<TestConnection> pool = Pool.create(config, failing, events)) {
            String firstId;
            try (Lease<TestConnection> lease = pool.acquire()) {
                firstId = lease.id();
                lease.invalidate();
            }

            // The destroy runs in the background, off the caller's thread.
            Await.until("the invalidated connection's destroy ended", () -> !events.of(PoolEvent.Destroyed.class).isEmpty());
            List<PoolEvent.DestroyFailed> failed = events.of(PoolEvent.DestroyFailed.class);
            assertEquals(1, failed.size(), failed::toString);
            assertEquals(firstId, failed.get(0).connectionId());
            assertEquals("injected destroy failure", failed.get(0).cause().getMessage());
            List<PoolEvent.Destroyed> destroyed = events.of(PoolEvent.Destroyed.class);
            assertEquals(List.of(new PoolEvent.Destroyed(firstId, DestroyReason.INVALIDATED, 0)), destroyed,
                    "the connection is gone from the pool anyway");
            List<String> logged = LogCapture.lines(line -> line.contains("Could not destroy connection"));
            assertEquals(List.of("[POOL] Could not destroy connection " + firstId
                    + " cleanly: java.lang.IllegalStateException: injected destroy failure"), logged);

            Await.until("the pool is back at its minimum", () -> pool.stats().availableConnections() == 1, pool::stats);
            try (Lease<TestConnection> lease = pool.acquire(Duration.ofSeconds(5))) {
                assertNotEquals(firstId, lease.id());
                lease.connection().enter();
                lease.connection().exit();
            }
            PoolStats stats = pool.stats();
            assertEquals(2, stats.connectionsCreated(), stats::toString);
            assertEquals(1, stats.connectionsDestroyed(), stats::toString);
            assertEquals(1, stats.totalConnections(), stats::toString);

            pool.close();
            assertEquals(2, events.of(PoolEvent.DestroyFailed.class).size(), "close reports its failure too");
            assertEquals(1, events.of(PoolEvent.ShutDown.class).size(), "and still completes");
            assertEquals(0, failing.open());
            assertEquals(0, pool.stats().totalConnections());
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Collects every event of a pool. */
    private static final class Events implements PoolListener {
        private final List<PoolEvent> all = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(PoolEvent event) {
            all.add(event);
        }

        void clear() {
            all.clear();
        }

        <E extends PoolEvent> List<E> of(Class<E> type) {
            return all.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    /** Validation that takes its time and then says invalid. */
    private static final class SlowlyRejectingFactory extends TestFactory {
        final AtomicInteger validations = new AtomicInteger();
        private final Duration validation;

        SlowlyRejectingFactory(Duration validation) {
            this.validation = validation;
        }

        @Override
        public boolean isValid(TestConnection connection) {
            validations.incrementAndGet();
            LockSupport.parkNanos(validation.toNanos());
            return false;
        }
    }

    /** Destroys the connection, then throws. */
    private static final class FailingDestroyFactory extends TestFactory {
        @Override
        public void destroy(TestConnection connection) {
            super.destroy(connection);
            throw new IllegalStateException("injected destroy failure");
        }
    }

}
