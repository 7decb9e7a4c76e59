package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.pool.PoolStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fast path's per-thread cache: a platform thread gets back the connection it returned last,
 * yet a cached connection is never withheld from anyone else, and counts, housekeeping and close
 * all reach it. Logging at INFO is off here and nobody listens, so the fast path runs.
 */
@Timeout(30)
class ThreadCacheTest {

    private final TestFactory factory = new TestFactory();
    private final List<Pool<TestConnection>> pools = new ArrayList<>();

    @BeforeEach
    void fastPath() {
        LogCapture.stop();
    }

    @AfterEach
    void closeAll() {
        pools.forEach(Pool::close);
        assertEquals(0, factory.open(), "connections left open after close()");
    }

    private Pool<TestConnection> pool(PoolConfig config) {
        Pool<TestConnection> pool = Pool.create(config, factory);
        pools.add(pool);
        return pool;
    }

    @Test
    void eachPlatformThreadGetsBackTheConnectionItReturnedLast() throws InterruptedException {
        // No housekeeping during the test: a pass takes cached connections back onto the stack.
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(2).maxSize(2).idleTimeout(Duration.ZERO)
                .healthCheckInterval(Duration.ZERO).build());
        CountDownLatch bothHold = new CountDownLatch(2);
        CountDownLatch firstReleased = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(2);
        CountDownLatch firstDone = new CountDownLatch(1);
        List<List<String>> seen = List.of(new ArrayList<>(), new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            List<String> mine = seen.get(t);
            boolean second = t == 1;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    Lease<TestConnection> lease = pool.acquire();
                    mine.add(lease.id());
                    bothHold.countDown();
                    TestThreads.await(bothHold);
                    if (second) {
                        TestThreads.await(firstReleased); // returned last: on a shared stack it would be on top
                    }
                    lease.close();
                    firstReleased.countDown();
                    released.countDown();
                    TestThreads.await(released);
                    if (second) {
                        TestThreads.await(firstDone); // one after the other: no stealing between them
                    }
                    for (int i = 0; i < 5; i++) {
                        try (Lease<TestConnection> again = pool.acquire()) {
                            mine.add(again.id());
                        }
                    }
                    firstDone.countDown();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }));
        }
        for (Thread thread : threads) {
            TestThreads.join(thread);
        }
        assertNotEquals(seen.get(0).get(0), seen.get(1).get(0));
        for (List<String> mine : seen) {
            assertEquals(6, mine.size(), seen::toString);
            assertEquals(1, mine.stream().distinct().count(), "always its own connection: " + seen);
        }
        assertEquals(2, factory.creates.get());
    }

    @Test
    void aConnectionKeptAsideForOneThreadIsTakenAtOnceByAnother() throws InterruptedException {
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(1).maxSize(1).build());
        String id;
        try (Lease<TestConnection> lease = pool.acquire()) {
            id = lease.id();
        }
        PoolStats stats = pool.stats();
        assertEquals(1, stats.availableConnections(), "a cached connection counts as available: " + stats);
        assertEquals(0, stats.inUseConnections(), stats::toString);

        AtomicReference<String> taken = new AtomicReference<>();
        Thread other = Thread.ofPlatform().start(() -> {
            // Duration.ZERO takes only what is idle now: the cached one must count.
            try (Lease<TestConnection> lease = pool.acquire(Duration.ZERO)) {
                taken.set(lease.id());
            }
        });
        TestThreads.join(other);
        assertEquals(id, taken.get());

        // And back again: the other thread cached it; a virtual thread takes it too.
        AtomicReference<String> byVirtual = new AtomicReference<>();
        Thread virtual = Thread.ofVirtual().start(() -> {
            try (Lease<TestConnection> lease = pool.acquire(Duration.ZERO)) {
                byVirtual.set(lease.id());
            }
        });
        TestThreads.join(virtual);
        assertEquals(id, byVirtual.get());
        assertEquals(1, factory.creates.get());
    }

    @Test
    void idleCleanupAndHealthChecksReachCachedConnections() {
        ManualClock clock = new ManualClock();
        PoolConfig config = PoolConfig.builder().minSize(0).maxSize(2).idleTimeout(Duration.ofSeconds(300))
                .healthCheckInterval(Duration.ZERO).build();
        FairPool<TestConnection> pool = FairPool.start(config, factory, PoolListener.NONE, clock);
        pools.add(pool);
        Lease<TestConnection> one = pool.acquire();
        Lease<TestConnection> two = pool.acquire();
        one.close(); // cached for this thread
        two.close(); // cached in its place; the first goes onto the stack
        assertEquals(2, pool.stats().availableConnections());

        clock.advance(Duration.ofSeconds(300));
        pool.maintain(clock.nanoTime());
        PoolStats stats = pool.stats();
        assertEquals(0, stats.totalConnections(), "both idle past the timeout, the cached one too: " + stats);
        assertEquals(2, factory.destroys.get());
    }

    @Test
    void closeDestroysACachedConnection() {
        Pool<TestConnection> pool = pool(PoolConfig.builder().minSize(1).maxSize(1).build());
        TestConnection connection;
        try (Lease<TestConnection> lease = pool.acquire()) {
            connection = lease.connection();
        }
        pool.close();
        assertEquals(1, connection.destroyCalls.get());
        assertEquals(0, pool.stats().totalConnections());
    }
}
