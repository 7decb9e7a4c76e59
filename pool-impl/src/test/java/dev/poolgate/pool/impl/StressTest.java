package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.PoolClosedException;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolEvent.DestroyReason;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Phaser;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of virtual threads hammer one small pool while creations fail, health checks fail,
 * idle connections are cleaned up and holders invalidate connections; a monitor samples the stats
 * all along. Afterwards every counter is checked exactly against two independent witnesses: the
 * factory, which counts what the pool asked of it, and a listener, which counts the events.
 *
 * <p>The load comes in waves: each of a caller's acquires starts after every caller has finished
 * the previous one and rested a little. Each wave grows the pool from its minimum to its maximum
 * under contention; each rest lets the maintenance clean up idle connections and health-check
 * them, so maintenance races with the stragglers of every wave.
 *
 * <p>No verdict depends on timing: timeouts are legal (and some callers are deliberately
 * impatient, so that timeouts race with hand-overs); only their count and their punctuality,
 * with a generous margin, are checked.
 */
@Timeout(60)
class StressTest {

    private static final int THREADS = 10_000;
    private static final int ACQUIRES_PER_THREAD = 20;
    private static final int MIN_SIZE = 2;
    private static final int MAX_SIZE = 10;
    /** Long enough that a patient caller never times out, even on a busy 2-core machine. */
    private static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration IMPATIENT_TIMEOUT = Duration.ofMillis(1);
    private static final double IMPATIENT_SHARE = 0.01;
    private static final double INVALIDATE_SHARE = 0.01;
    private static final long MAX_HOLD_NANOS = Duration.ofNanos(200_000).toNanos();
    /** Holds shorter than this keep the carrier busy; longer ones park. */
    private static final long SPIN_BELOW_NANOS = Duration.ofNanos(20_000).toNanos();
    /** Between waves every caller rests this long: twice the idle timeout, four health-check rounds. */
    private static final long REST_NANOS = Duration.ofMillis(20).toNanos();
    /** Then each caller starts its next acquire at a random moment within this. */
    private static final long SPREAD_NANOS = Duration.ofMillis(50).toNanos();
    /**
     * How late an acquire may return after its timeout. Generous, because a timed-out caller
     * queues for the lock and a carrier behind thousands of others (up to 0.8 s was seen on two
     * busy cores), yet half the configured timeout: an acquire that overstays its deadline by
     * seconds, e.g. waits out the configured timeout instead of its own, is caught.
     */
    private static final long LATENESS_MARGIN_NANOS = Duration.ofSeconds(5).toNanos();

    private final CountingFactory factory = new CountingFactory();
    private final EventCounter events = new EventCounter();
    private final Violations violations = new Violations();

    // What the callers saw.
    private final LongAdder acquired = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder invalidated = new LongAdder();
    private final LongAdder firstUses = new LongAdder();
    private final LongAdder waitNanos = new LongAdder();
    private final LongAccumulator longestWaitNanos = new LongAccumulator(Math::max, 0);
    private final LongAccumulator latestNanos = new LongAccumulator(Math::max, Long.MIN_VALUE);
    /** Per connection id: the use counts of its leases, each seen once. */
    private final Map<String, Set<Long>> useCounts = new ConcurrentHashMap<>();
    /** Per connection id: the one connection behind it. */
    private final Map<String, TestConnection> connections = new ConcurrentHashMap<>();

