package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.AcquireInterruptedException;
import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.ConnectionCreationException;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolClosedException;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

/**
 * The pool under torture: thousands of virtual and some platform threads for a bounded time (a
 * dozen in the fast-path mode, so that nobody waits most of the time)
 * against a factory that fails, throws Errors, hangs (bounded) and is slow at random, and a
 * listener that throws; random timeouts (zero included), holds, invalidates, double closes,
 * releases to the wrong pool, interrupts, and close() while creations and waits are under way.
 * A monitor checks the invariants all along; after close every connection must be destroyed
 * exactly once.
 *
 * <p>Seeded: {@code -Dpool.torture.seed=N} replays a run's choices (thread timing is not
 * replayable); the seed is printed at the start and in every failure. {@code
 * -Dpool.torture.seconds=60} runs the long profile; the test command runs 6 seconds per mode (the
 * lock-free fast path, every hand-out observed, pooling disabled).
 */
class TortureTest {

    private static final int MAX_SIZE = 8;
    /** A timed-out acquire may overrun its deadline by a validation (at most 5 ms here) and scheduling. */
    private static final long OVERSHOOT_BOUND_NANOS = Duration.ofSeconds(2).toNanos();

    private final long seed = Long.getLong("pool.torture.seed", System.nanoTime());
    private final Duration duration = Duration.ofSeconds(Long.getLong("pool.torture.seconds", 6));
    private final AtomicLong draws = new AtomicLong();
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private final AtomicLong worstOvershootNanos = new AtomicLong();
    private final AtomicLong leases = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong interrupts = new AtomicLong();
    /** Connections whose destroy outlived the destroy timeout and has not returned: they may exceed max. */
    private final Set<String> abandoned = ConcurrentHashMap.newKeySet();
    private final Set<String> destroyedIds = ConcurrentHashMap.newKeySet();

