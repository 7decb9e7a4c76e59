package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.testkit.Await;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Growth creates one connection per waiter, never one more, whatever the timing. */
@Timeout(30)
class GrowthTest {

    /**
     * A new connection is announced (its Created event) between two lock sections, before it is
     * handed to its waiter. A second waiter arriving in that gap needs one more connection, not
     * two: the one being announced is already its predecessor's.
     */
    @Test
    void aWaiterArrivingWhileANewConnectionIsAnnouncedGetsExactlyOneMoreCreation() throws Exception {
        CountDownLatch announcing = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        PoolListener slowAnnouncement = event -> {
            if (event instanceof PoolEvent.Created && first.getAndSet(false)) {
                announcing.countDown();
                try {
                    assertTrue(letGo.await(20, TimeUnit.SECONDS), "the test never let the announcement go");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        TestFactory factory = new TestFactory();
        Pool<TestConnection> pool = Pool.create(PoolConfig.builder().minSize(0).maxSize(10).build(), factory,
                slowAnnouncement);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<Lease<TestConnection>> firstWaiter = CompletableFuture.supplyAsync(pool::acquire,
                    threads);
            assertTrue(announcing.await(20, TimeUnit.SECONDS), "the first creation was never announced");
            CompletableFuture<Lease<TestConnection>> secondWaiter = CompletableFuture.supplyAsync(pool::acquire,
                    threads);
            // The second caller queues and reserves its creation at once; that creation is not held up.
            Await.until("the second caller's creation", () -> factory.creates.get() >= 2);
            letGo.countDown();
            firstWaiter.get(20, TimeUnit.SECONDS).close();
            secondWaiter.get(20, TimeUnit.SECONDS).close();
        } finally {
            letGo.countDown();
            pool.close(); // waits for every creation under way
        }
        assertEquals(2, factory.creates.get(), "one creation per waiter");
    }
}
