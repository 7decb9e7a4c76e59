package dev.poolgate.server;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition by polling it with a deadline, so that tests wait exactly as long as the
 * server needs and never sleep a fixed time.
 */
final class Await {

    private static final long POLL_NANOS = Duration.ofMillis(10).toNanos();

    private Await() {
    }

    /** Polls until {@code condition} holds; fails naming {@code what} when {@code timeout} passes first. */
    static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * Polls {@code probe} until its value satisfies {@code accepted} and returns that value; fails with
     * the last value seen when {@code timeout} passes first.
     */
    static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> accepted) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.get();
            if (accepted.test(value)) {
                return value;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting for " + what
                        + "; last seen: " + value);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
