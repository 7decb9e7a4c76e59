package dev.poolgate.httpkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The read deadlines on a manual clock: {@code sweep(now)} cuts off exactly the requests whose
 * deadline passed and not yet read, by interrupting their thread; a cut-off request cannot then be
 * declared read; a read one is never cut off.
 */
@Timeout(10)
class RequestReadDeadlinesTest {

    private static final Duration TIMEOUT = Duration.ofHours(1);
    private static final Executor THREAD_PER_TASK = task -> Thread.ofVirtual().start(task);

    @Test
    void onlyRequestsPastTheirDeadlineAndNotYetReadAreCutOff() throws Exception {
        try (RequestReadDeadlines deadlines = new RequestReadDeadlines(TIMEOUT, THREAD_PER_TASK, "test-read-deadlines")) {
            long before = System.nanoTime();
            CountDownLatch readOne = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<String> slow = new CompletableFuture<>();
            CompletableFuture<String> fast = new CompletableFuture<>();
            deadlines.execute(() -> slow.complete(waitFor(release)));
            deadlines.execute(() -> {
                try {
                    deadlines.requestRead();
                } catch (IOException e) {
                    fast.complete("cut off: " + e);
                    return;
                }
                readOne.countDown();
                fast.complete(waitFor(release));
            });
            assertTrue(readOne.await(5, TimeUnit.SECONDS));

            assertEquals(0, deadlines.sweep(before + TIMEOUT.toNanos() - 1), "nothing due yet");
            assertEquals(1, deadlines.sweep(System.nanoTime() + TIMEOUT.toNanos()), "the unread request is cut off");
            assertEquals("interrupted", slow.get(5, TimeUnit.SECONDS));
            assertEquals(0, deadlines.sweep(System.nanoTime() + 2 * TIMEOUT.toNanos()), "each one once");
            assertEquals(1, deadlines.cutOff());

            release.countDown();
            assertEquals("released", fast.get(5, TimeUnit.SECONDS), "a read request is never cut off");
        }
    }

    @Test
    void aRequestCutOffFirstCannotBeDeclaredRead() throws Exception {
        try (RequestReadDeadlines deadlines = new RequestReadDeadlines(TIMEOUT, THREAD_PER_TASK, "test-read-deadlines")) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch swept = new CountDownLatch(1);
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            deadlines.execute(() -> {
                running.countDown();
                try {
                    swept.await();
                } catch (InterruptedException e) {
                    // the cut-off's interrupt: go on and try to declare the request read
                }
                outcome.complete(assertThrows(InterruptedIOException.class, deadlines::requestRead));
            });
            assertTrue(running.await(5, TimeUnit.SECONDS));
            assertEquals(1, deadlines.sweep(System.nanoTime() + TIMEOUT.toNanos()));
            swept.countDown();
            assertTrue(outcome.get(5, TimeUnit.SECONDS).getMessage()
                    .contains("did not arrive in full within 3600000 ms"));
        }
    }

    @Test
    void theTimeoutMustBePositive() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RequestReadDeadlines(Duration.ZERO, THREAD_PER_TASK, "test-read-deadlines")).getMessage().contains("--request-read-timeout"));
    }

    private static String waitFor(CountDownLatch latch) {
        try {
            latch.await();
            return "released";
        } catch (InterruptedException e) {
            return "interrupted";
        }
    }
}
