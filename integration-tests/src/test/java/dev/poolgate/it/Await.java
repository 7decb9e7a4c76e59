package dev.poolgate.it;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Waits for a condition by polling until a deadline that fails the test; never a fixed sleep. */
final class Await {

    private static final long POLL_NANOS = Duration.ofMillis(10).toNanos();

    private Await() {
    }

    static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition::getAsBoolean, done -> done, () -> "");
    }

    /**
     * Polls {@code probe} until {@code done} accepts its value, and returns that value.
     *
     * @param state what the failure message shows of the state at the deadline
     */
    static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<T> done, Supplier<Object> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.get();
            if (done.test(value)) {
                return value;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting until " + what
                        + "; last value: " + value + ". " + state.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted (the test's timeout?) while waiting until " + what);
            }
        }
    }

    /** Checks that {@code condition} stays true for the whole of {@code period}, polling. */
    static void holds(String what, Duration period, BooleanSupplier condition, Supplier<Object> state) {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() - end < 0) {
            if (!condition.getAsBoolean()) {
                throw new AssertionError("Expected " + what + " for " + period.toMillis() + " ms, but it stopped: "
                        + state.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted (the test's timeout?) while checking " + what);
            }
        }
    }
}