    /** A fresh, seeded random for one decision: the n-th draw of the run. */
    private SplittableRandom draw() {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + draws.incrementAndGet());
    }

    private void violation(String what) {
        if (violations.size() < 50) {
            violations.add(what);
        }
    }

    /** The pool's three ways of working. */
    enum Mode {
        /**
         * Pooling on, nobody observes hand-outs, and about as many callers as connections: acquire
         * and release mostly take the lock-free fast path, racing the locked one when callers queue.
         */
        FAST_PATH(true, false, 6, 6),
        /** Pooling on, a listener observes every hand-out: every acquire and release takes the lock. */
        OBSERVED(true, true, 2_000, 16),
        /** Pooling disabled. */
        UNPOOLED(false, true, 2_000, 16);

        final boolean pooling;
        final boolean observed;
        final int virtualThreads;
        final int platformThreads;

        Mode(boolean pooling, boolean observed, int virtualThreads, int platformThreads) {
            this.pooling = pooling;
            this.observed = observed;
            this.virtualThreads = virtualThreads;
            this.platformThreads = platformThreads;
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    @Timeout(300)
    void thePoolKeepsEveryPromiseUnderTorture(Mode mode) throws InterruptedException {
        boolean poolingEnabled = mode.pooling;
        System.out.println("[torture] seed " + seed + " (replay with -Dpool.torture.seed=" + seed + "), "
                + duration.toSeconds() + " s, " + mode);
        ScriptedFactory factory = hostileFactory();
        PoolConfig config = PoolConfig.builder().name("Torture instance").minSize(2).maxSize(MAX_SIZE)
                .acquireTimeout(Duration.ofMillis(500)).idleTimeout(Duration.ofMillis(100))
                .healthCheckInterval(Duration.ofMillis(50)).maxLifetime(Duration.ofMillis(700))
                .drainTimeout(Duration.ofSeconds(1)).destroyTimeout(Duration.ofMillis(100))
                .poolingEnabled(poolingEnabled).build();
        Pool<TestConnection> pool = poolingEnabled
                ? FairPool.start(config, factory, hostileListener(mode.observed), PoolClock.SYSTEM)
                : new UnpooledPool<>(config, factory, hostileListener(mode.observed), PoolClock.SYSTEM);
        Pool<TestConnection> otherPool = Pool.create(PoolConfig.builder().name("Other instance").minSize(1)
                .maxSize(1).build(), new TestFactory());

        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < mode.virtualThreads + mode.platformThreads; i++) {
            Thread.Builder builder = i < mode.platformThreads ? Thread.ofPlatform().daemon() : Thread.ofVirtual();
            workers.add(builder.name("torture-" + i).start(() -> work(pool, otherPool, stop)));
        }
        Thread monitor = Thread.ofPlatform().daemon().name("torture-monitor").start(() -> monitor(pool, factory, stop));
        Thread interrupter = Thread.ofVirtual().name("torture-interrupter").start(() -> {
            while (!stop.get()) {
                SplittableRandom random = draw();
                workers.get(random.nextInt(workers.size())).interrupt();
                LockSupport.parkNanos(random.nextLong(100_000, 2_000_000));
            }
        });

        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() - end < 0) {
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            if (!violations.isEmpty()) {
                break;
            }
        }
        // Close while creations, waits and validations are under way; the workers see it and stop.
        Thread closer = Thread.ofVirtual().name("torture-closer").start(pool::close);
        Thread secondCloser = Thread.ofPlatform().name("torture-second-closer").start(pool::close);
        assertTrue(closer.join(Duration.ofSeconds(60)), "close() hung; seed " + seed);
        assertTrue(secondCloser.join(Duration.ofSeconds(60)), "a second close() hung; seed " + seed);
        stop.set(true);
        for (Thread worker : workers) {
            assertTrue(worker.join(Duration.ofSeconds(60)), worker + " never ended; seed " + seed);
        }
        interrupter.join();
        monitor.join();
        otherPool.close();

        // Every connection ever created is destroyed exactly once, late creations and hung
        // destroys included, once they have all ended.
        Await.until("every connection destroyed after close (seed " + seed + ")", Duration.ofSeconds(30),
                () -> factory.alive.isEmpty() && factory.destroysReturned.get() == factory.created.get(),
                () -> "alive " + factory.alive + ", created " + factory.created + ", destroyed "
                        + factory.destroysReturned);
        if (factory.doubleDestroys.get() > 0) {
            violation(factory.doubleDestroys.get() + " connections destroyed twice");
        }
        PoolStats stats = pool.stats();
        if (stats.totalConnections() != 0 || stats.inUseConnections() != 0 || stats.waitingAcquirers() != 0) {
            violation("not empty after close: " + stats);
        }
        System.out.printf("[torture] seed %d: %d leases, %d timeouts, %d interrupts, %d created, worst timeout "
                        + "overshoot %.1f ms, %s%n", seed, leases.get(), timeouts.get(), interrupts.get(),
                factory.created.get(), worstOvershootNanos.get() / 1e6, stats);
        assertTrue(violations.isEmpty(), () -> "seed " + seed + ": " + violations.size() + " broken promises:\n  "
                + String.join("\n  ", violations));
        assertTrue(leases.get() > 1_000, "the torture did work: " + leases.get() + " leases; seed " + seed);
    }

    /** One worker: acquire with a random timeout, hold, end in a random way; until the pool closes. */
    private void work(Pool<TestConnection> pool, Pool<TestConnection> otherPool, AtomicBoolean stop) {
        while (!stop.get()) {
            SplittableRandom random = draw();
            Duration timeout = switch (random.nextInt(6)) {
                case 0 -> Duration.ZERO;
                case 1 -> Duration.ofMillis(1);
                case 2 -> Duration.ofMillis(10);
                case 3 -> Duration.ofMillis(100);
                case 4 -> Duration.ofSeconds(1);
                default -> null; // the configured acquireTimeout
            };
            long started = System.nanoTime();
            Lease<TestConnection> lease;
            try {
                lease = timeout == null ? pool.acquire() : pool.acquire(timeout);
            } catch (AcquireTimeoutException e) {
                timeouts.incrementAndGet();
                long overshoot = System.nanoTime() - started - (timeout == null ? 500_000_000L : timeout.toNanos());
                worstOvershootNanos.accumulateAndGet(overshoot, Math::max);
                if (overshoot > OVERSHOOT_BOUND_NANOS) {
                    violation("a " + timeout + " acquire timed out " + overshoot / 1_000_000 + " ms late");
                }
                continue;
            } catch (AcquireInterruptedException e) {
                interrupts.incrementAndGet();
                if (!Thread.interrupted()) {
                    violation("AcquireInterruptedException without the interrupt flag");
                }
                continue;
            } catch (PoolClosedException e) {
                Thread.interrupted();
                return;
            } catch (ConnectionCreationException e) {
                continue; // pooling disabled: the factory failed this caller's creation
            } catch (RuntimeException | Error e) {
                violation("acquire threw " + e);
                continue;
            }
            leases.incrementAndGet();
            TestConnection connection = lease.connection();
            try {
                connection.enter();
            } catch (AssertionError e) {
                violation(e.getMessage());
            }
            int hold = random.nextInt(100);
            if (hold < 70) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(random.nextLong(1, 2_000_000));
            }
            connection.exit();
            int end = random.nextInt(100);
            try {
                if (end < 10) {
                    lease.invalidate();
                    lease.close(); // after invalidate: does nothing
                } else if (end < 13) {
                    lease.close();
                    try {
                        lease.close();
                        violation("a second close() of a lease was accepted");
                    } catch (IllegalStateException expected) {
                        // "released twice"
                    }
                } else if (end < 15) {
                    try {
                        otherPool.release(lease);
                        violation("another pool accepted the lease of connection " + lease.id());
                    } catch (IllegalArgumentException expected) {
                        lease.close();
                    }
                } else {
                    lease.close();
                }
            } catch (RuntimeException e) {
                violation("ending a lease threw " + e);
            }
            Thread.interrupted(); // an interrupt that arrived while holding is not this loop's concern
        }
    }

    /** Checks the invariants in every snapshot, and what the factory sees, until stopped. */
    private void monitor(Pool<TestConnection> pool, ScriptedFactory factory, AtomicBoolean stop) {
        PoolStats previous = pool.stats();
        while (!stop.get()) {
            PoolStats stats = pool.stats();
            if (stats.totalConnections() != stats.availableConnections() + stats.inUseConnections()) {
                violation("total != available + in_use: " + stats);
            }
            if (stats.totalConnections() > MAX_SIZE) {
                violation("total above max: " + stats);
            }
            if (stats.connectionsCreated() - stats.connectionsDestroyed() != stats.totalConnections()) {
                violation("created - destroyed != total: " + stats);
            }
            if (stats.availableConnections() > 0 && stats.waitingAcquirers() > 0) {
                violation("a caller waits while a connection is idle: " + stats);
            }
            if (stats.connectionsCreated() < previous.connectionsCreated()
                    || stats.connectionsDestroyed() < previous.connectionsDestroyed()
                    || stats.connectionsReused() < previous.connectionsReused()
                    || stats.acquireTimeouts() < previous.acquireTimeouts()) {
                violation("a counter went down: " + previous + " -> " + stats);
            }
            int alive = factory.alive.size();
            int excused = abandoned.size();
            if (alive > MAX_SIZE + excused) {
                violation(alive + " connections alive as the factory sees them, above max " + MAX_SIZE + " (+"
                        + excused + " whose destroy timed out)");
            }
            previous = stats;
            LockSupport.parkNanos(200_000);
        }
    }

    /** Fails, throws Errors, hangs (bounded) and dawdles at random; every choice seeded. */
    private ScriptedFactory hostileFactory() {
        ScriptedFactory factory = new ScriptedFactory();
        factory.onCreate = c -> {
            SplittableRandom random = draw();
            int roll = random.nextInt(1000);
            if (roll < 80) {
                throw new IOException("creation failure on purpose");
            } else if (roll < 90) {
                throw new IllegalStateException("creation Error stand-in on purpose");
            } else if (roll < 95) {
                throw new AssertionError("creation Error on purpose");
            } else if (roll < 105) {
                Thread.sleep(random.nextLong(100, 400)); // hangs, bounded
            } else if (roll < 300) {
                Thread.sleep(random.nextLong(1, 20));
            }
            return true;
        };
        factory.onValid = c -> {
            SplittableRandom random = draw();
            int roll = random.nextInt(1000);
            if (roll < 30) {
                return false;
            } else if (roll < 40) {
                throw new AssertionError("isValid Error on purpose");
            } else if (roll < 60) {
                LockSupport.parkNanos(random.nextLong(100_000, 5_000_000));
            }
            return true;
        };
        factory.onHealthy = c -> {
            SplittableRandom random = draw();
            int roll = random.nextInt(100);
            if (roll < 5) {
                return false;
            } else if (roll < 7) {
                throw new IllegalStateException("health check failure on purpose");
            } else if (roll < 17) {
                Thread.sleep(random.nextLong(1, 30));
            }
            return true;
        };
        factory.onDestroy = c -> {
            SplittableRandom random = draw();
            int roll = random.nextInt(100);
            if (roll < 5) {
                throw new IOException("destroy failure on purpose");
            } else if (roll < 7) {
                throw new AssertionError("destroy Error on purpose");
            } else if (roll < 10) {
                Thread.sleep(random.nextLong(150, 400)); // past the 100 ms destroy timeout
            } else if (roll < 25) {
                Thread.sleep(random.nextLong(1, 20));
            }
            return true;
        };
        return factory;
    }

    /** Records what the checks need, then throws now and then (an Error too). */
    private PoolListener hostileListener(boolean observesHandOuts) {
        return new PoolListener() {
            @Override
            public boolean observesHandOuts() {
                return observesHandOuts;
            }

            @Override
            public void onEvent(PoolEvent event) {
                hostile(event);
            }
        };
    }

    private void hostile(PoolEvent event) {
        {
            if (event instanceof PoolEvent.DestroyTimedOut timedOut && !destroyedIds.contains(timedOut.connectionId())) {
                abandoned.add(timedOut.connectionId());
            } else if (event instanceof PoolEvent.Destroyed destroyed) {
                destroyedIds.add(destroyed.connectionId());
                abandoned.remove(destroyed.connectionId());
            }
            int roll = draw().nextInt(10_000);
            if (roll < 3) {
                throw new IllegalStateException("listener failure on purpose");
            } else if (roll < 5) {
                throw new AssertionError("listener Error on purpose");
            }
        }
    }
}
