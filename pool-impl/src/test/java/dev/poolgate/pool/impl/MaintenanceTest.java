package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.Lease;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolEvent.DestroyReason;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Maintenance: idle cleanup, health checks, max lifetime, leak detection, refilling to min, and
 * when the next pass is due. Almost every test drives {@link FairPool#maintain(long)} with a
 * {@link ManualClock}, so nothing sleeps; the last ones let the real maintenance thread run with
 * durations of milliseconds and wait for its effects.
 *
 * <p>A pool started on a manual clock still has its maintenance thread. {@link #start} waits until
 * that thread has made its first pass and parked for the next one (up to a whole period of real
 * time, far longer than a test), so that every pass after that is the test's own.
 */
@Timeout(30)
class MaintenanceTest {

    /** A base without timed duties; each test turns on the one it is about. */
    private static final PoolConfig QUIET = PoolConfig.builder()
            .idleTimeout(Duration.ZERO)
            .healthCheckInterval(Duration.ZERO)
            .drainTimeout(Duration.ofSeconds(1))
            .build();

    private final ManualClock clock = new ManualClock();
    private final RecordingFactory factory = new RecordingFactory();
    private final List<PoolEvent> events = new CopyOnWriteArrayList<>();
    private final List<FairPool<TestConnection>> pools = new ArrayList<>();

    @AfterEach
    void closePoolsAndCheckEveryConnectionIsDestroyed() {
        pools.forEach(FairPool::close);
        assertEquals(0, factory.open(), "connections left open after close()");
    }

    // ---------------------------------------------------------------- idle cleanup

    @Test
    void idleCleanupNeverGoesBelowMin() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2).idleTimeout(Duration.ofSeconds(300)).build());
        releaseAll(acquire(pool, 5));
        assertEquals(5, pool.stats().totalConnections());

        clock.advance(Duration.ofSeconds(300));
        pool.maintain(clock.nanoTime());
        assertEquals(3, destroyed(DestroyReason.IDLE).size());
        assertStats(pool, 2, 2, 0);

        clock.advance(Duration.ofHours(1));
        pool.maintain(clock.nanoTime());
        assertEquals(3, destroyed(DestroyReason.IDLE).size(), "nothing more once at min");
        assertStats(pool, 2, 2, 0);
    }

    @Test
    void connectionsIdleLessThanTheIdleTimeoutStay() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(0).idleTimeout(Duration.ofSeconds(300)).build());
        List<Lease<TestConnection>> leases = acquire(pool, 3);
        String early1 = leases.get(0).id();
        String early2 = leases.get(1).id();
        String late = leases.get(2).id();
        leases.get(0).close();
        leases.get(1).close();
        clock.advance(Duration.ofSeconds(200));
        leases.get(2).close();

        clock.advance(Duration.ofSeconds(100)); // 300 s after the first two, 100 s after the third
        pool.maintain(clock.nanoTime());
        assertEquals(Set.of(early1, early2), ids(destroyed(DestroyReason.IDLE)));
        assertStats(pool, 1, 1, 0);

        clock.advance(Duration.ofSeconds(200).minusMillis(1));
        pool.maintain(clock.nanoTime());
        assertEquals(1, pool.stats().totalConnections(), "idle for 1 ms less than the timeout");

        clock.advance(Duration.ofMillis(1));
        pool.maintain(clock.nanoTime());
        assertEquals(Set.of(early1, early2, late), ids(destroyed(DestroyReason.IDLE)));
        assertStats(pool, 0, 0, 0);
    }

    @Test
    void idleTimeoutZeroKeepsIdleConnections() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(0).idleTimeout(Duration.ZERO).build());
        releaseAll(acquire(pool, 3));

        clock.advance(Duration.ofDays(30));
        pool.maintain(clock.nanoTime());
        assertEquals(List.of(), destroyed(null));
        assertStats(pool, 3, 3, 0);
    }

    // ---------------------------------------------------------------- health checks

    @Test
    void healthChecksRunOnIdleConnectionsOnlyAtEachInterval() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2)
                .healthCheckInterval(Duration.ofSeconds(60)).build());

        clock.advance(Duration.ofSeconds(60).minusMillis(1));
        pool.maintain(clock.nanoTime());
        assertEquals(0, factory.healthChecks.get(), "no check before the first interval has passed");

        clock.advance(Duration.ofMillis(1));
        pool.maintain(clock.nanoTime());
        assertEquals(2, factory.healthChecks.get(), "each idle connection checked once");
        assertEquals(Set.copyOf(factory.createdConnections), Set.copyOf(factory.checked));

        clock.advance(Duration.ofSeconds(59));
        pool.maintain(clock.nanoTime());
        assertEquals(2, factory.healthChecks.get(), "no check before the next interval");

        clock.advance(Duration.ofSeconds(1));
        pool.maintain(clock.nanoTime());
        assertEquals(4, factory.healthChecks.get());
        assertEquals(0, pool.stats().healthCheckFailures());
        assertStats(pool, 2, 2, 0);
    }

    @Test
    void healthChecksNeverTouchALeasedConnection() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2)
                .healthCheckInterval(Duration.ofSeconds(60)).build());
        try (Lease<TestConnection> lease = pool.acquire()) {
            TestConnection leased = lease.connection();
            leased.enter(); // TestFactory.isHealthy fails on a connection somebody holds
            for (int round = 1; round <= 3; round++) {
                clock.advance(Duration.ofSeconds(60));
                pool.maintain(clock.nanoTime());
            }
            leased.exit();
            assertEquals(3, factory.checked.size(), "the idle connection, once per round");
            assertFalse(factory.checked.contains(leased), "the leased connection was checked");
            assertEquals(0, pool.stats().healthCheckFailures());
        }
    }

    @Test
    void failedHealthCheckDestroysCountsAndReplacesUpToMin() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2)
                .healthCheckInterval(Duration.ofSeconds(60)).build());
        TestConnection sick = factory.createdConnections.get(0);
        sick.healthy = false;
        Set<String> before = idleIds(pool);

        clock.advance(Duration.ofSeconds(60));
        pool.maintain(clock.nanoTime());
        awaitAtRest(pool, 2);

        assertEquals(1, sick.destroyCalls.get());
        assertEquals(1, pool.stats().healthCheckFailures());
        PoolEvent.HealthCheckFailed failure = single(PoolEvent.HealthCheckFailed.class);
        assertNull(failure.cause(), "a check that returned false has no cause");
        assertEquals(List.of(failure.connectionId()), destroyed(DestroyReason.UNHEALTHY).stream()
                .map(PoolEvent.Destroyed::connectionId).toList());
        assertTrue(before.contains(failure.connectionId()));
        assertEquals(3, factory.creates.get(), "one replacement");
        PoolStats stats = pool.stats();
        assertEquals(stats.totalConnections(), stats.connectionsCreated() - stats.connectionsDestroyed());
    }

    @Test
    void healthCheckThatThrowsCountsAsAFailure() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2)
                .healthCheckInterval(Duration.ofSeconds(60)).build());
        TestConnection broken = factory.createdConnections.get(1);
        RuntimeException probeFailure = new IllegalStateException("probe refused");
        factory.throwOnCheck(broken, probeFailure);

        clock.advance(Duration.ofSeconds(60));
        pool.maintain(clock.nanoTime());
        awaitAtRest(pool, 2);

        assertEquals(1, broken.destroyCalls.get());
        assertEquals(1, pool.stats().healthCheckFailures());
        assertSame(probeFailure, single(PoolEvent.HealthCheckFailed.class).cause());
        assertEquals(1, destroyed(DestroyReason.UNHEALTHY).size());
    }

    @Test
    void healthCheckIntervalZeroTurnsChecksOff() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2).healthCheckInterval(Duration.ZERO).build());
        factory.createdConnections.forEach(connection -> connection.healthy = false);
        for (int pass = 0; pass < 5; pass++) {
            clock.advance(Duration.ofHours(1));
            pool.maintain(clock.nanoTime());
        }
        assertEquals(0, factory.healthChecks.get());
        assertEquals(0, pool.stats().healthCheckFailures());
        assertStats(pool, 2, 2, 0);
    }

    // ---------------------------------------------------------------- max lifetime

    @Test
    void idleConnectionsRetireAtTheirJitteredMaxLifetimeNeverBefore97Point5Percent() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(10).maxSize(10)
                .maxLifetime(Duration.ofSeconds(100)).build());
        Set<String> originals = idleIds(pool);
        assertEquals(10, originals.size());

        clock.advance(Duration.ofMillis(97_500).minusNanos(1));
        pool.maintain(clock.nanoTime());
        assertEquals(List.of(), destroyed(null), "jitter shortens a lifetime by at most 2.5%");

        clock.advance(Duration.ofMillis(2_500).plusNanos(1)); // 100 s
        pool.maintain(clock.nanoTime());
        assertEquals(originals, ids(destroyed(DestroyReason.EXPIRED)), "jitter never lengthens a lifetime");

        awaitAtRest(pool, 10);
        Set<String> replacements = idleIds(pool);
        assertTrue(replacements.stream().noneMatch(originals::contains), replacements::toString);
        assertEquals(20, factory.creates.get());
    }

    @Test
    void leasedConnectionPastItsLifetimeIsDestroyedOnReleaseInsteadOfReturned() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(1).maxSize(2)
                .maxLifetime(Duration.ofSeconds(100)).build());
        Lease<TestConnection> lease = pool.acquire();
        clock.advance(Duration.ofSeconds(100));
        pool.maintain(clock.nanoTime());
        assertEquals(List.of(), destroyed(null), "a leased connection is not taken away from its holder");
        assertNotNull(lease.connection());

        lease.close();
        Await.until("the expired connection is destroyed in the background",
                () -> !destroyed(DestroyReason.EXPIRED).isEmpty());
        assertEquals(List.of(lease.id()), destroyed(DestroyReason.EXPIRED).stream()
                .map(PoolEvent.Destroyed::connectionId).toList());
        assertTrue(events.stream().noneMatch(PoolEvent.Released.class::isInstance), "it was not returned");
        awaitAtRest(pool, 1);
        assertFalse(idleIds(pool).contains(lease.id()));
    }

    @Test
    void expiredIdleConnectionIsNeverHandedOut() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2)
                .maxLifetime(Duration.ofSeconds(100)).build());
        Set<String> originals = idleIds(pool);
        clock.advance(Duration.ofSeconds(100)); // no maintenance pass: acquire meets the expired ones

        try (Lease<TestConnection> lease = pool.acquire()) {
            assertFalse(originals.contains(lease.id()), "an expired connection was handed out");
            assertEquals(1, lease.useCount());
            assertEquals(clock.instant(), lease.createdAt());
        }
        // The acquire destroyed what it met in the background: its Destroyed event follows the destroy.
        Await.until("the acquire met an expired connection first", () -> !destroyed(DestroyReason.EXPIRED).isEmpty());
        assertTrue(originals.containsAll(ids(destroyed(DestroyReason.EXPIRED))));
        // The acquire may have found a replacement before the second expired one; maintenance retires that.
        pool.maintain(clock.nanoTime());
        Await.until("both originals retired", () -> ids(destroyed(DestroyReason.EXPIRED)).equals(originals));
        awaitAtRest(pool, 2);
        assertTrue(idleIds(pool).stream().noneMatch(originals::contains));
    }

    // ---------------------------------------------------------------- leak detection

    @Test
    void leaseHeldPastTheLeakThresholdIsReportedOnceWithTheAcquirersStack() {
        String testMethod = StackWalker.getInstance().walk(frames -> frames.findFirst()).orElseThrow().getMethodName();
        FairPool<TestConnection> pool = start(QUIET.toBuilder().leakDetectionThreshold(Duration.ofSeconds(10)).build());
        Lease<TestConnection> lease = pool.acquire();

        clock.advance(Duration.ofSeconds(10).minusMillis(1));
        pool.maintain(clock.nanoTime());
        assertEquals(List.of(), all(PoolEvent.LeakSuspected.class), "held for less than the threshold");

        clock.advance(Duration.ofMillis(1));
        pool.maintain(clock.nanoTime());
        PoolEvent.LeakSuspected leak = single(PoolEvent.LeakSuspected.class);
        assertEquals(lease.id(), leak.connectionId());
        assertEquals(Duration.ofSeconds(10), leak.heldFor());
        assertTrue(Arrays.stream(leak.acquiredAt().getStackTrace()).anyMatch(frame ->
                        frame.getClassName().equals(MaintenanceTest.class.getName())
                                && frame.getMethodName().equals(testMethod)),
                () -> "the acquirer's stack does not show " + testMethod + ": "
                        + Arrays.toString(leak.acquiredAt().getStackTrace()));

        for (int pass = 0; pass < 3; pass++) {
            clock.advance(Duration.ofSeconds(10));
            pool.maintain(clock.nanoTime());
        }
        assertEquals(1, all(PoolEvent.LeakSuspected.class).size(), "reported once per lease");

        clock.advance(Duration.ofSeconds(5));
        lease.close();
        PoolEvent.LeakReturned returned = single(PoolEvent.LeakReturned.class);
        assertEquals(lease.id(), returned.connectionId());
        assertEquals(Duration.ofSeconds(45), returned.heldFor());
    }

    @Test
    void leaseReturnedBeforeTheThresholdIsNeverReported() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().leakDetectionThreshold(Duration.ofSeconds(10)).build());
        try (Lease<TestConnection> lease = pool.acquire()) {
            clock.advance(Duration.ofSeconds(9));
            assertNotNull(lease.connection());
        }
        clock.advance(Duration.ofSeconds(60));
        pool.maintain(clock.nanoTime());
        assertEquals(List.of(), all(PoolEvent.LeakSuspected.class));
        assertEquals(List.of(), all(PoolEvent.LeakReturned.class));
    }

    @Test
    void leakDetectionIsOffByDefault() {
        assertEquals(Duration.ZERO, PoolConfig.defaults().leakDetectionThreshold());
        FairPool<TestConnection> pool = start(QUIET);
        try (Lease<TestConnection> lease = pool.acquire()) {
            for (int pass = 0; pass < 5; pass++) {
                clock.advance(Duration.ofHours(1));
                pool.maintain(clock.nanoTime());
            }
            assertNotNull(lease.connection());
        }
        assertEquals(List.of(), all(PoolEvent.LeakSuspected.class));
        assertEquals(List.of(), all(PoolEvent.LeakReturned.class));
    }

    // ---------------------------------------------------------------- when the next pass is due

    @Test
    void maintainReturnsTheNextHealthCheckRound() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().healthCheckInterval(Duration.ofSeconds(60)).build());
        long started = clock.nanoTime();

        assertEquals(started + seconds(60), pool.maintain(clock.advance(Duration.ofSeconds(15))));
        assertEquals(started + seconds(60), pool.maintain(clock.advance(Duration.ofSeconds(44))));
        long round = clock.advance(Duration.ofSeconds(1));
        assertEquals(round + seconds(60), pool.maintain(round), "the next round is one interval after this one");
    }

    @Test
    void maintainReturnsTheEarliestIdleExpiry() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(0).idleTimeout(Duration.ofSeconds(30)).build());
        List<Lease<TestConnection>> leases = acquire(pool, 2);
        long firstReturned = clock.nanoTime();
        leases.get(0).close();
        long secondReturned = clock.advance(Duration.ofSeconds(10));
        leases.get(1).close();

        assertEquals(firstReturned + seconds(30), pool.maintain(clock.nanoTime()));
        assertEquals(secondReturned + seconds(30), pool.maintain(clock.advance(Duration.ofSeconds(20))),
                "the first expired in this pass; the second is next");
        assertEquals(1, destroyed(DestroyReason.IDLE).size());
    }

    @Test
    void maintainIgnoresIdleExpiryWhileThePoolIsAtMin() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2).idleTimeout(Duration.ofSeconds(30)).build());
        long now = clock.advance(Duration.ofSeconds(10));
        // Nothing can be cleaned up at min, so the pass is due one period (the idle timeout) away.
        assertEquals(now + seconds(30), pool.maintain(now));
        assertEquals(2, pool.stats().totalConnections());
    }

    @Test
    void maintainReturnsTheEarliestLeakDeadline() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().leakDetectionThreshold(Duration.ofSeconds(10)).build());
        long acquired = clock.nanoTime();
        try (Lease<TestConnection> lease = pool.acquire()) {
            assertEquals(acquired + seconds(10), pool.maintain(clock.advance(Duration.ofSeconds(1))));
            assertNotNull(lease.connection());
        }
    }

    @Test
    void maintainReturnsTheEarliestLifetimeExpiry() {
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2)
                .maxLifetime(Duration.ofSeconds(100)).build());
        long created = clock.nanoTime();
        long next = pool.maintain(clock.advance(Duration.ofSeconds(50)));
        assertTrue(next - (created + seconds(97.5)) > 0 && next - (created + seconds(100)) <= 0,
                () -> "the next pass should be when the first connection expires, in (97.5 s, 100 s], but was at "
                        + (next - created) / 1e9 + " s");
    }

    // ---------------------------------------------------------------- the real maintenance thread

    @Test
    void maintenanceThreadCleansUpIdleConnectionsOnItsOwn() {
        FairPool<TestConnection> pool = FairPool.start(PoolConfig.builder().minSize(1).maxSize(5)
                        .idleTimeout(Duration.ofMillis(50)).healthCheckInterval(Duration.ofMillis(20))
                        .drainTimeout(Duration.ofSeconds(1)).build(),
                factory, events::add, PoolClock.SYSTEM);
        pools.add(pool);
        releaseAll(acquire(pool, 3));

        // Stats change under the lock; the Destroyed event follows the factory's destroy.
        Await.until("idle connections are cleaned up down to min", () -> pool.stats().totalConnections() == 1
                && destroyed(DestroyReason.IDLE).size() == factory.createdConnections.size() - 1, pool::stats);
        int cleanedUp = factory.createdConnections.size() - 1;
        assertTrue(cleanedUp >= 2, "three leases at once needed three connections");
        int checks = factory.healthChecks.get();
        Await.until("three more health-check rounds", () -> factory.healthChecks.get() >= checks + 3, pool::stats);
        assertStats(pool, 1, 1, 0);
        assertEquals(cleanedUp, destroyed(null).size(), "never below min");
    }

    @Test
    void maintenanceThreadDestroysAndReplacesUnhealthyConnectionsOnItsOwn() {
        FairPool<TestConnection> pool = FairPool.start(PoolConfig.builder().minSize(2)
                        .idleTimeout(Duration.ofMillis(50)).healthCheckInterval(Duration.ofMillis(20))
                        .drainTimeout(Duration.ofSeconds(1)).build(),
                factory, events::add, PoolClock.SYSTEM);
        pools.add(pool);
        TestConnection sick = factory.createdConnections.get(0);
        sick.healthy = false;

        Await.until("the unhealthy connection is replaced", () -> sick.destroyCalls.get() == 1
                && pool.stats().availableConnections() == 2, pool::stats);
        assertEquals(1, pool.stats().healthCheckFailures());
        assertEquals(3, factory.creates.get());
        assertEquals(1, destroyed(DestroyReason.UNHEALTHY).size());
    }

    @Test
    void maintenanceThreadEndsAfterClose() {
        FairPool<TestConnection> pool = FairPool.start(PoolConfig.builder()
                        .idleTimeout(Duration.ofMillis(50)).healthCheckInterval(Duration.ofMillis(20)).build(),
                factory, events::add, PoolClock.SYSTEM);
        Thread maintenance = pool.maintenanceThread();
        assertTrue(maintenance.isAlive());
        pool.close();
        Await.until("the maintenance thread ends", () -> !maintenance.isAlive(), maintenance::getState);
    }

    @Test
    void maintenanceThreadParkedForALongPeriodEndsAtOnceOnClose() {
        FairPool<TestConnection> pool = start(PoolConfig.defaults()); // parked for up to 60 s of real time
        Thread maintenance = pool.maintenanceThread();
        pool.close();
        Await.until("the maintenance thread ends", () -> !maintenance.isAlive(), maintenance::getState);
    }

    // ---------------------------------------------------------------- creation failures

    @Test
    void refillToMinRetriesFailedCreationsWithBackoffUntilTheFactoryWorksAgain() {
        List<Long> failedAt = new CopyOnWriteArrayList<>();
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2).build(), event -> {
            if (event instanceof PoolEvent.CreationFailed) {
                failedAt.add(System.nanoTime());
            }
        });
        factory.failNextCreates.set(Integer.MAX_VALUE);
        pool.acquire().invalidate();

        Await.until("four failed creations", () -> failedAt.size() >= 4, pool::stats);
        assertEquals(1, pool.stats().totalConnections(), "nothing created while the factory fails");
        factory.failNextCreates.set(0);
        awaitAtRest(pool, 2);

        // One creator retries, waiting longer each time (10, 20, 40 ms): never a busy loop.
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < 4; i++) {
            gaps.add(failedAt.get(i) - failedAt.get(i - 1));
        }
        assertTrue(gaps.stream().allMatch(gap -> gap >= Duration.ofMillis(10).toNanos()), gaps::toString);
        assertTrue(gaps.get(2) >= Duration.ofMillis(40).toNanos(), () -> "backoff does not grow: " + gaps);
        PoolStats stats = pool.stats();
        assertEquals(3, stats.connectionsCreated());
        assertEquals(1, stats.connectionsDestroyed());
        assertEquals(factory.createFailures.get(), all(PoolEvent.CreationFailed.class).size());
    }

    @Test
    void minimumThatCouldNotBeCreatedAtStartIsCreatedInTheBackground() {
        factory.failNextCreates.set(3); // both creations at start, and the first retry
        FairPool<TestConnection> pool = start(QUIET.toBuilder().minSize(2).build());
        assertEquals(new PoolEvent.Started(0), single(PoolEvent.Started.class));

        awaitAtRest(pool, 2);
        assertEquals(3, factory.createFailures.get());
        assertEquals(3, all(PoolEvent.CreationFailed.class).size());
        assertEquals(2, pool.stats().connectionsCreated());
    }

    // ---------------------------------------------------------------- helpers

    private FairPool<TestConnection> start(PoolConfig config) {
        return start(config, PoolListener.NONE);
    }

    /** Starts a pool on the manual clock and waits until its maintenance thread parks after its first pass. */
    private FairPool<TestConnection> start(PoolConfig config, PoolListener extra) {
        FairPool<TestConnection> pool = FairPool.start(config, factory, event -> {
            events.add(event);
            extra.onEvent(event);
        }, clock);
        pools.add(pool);
        Thread maintenance = pool.maintenanceThread();
        Await.until("the maintenance thread waits for its next pass",
                () -> maintenance.getState() == Thread.State.TIMED_WAITING, maintenance::getState);
        return pool;
    }

    private static List<Lease<TestConnection>> acquire(FairPool<TestConnection> pool, int count) {
        List<Lease<TestConnection>> leases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            leases.add(pool.acquire());
        }
        return leases;
    }

    private static void releaseAll(List<Lease<TestConnection>> leases) {
        leases.forEach(Lease::close);
    }

    /** Waits until the pool holds exactly {@code total} connections, all idle, with nothing being created. */
    private void awaitAtRest(FairPool<TestConnection> pool, int total) {
        Await.until("the pool is at rest with " + total + " idle connections", () -> {
            PoolStats stats = pool.stats();
            return stats.totalConnections() == total && stats.availableConnections() == total
                    && stats.connectionsCreated() == factory.createdConnections.size();
        }, pool::stats);
    }

    private static void assertStats(FairPool<TestConnection> pool, int total, int available, int inUse) {
        PoolStats stats = pool.stats();
        assertEquals(List.of(total, available, inUse),
                List.of(stats.totalConnections(), stats.availableConnections(), stats.inUseConnections()),
                () -> "total, available, in use: " + stats);
        assertEquals(total, stats.connectionsCreated() - stats.connectionsDestroyed(), stats::toString);
    }

    /** The ids of the idle connections, taken by acquiring them all at once. */
    private Set<String> idleIds(FairPool<TestConnection> pool) {
        int available = pool.stats().availableConnections();
        List<Lease<TestConnection>> leases = acquire(pool, available);
        Set<String> ids = leases.stream().map(Lease::id).collect(Collectors.toSet());
        // Released in reverse so that the idle stack keeps its order.
        for (int i = leases.size() - 1; i >= 0; i--) {
            leases.get(i).close();
        }
        events.removeIf(event -> event instanceof PoolEvent.Reused || event instanceof PoolEvent.Released);
        return ids;
    }

    private <E extends PoolEvent> List<E> all(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private <E extends PoolEvent> E single(Class<E> type) {
        List<E> matching = all(type);
        assertEquals(1, matching.size(), () -> "expected one " + type.getSimpleName() + " in " + events);
        return matching.get(0);
    }

    /** Destroyed events for one reason, or for any reason when {@code reason} is null. */
    private List<PoolEvent.Destroyed> destroyed(DestroyReason reason) {
        return all(PoolEvent.Destroyed.class).stream()
                .filter(event -> reason == null || event.reason() == reason)
                .toList();
    }

    private static Set<String> ids(List<PoolEvent.Destroyed> destroyed) {
        return destroyed.stream().map(PoolEvent.Destroyed::connectionId).collect(Collectors.toSet());
    }

    private static long seconds(double seconds) {
        return (long) (seconds * 1_000_000_000L);
    }

    /** A {@link TestFactory} that records which connections were health-checked and can make a check throw. */
    private static final class RecordingFactory extends TestFactory {
        final List<TestConnection> checked = new CopyOnWriteArrayList<>();
        private volatile TestConnection throwing;
        private volatile RuntimeException failure;

        void throwOnCheck(TestConnection connection, RuntimeException exception) {
            failure = exception;
            throwing = connection;
        }

        @Override
        public boolean isHealthy(TestConnection connection) {
            checked.add(connection);
            boolean healthy = super.isHealthy(connection);
            if (connection == throwing) {
                throw failure;
            }
            return healthy;
        }
    }
}