    @Test
    void manyVirtualThreadsNeverBreakTheInvariants() throws InterruptedException {
        factory.createFailureRate = 0.05;
        factory.healthFailureRate = 0.2;
        PoolConfig config = config()
                .idleTimeout(Duration.ofMillis(10))
                .healthCheckInterval(Duration.ofMillis(5))
                .build();
        FairPool<TestConnection> pool = FairPool.start(config, factory, events, PoolClock.SYSTEM);
        Monitor monitor = new Monitor(pool);

        Phaser waves = new Phaser(THREADS + 1);
        List<Thread> callers = new ArrayList<>(THREADS);
        for (int i = 0; i < THREADS; i++) {
            callers.add(Thread.ofVirtual().name("caller-", i).start(() -> acquireInWaves(pool, waves)));
        }
        long start = System.nanoTime();
        waves.arriveAndDeregister();
        for (Thread caller : callers) {
            caller.join();
        }
        long elapsedNanos = System.nanoTime() - start;
        monitor.stop();
        violations.assertNone();

        PoolStats atRest = pool.stats();
        assertEquals(0, atRest.waitingAcquirers(), () -> "nobody waits once every caller is done: " + atRest);
        // A health check holds its connection (counted in use) for a moment, and a failed one is
        // replaced (with creation failures, after a backoff), so the pool is awaited, not sampled.
        Await.until("the pool rests at its minimum with nothing in use", () -> {
            PoolStats now = pool.stats();
            return now.inUseConnections() == 0 && now.availableConnections() == MIN_SIZE;
        }, pool::stats);

        pool.close();
        assertEquals(0, factory.open(), () -> "every connection is destroyed when close() returns: " + pool.stats());
        pool.maintenanceThread().join();
        PoolStats closed = pool.stats();
        String summary = summary(elapsedNanos, closed);
        System.out.println(summary);
        violations.assertNone();

        long calls = (long) THREADS * ACQUIRES_PER_THREAD;
        assertEquals(calls, acquired.sum() + timedOut.sum(), "every acquire either succeeds or times out");
        assertTrue(monitor.samples() > 0, "the monitor sampled the pool during the run");

        // Hand-outs and timeouts: the callers, the counters and the events agree.
        assertEquals(timedOut.sum(), closed.acquireTimeouts(), "acquire_timeouts counts the callers' timeouts");
        assertEquals(timedOut.sum(), events.count(PoolEvent.AcquireTimedOut.class), summary);
        assertEquals(closed.connectionsReused(), events.count(PoolEvent.Reused.class), summary);
        long freshHandOuts = acquired.sum() - closed.connectionsReused();
        assertTrue(freshHandOuts >= 0 && freshHandOuts <= closed.connectionsCreated(),
                () -> "hand-outs straight from a creation (" + freshHandOuts + ") are at most the creations; "
                        + summary);
        assertEquals(freshHandOuts + events.firstReuses.sum(), firstUses.sum(),
                "a lease with use_count 1 is a hand-out straight from a creation or the first reuse of an idle one");
        assertEquals(acquired.sum() - invalidated.sum(), events.count(PoolEvent.Released.class),
                "every lease not invalidated is released back");
        assertUseCountsAddUp();

        // Creation: the factory, the counter and the events agree.
        assertEquals(factory.creates.get() - factory.createFailures.get(), closed.connectionsCreated(), summary);
        assertEquals(factory.createdConnections.size(), closed.connectionsCreated(), summary);
        assertEquals(closed.connectionsCreated(), events.count(PoolEvent.Created.class), summary);
        assertEquals(factory.createFailures.get(), events.count(PoolEvent.CreationFailed.class), summary);

        // Health checks and destruction.
        assertEquals(factory.unhealthy.get(), closed.healthCheckFailures(), "health_check_failures counts failed checks");
        assertEquals(closed.healthCheckFailures(), events.count(PoolEvent.HealthCheckFailed.class), summary);
        assertEquals(closed.healthCheckFailures(), events.destroyed(DestroyReason.UNHEALTHY), summary);
        assertEquals(invalidated.sum(), events.destroyed(DestroyReason.INVALIDATED), summary);
        assertEquals(0, events.destroyed(DestroyReason.EXPIRED), "no max lifetime is set");
        assertEquals(0, events.destroyed(DestroyReason.FAILED_VALIDATION), "the factory does not validate");
        assertClosedCleanly(closed, summary);
    }

    @Test
    void closingUnderLoadReturnsOnlyWhenEveryConnectionIsDestroyed() throws InterruptedException {
        // Destroying takes a while, as a network close can: close() has to wait for the destructions
        // its callers and its own threads have started, not only for the connections to leave the pool.
        factory.destroyNanos = Duration.ofMillis(100).toNanos();
        PoolConfig config = config().drainTimeout(Duration.ofSeconds(20)).build();
        FairPool<TestConnection> pool = FairPool.start(config, factory, events, PoolClock.SYSTEM);
        Monitor monitor = new Monitor(pool);
        int threads = 2_000;
        List<Thread> callers = new ArrayList<>(threads);
        for (int i = 0; i < threads; i++) {
            callers.add(Thread.ofVirtual().name("caller-", i).start(() -> acquireUntilClosed(pool)));
        }
        Await.until("the callers have been served a while", Duration.ofSeconds(30),
                () -> acquired.sum() >= 10_000, pool::stats);

        pool.close();
        int open = factory.open();
        PoolStats closed = pool.stats();
        for (Thread caller : callers) {
            caller.join();
        }
        pool.maintenanceThread().join();
        monitor.stop();
        violations.assertNone();
        assertEquals(0, open, () -> "every connection is destroyed when close() returns: " + closed);
        String summary = closed + ", " + acquired.sum() + " acquired, " + invalidated.sum() + " invalidated";
        assertEquals(0, closed.waitingAcquirers(), summary);
        assertEquals(timedOut.sum(), closed.acquireTimeouts(), summary);
        assertUseCountsAddUp();
        assertClosedCleanly(closed, summary);
    }

