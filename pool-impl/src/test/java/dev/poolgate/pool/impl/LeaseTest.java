package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The contract of {@link Lease}: it ends exactly once, it cannot be released to another pool, and
 * it reports its connection's id, use count and times. Each rule runs against every way to get a
 * pool: {@code Pool.create(...)} (the manager in front of the pool), the {@link FairPool} alone,
 * and pooling disabled (through the manager and alone).
 */
@Timeout(30)
class LeaseTest {

    private static final String TWICE = " released twice; a lease ends once, by close() or invalidate()";

    /** The ways to get a pool; every test that takes a mode runs once for each. */
    enum Mode {
        MANAGED_POOLED(true, (config, factory) -> Pool.create(config, factory)),
        FAIR_POOL(true, (config, factory) -> FairPool.start(config, factory, PoolListener.NONE, PoolClock.SYSTEM)),
        MANAGED_DISABLED(false, (config, factory) -> Pool.create(config.toBuilder().poolingEnabled(false).build(),
                factory)),
        UNPOOLED_POOL(false, (config, factory) -> new UnpooledPool<>(config.toBuilder().poolingEnabled(false).build(),
                factory, PoolListener.NONE, PoolClock.SYSTEM));

        final boolean pooling;
        private final BiFunction<PoolConfig, TestFactory, Pool<TestConnection>> opener;

        Mode(boolean pooling, BiFunction<PoolConfig, TestFactory, Pool<TestConnection>> opener) {
            this.pooling = pooling;
            this.opener = opener;
        }
    }

    private final TestFactory factory = new TestFactory();
    private final List<Pool<TestConnection>> pools = new ArrayList<>();

    @AfterEach
    void closePoolsAndCheckEveryConnectionIsDestroyed() {
        pools.forEach(Pool::close);
        assertEquals(0, factory.open(), "connections left open after close()");
    }

    // ---------------------------------------------------------------- a lease ends once

    @ParameterizedTest
    @EnumSource(Mode.class)
    void secondCloseIsAnIllegalStateAndLeavesStatsUnchanged(Mode mode) {
        Pool<TestConnection> pool = open(mode);
        Lease<TestConnection> lease = pool.acquire();
        lease.close();
        PoolStats before = pool.stats();

        IllegalStateException e = assertThrows(IllegalStateException.class, lease::close);
        assertEquals("Connection " + lease.id() + TWICE, e.getMessage());
        assertEquals(before, pool.stats());
        e = assertThrows(IllegalStateException.class, () -> pool.release(lease));
        assertEquals("Connection " + lease.id() + TWICE, e.getMessage());
        assertEquals(before, pool.stats());
        awaitAtRest(pool, mode);
        assertEquals(mode.pooling ? 0 : 1, factory.destroys.get());
    }

