package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A test's own virtual threads: what one throws is kept and fails the test in
 * {@link #assertNoneFailed()}, which the test calls after each test method.
 */
final class TestThreads {

    /** Work for a test thread; what it throws fails the test. */
    interface Body {
        void run() throws Exception;
    }

    private final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

    Thread start(String name, Body body) {
        return Thread.ofVirtual().name(name).start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failures.add(e);
            }
        });
    }

    void assertNoneFailed() {
        Throwable first = failures.peek();
        if (first != null) {
            throw new AssertionError(failures.size() + " test thread(s) failed; the first:", first);
        }
    }

    static void join(Thread thread) throws InterruptedException {
        assertTrue(thread.join(Duration.ofSeconds(30)), () -> thread + " did not finish");
    }

    static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread thread : threads) {
            join(thread);
        }
    }

    static void await(CountDownLatch latch) throws InterruptedException {
        if (!latch.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the test never opened the latch");
        }
    }
}