    private static PoolConfig.Builder config() {
        return PoolConfig.builder()
                .name("Stress instance")
                .minSize(MIN_SIZE)
                .maxSize(MAX_SIZE)
                .acquireTimeout(ACQUIRE_TIMEOUT);
    }

    /** One caller of the first test: its acquires, one per wave. */
    private void acquireInWaves(FairPool<TestConnection> pool, Phaser waves) {
        try {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < ACQUIRES_PER_THREAD; i++) {
                waves.arriveAndAwaitAdvance();
                LockSupport.parkNanos(REST_NANOS + random.nextLong(SPREAD_NANOS));
                boolean impatient = random.nextDouble() < IMPATIENT_SHARE;
                Duration timeout = impatient ? IMPATIENT_TIMEOUT : ACQUIRE_TIMEOUT;
                long start = System.nanoTime();
                Lease<TestConnection> lease;
                try {
                    lease = impatient ? pool.acquire(IMPATIENT_TIMEOUT) : pool.acquire();
                } catch (AcquireTimeoutException e) {
                    timedOut(timeout, System.nanoTime() - start, e);
                    continue;
                }
                acquired(timeout, System.nanoTime() - start);
                use(lease, random);
            }
        } catch (Throwable e) {
            violations.add(Thread.currentThread().getName() + " failed", e);
        } finally {
            waves.arriveAndDeregister();
        }
    }

    /** One caller of the second test: acquires again and again until the pool closes. */
    private void acquireUntilClosed(FairPool<TestConnection> pool) {
        try {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (true) {
                long start = System.nanoTime();
                Lease<TestConnection> lease;
                try {
                    lease = pool.acquire();
                } catch (AcquireTimeoutException e) {
                    timedOut(ACQUIRE_TIMEOUT, System.nanoTime() - start, e);
                    continue;
                } catch (PoolClosedException e) {
                    return;
                }
                acquired(ACQUIRE_TIMEOUT, System.nanoTime() - start);
                use(lease, random);
            }
        } catch (Throwable e) {
            violations.add(Thread.currentThread().getName() + " failed", e);
        }
    }

    private void acquired(Duration timeout, long waitedNanos) {
        acquired.increment();
        waitNanos.add(waitedNanos);
        longestWaitNanos.accumulate(waitedNanos);
        latestNanos.accumulate(waitedNanos - timeout.toNanos());
        if (waitedNanos - timeout.toNanos() > LATENESS_MARGIN_NANOS) {
            violations.add("an acquire with a timeout of " + timeout + " succeeded only after "
                    + Duration.ofNanos(waitedNanos));
        }
    }

    private void timedOut(Duration timeout, long elapsedNanos, AcquireTimeoutException e) {
        timedOut.increment();
        latestNanos.accumulate(elapsedNanos - timeout.toNanos());
        if (elapsedNanos < timeout.toNanos()) {
            violations.add("an acquire gave up after " + Duration.ofNanos(elapsedNanos) + ", before its timeout of "
                    + timeout);
        } else if (elapsedNanos - timeout.toNanos() > LATENESS_MARGIN_NANOS) {
            violations.add("an acquire gave up " + Duration.ofNanos(elapsedNanos - timeout.toNanos())
                    + " after its timeout of " + timeout);
        }
        if (!timeout.equals(e.timeout())) {
            violations.add("a timeout of " + timeout + " was reported as " + e.timeout());
        }
    }

    /** Holds the lease's connection a little while (alone, or a violation is recorded), then ends the lease. */
    private void use(Lease<TestConnection> lease, ThreadLocalRandom random) {
        try (lease) {
            TestConnection connection = lease.connection();
            TestConnection known = connections.putIfAbsent(lease.id(), connection);
            if (known != null && known != connection) {
                violations.add("id " + lease.id() + " names both " + known + " and " + connection);
            }
            if (!useCounts.computeIfAbsent(lease.id(), id -> ConcurrentHashMap.newKeySet()).add(lease.useCount())) {
                violations.add("connection " + lease.id() + " handed out twice with use_count " + lease.useCount());
            }
            if (lease.useCount() == 1) {
                firstUses.increment();
            }
            try {
                connection.enter();
            } catch (AssertionError e) {
                violations.add(e.getMessage());
                return;
            }
            hold(random);
            if (connection.destroyCalls.get() != 0) {
                violations.add(connection + " was destroyed while leased");
            }
            connection.exit();
            if (random.nextDouble() < INVALIDATE_SHARE) {
                lease.invalidate();
                invalidated.increment();
                // The close() of try-with-resources that follows must do nothing.
            }
        } catch (AssertionError | RuntimeException e) {
            violations.add(lease + " failed", e);
        }
    }

    private static void hold(ThreadLocalRandom random) {
        long nanos = random.nextLong(MAX_HOLD_NANOS);
        if (nanos < SPIN_BELOW_NANOS) {
            long until = System.nanoTime() + nanos;
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
        } else {
            LockSupport.parkNanos(nanos);
        }
    }

    /** Each connection was handed out with use counts 1, 2, ..., n, each once; they add up to the hand-outs. */
    private void assertUseCountsAddUp() {
        long handOuts = 0;
        for (Map.Entry<String, Set<Long>> entry : useCounts.entrySet()) {
            long uses = entry.getValue().size();
            long highest = entry.getValue().stream().mapToLong(Long::longValue).max().orElse(0);
            assertEquals(uses, highest, () -> "connection " + entry.getKey() + " was handed out with use counts "
                    + entry.getValue() + ": each hand-out adds exactly one");
            handOuts += uses;
        }
        assertEquals(acquired.sum(), handOuts, "use counts add up to the hand-outs");
    }

    private void assertClosedCleanly(PoolStats closed, String summary) {
        assertEquals(0, closed.totalConnections(), summary);
        assertEquals(closed.connectionsCreated(), closed.connectionsDestroyed(), "close() destroys every connection");
        assertEquals(closed.connectionsDestroyed(), factory.destroys.get(), summary);
        assertEquals(closed.connectionsDestroyed(), events.count(PoolEvent.Destroyed.class), summary);
        assertEquals(closed.connectionsCreated(), events.count(PoolEvent.Created.class), summary);
        assertEquals(1, events.count(PoolEvent.ShutDown.class), summary);
        assertEquals(closed.connectionsDestroyed(), events.destroyedBeforeShutDown.get(),
                "every connection is reported destroyed before the pool reports its shutdown complete");
    }

    private String summary(long elapsedNanos, PoolStats closed) {
        long acquires = acquired.sum();
        return String.format(Locale.ROOT,
                "StressTest: threads=%d acquires=%d elapsed_ms=%d acquires_per_s=%.0f longest_wait_ms=%.1f "
                        + "mean_wait_ms=%.2f timeouts=%d latest_ms=%.1f creations=%d creation_failures=%d "
                        + "health_failures=%d idle_cleanups=%d invalidations=%d",
                THREADS, acquires, elapsedNanos / 1_000_000, acquires / (elapsedNanos / 1e9),
                longestWaitNanos.get() / 1e6, acquires == 0 ? 0.0 : waitNanos.sum() / 1e6 / acquires, timedOut.sum(),
                latestNanos.get() / 1e6, closed.connectionsCreated(), factory.createFailures.get(),
                closed.healthCheckFailures(), events.destroyed(DestroyReason.IDLE), invalidated.sum());
    }

    /** Samples the stats on a virtual thread until stopped: each snapshot consistent, no counter going back. */
    private final class Monitor {
        private final CountDownLatch stop = new CountDownLatch(1);
        private final AtomicInteger samples = new AtomicInteger();
        private final Thread thread;

        Monitor(FairPool<TestConnection> pool) {
            thread = Thread.ofVirtual().name("stats-monitor").start(() -> sample(pool));
        }

        int samples() {
            return samples.get();
        }

        void stop() throws InterruptedException {
            stop.countDown();
            thread.join();
        }

        private void sample(FairPool<TestConnection> pool) {
            PoolStats previous = null;
            while (stop.getCount() > 0) {
                PoolStats now;
                try {
                    now = pool.stats();
                } catch (RuntimeException e) {
                    violations.add("stats() failed", e);
                    return;
                }
                samples.incrementAndGet();
                if (now.totalConnections() > MAX_SIZE) {
                    violations.add("total over max: " + now);
                }
                if (now.connectionsCreated() - now.connectionsDestroyed() != now.totalConnections()) {
                    violations.add("created - destroyed != total: " + now);
                }
                if (now.availableConnections() > 0 && now.waitingAcquirers() > 0) {
                    violations.add("a caller waits while a connection is idle: " + now);
                }
                if (previous != null && (now.connectionsCreated() < previous.connectionsCreated()
                        || now.connectionsDestroyed() < previous.connectionsDestroyed()
                        || now.connectionsReused() < previous.connectionsReused()
                        || now.acquireTimeouts() < previous.acquireTimeouts()
                        || now.healthCheckFailures() < previous.healthCheckFailures())) {
                    violations.add("a counter went back from " + previous + " to " + now);
                }
                previous = now;
                LockSupport.parkNanos(Duration.ofNanos(200_000).toNanos());
            }
        }
    }

    /**
     * A {@link TestFactory} that also counts the health checks it failed, as a witness of the
     * pool's counter, and can take a while to destroy a connection.
     */
    private final class CountingFactory extends TestFactory {
        final AtomicLong unhealthy = new AtomicLong();
        volatile long destroyNanos;

        @Override
        public boolean isHealthy(TestConnection connection) {
            try {
                boolean healthy = super.isHealthy(connection);
                if (!healthy) {
                    unhealthy.incrementAndGet();
                }
                return healthy;
            } catch (AssertionError e) {
                // Checking a connection a caller holds: the pool counts it as a failed check.
                unhealthy.incrementAndGet();
                violations.add(e.getMessage());
                throw e;
            }
        }

        @Override
        public void destroy(TestConnection connection) {
            if (destroyNanos > 0) {
                LockSupport.parkNanos(destroyNanos);
            }
            super.destroy(connection);
        }
    }

    /** Counts the pool's events by type and destructions by reason; records events that show a broken rule. */
    private final class EventCounter implements PoolListener {
        private final Map<Class<?>, LongAdder> byType = new ConcurrentHashMap<>();
        private final Map<DestroyReason, LongAdder> byReason = new EnumMap<>(DestroyReason.class);
        final LongAdder firstReuses = new LongAdder();
        final AtomicLong destroyedBeforeShutDown = new AtomicLong(-1);

        EventCounter() {
            for (DestroyReason reason : DestroyReason.values()) {
                byReason.put(reason, new LongAdder());
            }
        }

        @Override
        public void onEvent(PoolEvent event) {
            switch (event) {
                case PoolEvent.Destroyed e -> byReason.get(e.reason()).increment();
                case PoolEvent.Reused e -> {
                    if (e.useCount() == 1) {
                        firstReuses.increment();
                    }
                }
                case PoolEvent.DestroyFailed e -> violations.add("destroying " + e.connectionId() + " failed: "
                        + e.cause());
                case PoolEvent.ShutDown e -> destroyedBeforeShutDown.set(count(PoolEvent.Destroyed.class));
                default -> {
                }
            }
            byType.computeIfAbsent(event.getClass(), type -> new LongAdder()).increment();
        }

        long count(Class<? extends PoolEvent> type) {
            LongAdder count = byType.get(type);
            return count == null ? 0 : count.sum();
        }

        long destroyed(DestroyReason reason) {
            return byReason.get(reason).sum();
        }
    }

    /** Broken rules seen by any thread; the first few are kept for the failure message. */
    private static final class Violations {
        private static final int KEPT = 20;
        private final ConcurrentLinkedQueue<String> first = new ConcurrentLinkedQueue<>();
        private final AtomicInteger count = new AtomicInteger();

        void add(String violation) {
            if (count.incrementAndGet() <= KEPT) {
                first.add(violation);
            }
        }

        void add(String what, Throwable failure) {
            StackTraceElement[] stack = failure.getStackTrace();
            add(what + ": " + failure + (stack.length > 0 ? " at " + stack[0] : ""));
        }

        void assertNone() {
            if (count.get() > 0) {
                throw new AssertionError(count.get() + " broken rules, the first " + first.size() + ":\n  "
                        + String.join("\n  ", first));
            }
        }
    }
}