    @Test
    void secondCloseThroughTheManagerLogsNoSecondRelease() {
        Pool<TestConnection> pool = open(Mode.MANAGED_POOLED);
        Lease<TestConnection> lease = pool.acquire();
        lease.close();
        LogCapture.start();
        try {
            assertThrows(IllegalStateException.class, lease::close);
            assertThrows(IllegalStateException.class, () -> pool.release(lease));
            assertEquals(List.of(), LogCapture.poolLines(), "a rejected release must not read as a release");
        } finally {
            LogCapture.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void invalidateAfterCloseIsAnIllegalStateAndLeavesStatsUnchanged(Mode mode) {
        Pool<TestConnection> pool = open(mode);
        Lease<TestConnection> lease = pool.acquire();
        lease.close();
        PoolStats before = pool.stats();

        IllegalStateException e = assertThrows(IllegalStateException.class, lease::invalidate);
        assertEquals("Connection " + lease.id() + TWICE, e.getMessage());
        assertEquals(before, pool.stats());
        awaitAtRest(pool, mode);
        assertEquals(mode.pooling ? 0 : 1, factory.destroys.get(), "the returned connection was destroyed");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void secondInvalidateIsAnIllegalStateAndLeavesStatsUnchanged(Mode mode) {
        Pool<TestConnection> pool = open(mode);
        Lease<TestConnection> lease = pool.acquire();
        lease.invalidate();
        awaitAtRest(pool, mode);
        PoolStats before = pool.stats();

        IllegalStateException e = assertThrows(IllegalStateException.class, lease::invalidate);
        assertEquals("Connection " + lease.id() + TWICE, e.getMessage());
        assertEquals(before, pool.stats());
        assertEquals(1, factory.destroys.get());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void closeAfterInvalidateDoesNothingSoInvalidatingInTryWithResourcesIsSafe(Mode mode) {
        Pool<TestConnection> pool = open(mode);
        TestConnection failed;
        String id;
        try (Lease<TestConnection> lease = pool.acquire()) {
            failed = lease.connection();
            id = lease.id();
            lease.invalidate();
        }
        awaitAtRest(pool, mode);
        Await.until("the invalidated connection is destroyed (in the background)", () -> failed.destroyCalls.get() == 1);
        assertEquals(1, failed.destroyCalls.get(), "the invalidated connection is destroyed once");
        PoolStats stats = pool.stats();
        assertEquals(1, stats.connectionsDestroyed());
        assertEquals(0, stats.inUseConnections());
        if (mode.pooling) {
            try (Lease<TestConnection> next = pool.acquire()) {
                assertNotEquals(id, next.id(), "an invalidated connection is never handed out again");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void connectionOfAnEndedLeaseIsAnIllegalState(Mode mode) {
        Pool<TestConnection> pool = open(mode);
        Lease<TestConnection> closed = pool.acquire();
        closed.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, closed::connection);
        assertEquals("The lease of connection " + closed.id() + " has ended; acquire a new one", e.getMessage());

        Lease<TestConnection> invalidated = pool.acquire();
        invalidated.invalidate();
        assertThrows(IllegalStateException.class, invalidated::connection);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void connectionOfAnEndedLeaseStaysEndedWhenTheConnectionIsHandedOutAgain(Mode mode) {
        Pool<TestConnection> pool = open(mode, PoolConfig.builder().minSize(1).maxSize(1).build());
        Lease<TestConnection> first = pool.acquire();
        first.close();
        try (Lease<TestConnection> second = pool.acquire()) {
            assertThrows(IllegalStateException.class, first::connection);
            assertThrows(IllegalStateException.class, first::close, "an old lease must not end the new one");
            assertThrows(IllegalStateException.class, first::invalidate, "nor invalidate it");
            assertEquals(1, pool.stats().inUseConnections());
            second.connection().enter();
            second.connection().exit();
        }
    }

    // ---------------------------------------------------------------- releasing to the right pool

    @ParameterizedTest
    @EnumSource(Mode.class)
    void releaseToAnotherPoolIsAnIllegalArgumentAndCorruptsNeitherPool(Mode mode) {
        Pool<TestConnection> pool = open(mode);
        Pool<TestConnection> other = open(mode, PoolConfig.builder().name("Billing instance").build());
        Lease<TestConnection> lease = pool.acquire();
        PoolStats poolBefore = pool.stats();
        PoolStats otherBefore = other.stats();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.release(lease));
        assertEquals("Lease of connection " + lease.id() + " was not handed out by the Billing instance pool; "
                + "release it to the pool that acquired it", e.getMessage());
        assertEquals(poolBefore, pool.stats());
        assertEquals(otherBefore, other.stats());

        assertSame(lease.connection(), lease.connection(), "the lease is still live");
        pool.release(lease);
        assertEquals(0, pool.stats().inUseConnections());
    }

    @Test
    void leaseOfTheBarePoolIsNotAcceptedByAManagedPool() {
        Pool<TestConnection> bare = open(Mode.FAIR_POOL);
        Pool<TestConnection> managed = open(Mode.MANAGED_POOLED);
        try (Lease<TestConnection> lease = bare.acquire()) {
            assertThrows(IllegalArgumentException.class, () -> managed.release(lease));
            Lease<TestConnection> managedLease = managed.acquire();
            assertThrows(IllegalArgumentException.class, () -> bare.release(managedLease));
            managedLease.close();
        }
        assertEquals(0, bare.stats().inUseConnections());
        assertEquals(0, managed.stats().inUseConnections());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void releaseOfNullIsAnIllegalArgument(Mode mode) {
        Pool<TestConnection> pool = open(mode);
        PoolStats before = pool.stats();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.release(null));
        assertEquals("lease must not be null; pass the lease that acquire() returned", e.getMessage());
        assertEquals(before, pool.stats());
    }

    // ---------------------------------------------------------------- what a lease tells

    @ParameterizedTest
    @EnumSource(Mode.class)
    void idIsEightLowercaseHexDigits(Mode mode) {
        Pool<TestConnection> pool = open(mode);
        for (int i = 0; i < 3; i++) {
            try (Lease<TestConnection> lease = pool.acquire()) {
                assertTrue(lease.id().matches("[0-9a-f]{8}"), lease.id());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"MANAGED_POOLED", "FAIR_POOL"})
    void useCountGrowsByOneAtEachReuseOfTheSameConnection(Mode mode) {
        Pool<TestConnection> pool = open(mode, PoolConfig.builder().minSize(1).maxSize(1).build());
        String id = null;
        for (long n = 1; n <= 3; n++) {
            try (Lease<TestConnection> lease = pool.acquire()) {
                id = id == null ? lease.id() : id;
                assertEquals(id, lease.id(), "one connection, one id for its whole life");
                assertEquals(n, lease.useCount());
            }
        }
        assertEquals(1, pool.stats().connectionsCreated());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"MANAGED_DISABLED", "UNPOOLED_POOL"})
    void withPoolingDisabledEveryLeaseIsAFirstUseOfAFreshConnection(Mode mode) {
        Pool<TestConnection> pool = open(mode);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (Lease<TestConnection> lease = pool.acquire()) {
                assertEquals(1, lease.useCount());
                assertEquals(lease.createdAt(), lease.lastUsedAt(), "never returned: its creation time");
                ids.add(lease.id());
            }
        }
        assertEquals(3, ids.stream().distinct().count(), ids::toString);
    }

    @Test
    void bareLeaseReportsCreationAndPreviousReleaseInstantsExactly() {
        reportsCreationAndPreviousReleaseInstantsExactly((config, clock) ->
                FairPool.start(config, factory, PoolListener.NONE, clock));
    }

    @Test
    void leaseWithTheLogListenersReportsCreationAndPreviousReleaseInstantsExactly() {
        reportsCreationAndPreviousReleaseInstantsExactly((config, clock) -> FairPool.start(config, factory,
                CompositeListener.of(ManagerLog.configured(config), new PoolLog(config)), clock));
    }

    private void reportsCreationAndPreviousReleaseInstantsExactly(
            BiFunction<PoolConfig, ManualClock, Pool<TestConnection>> opener) {
        ManualClock clock = new ManualClock();
        Instant created = clock.instant();
        Pool<TestConnection> pool = opener.apply(PoolConfig.builder().minSize(1).maxSize(1).build(), clock);
        pools.add(pool);

        clock.advance(Duration.ofSeconds(3));
        Lease<TestConnection> first = pool.acquire();
        assertEquals(1, first.useCount());
        assertEquals(created, first.createdAt());
        assertEquals(created, first.lastUsedAt(), "never returned before: its creation time");
        clock.advance(Duration.ofSeconds(5));
        Instant firstReleased = clock.instant();
        first.close();

        clock.advance(Duration.ofSeconds(7));
        Lease<TestConnection> second = pool.acquire();
        assertEquals(2, second.useCount());
        assertEquals(created, second.createdAt());
        assertEquals(firstReleased, second.lastUsedAt());
        clock.advance(Duration.ofSeconds(11));
        Instant secondReleased = clock.instant();
        second.close();

        clock.advance(Duration.ofSeconds(13));
        try (Lease<TestConnection> third = pool.acquire()) {
            assertEquals(3, third.useCount());
            assertEquals(created, third.createdAt());
            assertEquals(secondReleased, third.lastUsedAt());
        }
        assertEquals(firstReleased, second.lastUsedAt(), "an ended lease keeps what it reported");
        assertEquals(2, second.useCount());
    }

    @Test
    void unpooledLeaseWasCreatedAndLastUsedWhenItWasAcquired() {
        ManualClock clock = new ManualClock();
        PoolConfig config = PoolConfig.builder().poolingEnabled(false).build();
        Pool<TestConnection> pool = new UnpooledPool<>(config, factory, PoolListener.NONE, clock);
        pools.add(pool);
        for (int i = 0; i < 2; i++) {
            clock.advance(Duration.ofSeconds(10));
            Instant now = clock.instant();
            try (Lease<TestConnection> lease = pool.acquire()) {
                assertEquals(now, lease.createdAt());
                assertEquals(now, lease.lastUsedAt());
            }
        }
    }

    // ---------------------------------------------------------------- concurrent endings

    @ParameterizedTest
    @EnumSource(Mode.class)
    void concurrentDoubleCloseLetsExactlyOneSucceed(Mode mode) throws InterruptedException {
        Pool<TestConnection> pool = open(mode, PoolConfig.builder().minSize(1).maxSize(1).build());
        for (int round = 0; round < 200; round++) {
            Lease<TestConnection> lease = pool.acquire();
            List<Throwable> failures = race(lease::close, lease::close);

            assertEquals(1, failures.size(), () -> "exactly one of the two closes must fail: " + failures);
            assertTrue(failures.get(0) instanceof IllegalStateException, failures::toString);
            assertEquals("Connection " + lease.id() + TWICE, failures.get(0).getMessage());
            PoolStats stats = pool.stats();
            assertEquals(0, stats.inUseConnections(), stats::toString);
            assertEquals(stats.totalConnections(), stats.connectionsCreated() - stats.connectionsDestroyed(),
                    stats::toString);
            if (mode.pooling) {
                assertEquals(List.of(1L, 1, 0L), List.of(stats.connectionsCreated(), stats.availableConnections(),
                        stats.connectionsDestroyed()), () -> "returned once, never destroyed: " + stats);
            } else {
                assertEquals(round + 1, stats.connectionsDestroyed(), () -> "destroyed once: " + stats);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void racingCloseAndInvalidateEndTheLeaseExactlyOnce(Mode mode) throws InterruptedException {
        Pool<TestConnection> pool = open(mode, PoolConfig.builder().minSize(1).maxSize(1).build());
        for (int round = 0; round < 100; round++) {
            Lease<TestConnection> lease = pool.acquire();
            TestConnection connection = lease.connection();
            long destroyedBefore = pool.stats().connectionsDestroyed();
            List<Throwable> failures = race(lease::close, () -> {
                try {
                    lease.invalidate();
                } catch (IllegalStateException e) {
                    throw new IllegalStateException("invalidate() lost", e);
                }
            });
            awaitAtRest(pool, mode);

            // If close() came first, invalidate() fails; if invalidate() came first, close() does nothing.
            assertTrue(failures.size() <= 1, failures::toString);
            boolean closeWon = failures.size() == 1;
            if (closeWon) {
                assertEquals("invalidate() lost", failures.get(0).getMessage(), failures::toString);
            }
            boolean destroyed = !mode.pooling || !closeWon;
            assertEquals(destroyed ? 1 : 0, connection.destroyCalls.get());
            PoolStats stats = pool.stats();
            assertEquals(destroyedBefore + (destroyed ? 1 : 0), stats.connectionsDestroyed(), stats::toString);
            assertEquals(0, stats.inUseConnections(), stats::toString);
            assertEquals(stats.totalConnections(), stats.connectionsCreated() - stats.connectionsDestroyed(),
                    stats::toString);
        }
    }

    // ---------------------------------------------------------------- helpers

    private Pool<TestConnection> open(Mode mode) {
        return open(mode, PoolConfig.defaults());
    }

    private Pool<TestConnection> open(Mode mode, PoolConfig config) {
        Pool<TestConnection> pool = mode.opener.apply(config.toBuilder().drainTimeout(Duration.ofSeconds(1)).build(),
                factory);
        pools.add(pool);
        return pool;
    }

    /** Waits until a pooled pool is back at min with nothing in use, being created or being destroyed. */
    private void awaitAtRest(Pool<TestConnection> pool, Mode mode) {
        if (!mode.pooling) {
            // Each release destroys its connection in the background.
            Await.until("every destroy has returned", () -> pool.stats().connectionsDestroyed() == factory.destroys.get(),
                    pool::stats);
            return;
        }
        Await.until("the pool is back at min and at rest", () -> {
            PoolStats stats = pool.stats();
            return stats.availableConnections() == stats.totalConnections()
                    && stats.totalConnections() >= pool.config().minSize()
                    && stats.connectionsCreated() == factory.createdConnections.size()
                    && stats.connectionsDestroyed() == factory.destroys.get();
        }, pool::stats);
    }

    /** Runs both actions at once on two platform threads; returns what they threw. */
    private static List<Throwable> race(Runnable first, Runnable second) throws InterruptedException {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CountDownLatch ready = new CountDownLatch(2);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(2);
        for (Runnable action : List.of(first, second)) {
            Thread.ofPlatform().start(() -> {
                ready.countDown();
                try {
                    go.await();
                    action.run();
                } catch (Throwable t) {
                    failures.add(t);
                } finally {
                    done.countDown();
                }
            });
        }
        assertTrue(ready.await(10, TimeUnit.SECONDS));
        go.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS), "a racing thread did not finish");
        return failures;
    }
}
