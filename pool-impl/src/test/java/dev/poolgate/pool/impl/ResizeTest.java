package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sizes and the acquire timeout changed while the pool runs: a higher maximum serves a waiter
 * at once, a lower one closes idle connections above it at once and busy ones when they come back,
 * a bad size changes nothing, and the invariants hold throughout.
 */
@Timeout(30)
class ResizeTest {

    private static PoolConfig config(int min, int max) {
        return PoolConfig.builder().name("resize").minSize(min).maxSize(max).acquireTimeout(Duration.ofSeconds(10))
                .build();
    }

    @Test
    void aHigherMaximumServesAWaiterAtOnce() throws Exception {
        TestFactory factory = new TestFactory();
        try (Pool<TestConnection> pool = Pool.create(config(0, 1), factory)) {
            Lease<TestConnection> held = pool.acquire();
            CompletableFuture<Lease<TestConnection>> waiter = CompletableFuture.supplyAsync(pool::acquire,
                    command -> Thread.ofVirtual().start(command));
            Await.until("the second caller waits", () -> pool.stats().waitingAcquirers() == 1);
            pool.resize(0, 2);
            Lease<TestConnection> served = waiter.get();
            assertEquals(2, pool.stats().totalConnections());
            assertEquals(2, pool.config().maxSize());
            served.close();
            held.close();
            assertEquals(2, pool.stats().availableConnections());
        }
    }

    @Test
    void aLowerMaximumClosesIdleConnectionsNowAndBusyOnesOnReturn() throws Exception {
        TestFactory factory = new TestFactory();
        try (Pool<TestConnection> pool = Pool.create(config(0, 4), factory)) {
            List<Lease<TestConnection>> leases = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                leases.add(pool.acquire());
            }
            leases.remove(0).close();
            leases.remove(0).close();
            assertEquals(2, pool.stats().availableConnections());
            pool.resize(0, 1);
            Await.until("the idle surplus is destroyed", () -> factory.destroys.get() == 2);
            assertEquals(2, pool.stats().totalConnections(), "two busy connections stay until they come back");
            assertEquals(0, pool.stats().availableConnections());
            leases.remove(0).close();
            Await.until("the busy surplus is destroyed on return", () -> factory.destroys.get() == 3);
            leases.remove(0).close();
            assertEquals(1, pool.stats().totalConnections());
            assertEquals(1, pool.stats().availableConnections(), "at the new maximum the last one stays");
            PoolStats stats = pool.stats();
            assertEquals(stats.connectionsCreated() - stats.connectionsDestroyed(), stats.totalConnections());
        }
    }

    @Test
    void aHigherMinimumIsFilledAtOnce() {
        TestFactory factory = new TestFactory();
        try (Pool<TestConnection> pool = Pool.create(config(0, 5), factory)) {
            pool.resize(3, 5);
            Await.until("the new minimum exists", () -> pool.stats().totalConnections() == 3);
        }
    }

    @Test
    void badSizesAreRefusedAndChangeNothing() {
        try (Pool<TestConnection> pool = Pool.create(config(1, 3), new TestFactory())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.resize(4, 2));
            assertTrue(e.getMessage().contains("minSize"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pool.resize(0, 0));
            assertEquals(1, pool.config().minSize());
            assertEquals(3, pool.config().maxSize());
        }
    }

    @Test
    void theAcquireTimeoutChangesForTheNextAcquire() {
        try (Pool<TestConnection> pool = Pool.create(config(0, 1), new TestFactory())) {
            Lease<TestConnection> held = pool.acquire();
            pool.acquireTimeout(Duration.ofMillis(50));
            assertEquals(Duration.ofMillis(50), pool.config().acquireTimeout());
            AcquireTimeoutException timedOut = assertThrows(AcquireTimeoutException.class, pool::acquire);
            assertEquals(Duration.ofMillis(50), timedOut.timeout());
            assertThrows(IllegalArgumentException.class, () -> pool.acquireTimeout(Duration.ZERO));
            held.close();
        }
    }
}
