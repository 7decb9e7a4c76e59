package dev.poolgate.server.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every budget store promises, held against the in-process one and against Redis. Two store
 * objects over one budget ({@link #first}, {@link #second}) play two gateway instances: permits are
 * never more than the maximum over both, served in order of arrival across both, and come back
 * when their holder stops renewing them.
 */
@Timeout(60)
abstract class BudgetStoreContract {

    static final long LONG_TTL = 60_000;

    BudgetStore first;
    BudgetStore second;

    /** Two stores over one fresh budget. */
    abstract BudgetStore[] open() throws Exception;

    /** Lets {@code millis} pass for the store's lapses and refills (a fake clock, or real time). */
    abstract void pass(long millis);

    @BeforeEach
    void openStores() throws Exception {
        BudgetStore[] stores = open();
        first = stores[0];
        second = stores[1];
    }

    @AfterEach
    void closeStores() {
        first.close();
        second.close();
    }

    static long in(Duration duration) {
        return System.nanoTime() + duration.toNanos();
    }

    @Test
    void permitsNeverExceedTheMaximumOverBothInstances() throws Exception {
        int max = 3;
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger served = new AtomicInteger();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> tasks = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                BudgetStore store = i % 2 == 0 ? first : second;
                String id = "request-" + i;
                tasks.add(threads.submit(() -> {
                    assertTrue(store.acquire(id, max, LONG_TTL, in(Duration.ofSeconds(30))), id + " got no permit");
                    int now = holding.incrementAndGet();
                    peak.accumulateAndGet(now, Math::max);
                    assertTrue(store.held() <= max, "held above the maximum");
                    holding.decrementAndGet();
                    store.release(id);
                    served.incrementAndGet();
                    return null;
                }));
            }
            for (Future<?> task : tasks) {
                task.get();
            }
        }
        assertEquals(60, served.get());
        assertTrue(peak.get() <= max, "peak " + peak.get());
        assertEquals(0, first.held());
        assertEquals(0, first.waiting());
    }

    @Test
    void waitersAreServedInOrderOfArrivalAcrossInstances() throws Exception {
        assertTrue(first.acquire("holder", 1, LONG_TTL, in(Duration.ofSeconds(5))));
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> waiters = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                BudgetStore store = i % 2 == 0 ? first : second;
                String id = "waiter-" + i;
                waiters.add(threads.submit(() -> {
                    assertTrue(store.acquire(id, 1, LONG_TTL, in(Duration.ofSeconds(30))), id + " got no permit");
                    order.add(id);
                    store.release(id);
                    return null;
                }));
                int expected = i;
                Await.until(id + " is in line", () -> first.waiting() == expected);
            }
            first.release("holder");
            for (Future<?> waiter : waiters) {
                waiter.get();
            }
        }
        assertEquals(List.of("waiter-1", "waiter-2", "waiter-3", "waiter-4", "waiter-5"), order);
    }

    @Test
    void aWaiterWhoseDeadlinePassesLeavesTheLine() throws Exception {
        assertTrue(first.acquire("holder", 1, LONG_TTL, in(Duration.ofSeconds(5))));
        assertFalse(second.acquire("late", 1, LONG_TTL, in(Duration.ofMillis(50))));
        assertEquals(0, first.waiting());
        first.release("holder");
        assertTrue(second.acquire("next", 1, LONG_TTL, in(Duration.ofSeconds(5))), "the line is not blocked");
    }

    @Test
    void anInterruptedWaiterLeavesTheLineAndKeepsItsFlag() throws Exception {
        assertTrue(first.acquire("holder", 1, LONG_TTL, in(Duration.ofSeconds(5))));
        CompletableFuture<Boolean> flag = new CompletableFuture<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                second.acquire("interrupted", 1, LONG_TTL, in(Duration.ofSeconds(30)));
                flag.complete(false);
            } catch (InterruptedException e) {
                flag.complete(true);
            }
        });
        Await.until("the waiter is in line", () -> first.waiting() == 1);
        waiter.interrupt();
        assertTrue(flag.get(10, TimeUnit.SECONDS), "acquire threw InterruptedException");
        Await.until("the line is empty", () -> first.waiting() == 0);
        assertEquals(1, first.held());
    }

    @Test
    void aPermitNotRenewedComesBackAfterItsTimeToLive() throws Exception {
        assertTrue(first.acquire("crashed", 1, 300, in(Duration.ofSeconds(5))));
        assertEquals(1, second.held());
        pass(400);
        Await.until("the lapsed permit is free", () -> second.held() == 0);
        assertTrue(second.acquire("next", 1, LONG_TTL, in(Duration.ofSeconds(5))));
    }

    @Test
    void aRenewedPermitOutlivesItsFirstTimeToLive() throws Exception {
        assertTrue(first.acquire("busy", 1, 1_000, in(Duration.ofSeconds(5))));
        for (int i = 0; i < 6; i++) {
            pass(300);
            first.renew(List.of("busy", "unknown"), 1_000);
        }
        assertEquals(1, second.held(), "1.8 s after it was taken, renewed every 0.3 s");
        first.release("busy");
        assertEquals(0, second.held());
    }

    @Test
    void aRequestBudgetAdmitsItsCapacityThenSaysHowLongToWait() {
        Rates rates = new Rates(3, 0, 0);
        for (int i = 0; i < 3; i++) {
            Verdict verdict = (i % 2 == 0 ? first : second).admit("client-a", rates);
            assertTrue(verdict.admitted(), "request " + (i + 1));
            assertEquals(2 - i, verdict.remaining()[0]);
        }
        Verdict refused = second.admit("client-a", rates);
        assertFalse(refused.admitted());
        assertEquals(0, refused.shortBudget());
        assertTrue(refused.waitMillis() > 0 && refused.waitMillis() <= 20_000, "one request refills in 20 s: "
                + refused.waitMillis());
        assertTrue(first.admit("client-b", rates).admitted(), "another scope has its own budget");
    }

    @Test
    void tokensChargedAfterAnAnswerHoldTheNextRequestsBack() {
        Rates rates = new Rates(0, 100, 1_000);
        assertTrue(first.admit("upstream", rates).admitted(), "a full bucket admits");
        second.charge("upstream", rates, 150, 10);
        Verdict refused = first.admit("upstream", rates);
        assertFalse(refused.admitted());
        assertEquals(1, refused.shortBudget(), "input tokens are short");
        assertTrue(refused.waitMillis() > 25_000 && refused.waitMillis() <= 30_000,
                "50 tokens below zero refill in 30 s at 100 per minute: " + refused.waitMillis());
        assertEquals(0, refused.remaining()[1]);
        assertEquals(-1, refused.remaining()[0], "no request budget");
    }

    @Test
    void aChargeNeverTakesABucketBelowMinusItsCapacity() {
        Rates rates = new Rates(0, 60, 0);
        first.charge("upstream", rates, 1_000_000, 0);
        Verdict refused = second.admit("upstream", rates);
        assertTrue(refused.waitMillis() <= 60_000, "at most a minute to refill from -60: " + refused.waitMillis());
    }

    @Test
    void releasingUnknownOrLapsedPermitsChangesNothing() throws Exception {
        first.release("never-taken");
        assertEquals(0, first.held());
        assertTrue(first.acquire("one", 2, LONG_TTL, in(Duration.ofSeconds(5))));
        second.release("one");
        second.release("one");
        assertEquals(0, first.held());
        assertTrue(first.acquire("two", 1, LONG_TTL, in(Duration.ofSeconds(5))));
        assertEquals(1, second.held());
    }

    @Test
    void anAcquireWithADeadlineInThePastTakesAFreePermitOrReturnsAtOnce() throws Exception {
        assertTrue(first.acquire("free", 1, LONG_TTL, System.nanoTime() - 1), "a free permit needs no wait");
        assertFalse(second.acquire("none", 1, LONG_TTL, System.nanoTime() - 1));
        assertEquals(0, first.waiting());
    }
}
