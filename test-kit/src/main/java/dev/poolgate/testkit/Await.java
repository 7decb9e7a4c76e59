package dev.poolgate.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition by polling it until a deadline that fails the test, so that a test waits
 * exactly as long as the code under test needs and never sleeps a fixed time. Polls every
 * millisecond at first, then backs off to every 10 ms, so that a quick condition is seen at once and
 * a slow one (a scrape, an HTTP probe) is not hammered.
 */
public final class Await {

    /** How long {@link #until(String, BooleanSupplier)} waits. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final long FIRST_POLL_NANOS = Duration.ofMillis(1).toNanos();
    private static final long MAX_POLL_NANOS = Duration.ofMillis(10).toNanos();

    private Await() {
    }

    /** Polls until {@code condition} holds; fails naming {@code what} after {@link #DEFAULT_TIMEOUT}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_TIMEOUT, condition, () -> "");
    }

    /** As {@link #until(String, BooleanSupplier)}; the failure message shows {@code state}. */
    public static void until(String what, BooleanSupplier condition, Supplier<Object> state) {
        until(what, DEFAULT_TIMEOUT, condition, state);
    }

    /** Polls until {@code condition} holds; fails naming {@code what} when {@code timeout} passes first. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition, () -> "");
    }

    /** As {@link #until(String, Duration, BooleanSupplier)}; the failure message shows {@code state}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<Object> state) {
        Objects.requireNonNull(condition, "condition");
        awaitValue(what, timeout, condition::getAsBoolean, done -> done, state);
    }

    /**
     * Polls {@code probe} until {@code accepted} takes its value, and returns that value; fails with
     * the last value seen when {@code timeout} passes first.
     */
    public static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> accepted) {
        return awaitValue(what, timeout, probe, accepted, () -> "");
    }

    /** As {@link #until(String, Duration, Supplier, Predicate)}; the failure message shows {@code state}. */
    public static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> accepted,
            Supplier<Object> state) {
        return awaitValue(what, timeout, probe, accepted, state);
    }

    /** Checks that {@code condition} stays true for the whole of {@code period}, polling. */
    public static void holds(String what, Duration period, BooleanSupplier condition, Supplier<Object> state) {
        checkArguments(what, period, state);
        long end = System.nanoTime() + period.toNanos();
        long poll = FIRST_POLL_NANOS;
        while (System.nanoTime() - end < 0) {
            if (!condition.getAsBoolean()) {
                throw new AssertionError("Expected " + what + " for " + period.toMillis() + " ms, but it stopped: "
                        + state.get());
            }
            poll = pause(poll, what);
        }
    }

    private static <T> T awaitValue(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> accepted,
            Supplier<Object> state) {
        checkArguments(what, timeout, state);
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(accepted, "accepted");
        long deadline = System.nanoTime() + timeout.toNanos();
        long poll = FIRST_POLL_NANOS;
        while (true) {
            T value = probe.get();
            if (accepted.test(value)) {
                return value;
            }
            if (System.nanoTime() - deadline > 0) {
                Object shown = state.get();
                throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting until " + what
                        + (value instanceof Boolean ? "" : "; last value: " + value)
                        + (String.valueOf(shown).isEmpty() ? "" : "; state: " + shown));
            }
            poll = pause(poll, what);
        }
    }

    /** Parks for {@code poll} nanoseconds and returns the next, longer pause; an interrupt fails the wait. */
    private static long pause(long poll, String what) {
        LockSupport.parkNanos(poll);
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted (the test's timeout?) while waiting until " + what);
        }
        return Math.min(poll * 2, MAX_POLL_NANOS);
    }

    private static void checkArguments(String what, Duration timeout, Supplier<Object> state) {
        Objects.requireNonNull(what, "what: say what is awaited, for the failure message");
        Objects.requireNonNull(state, "state: pass () -> \"\" when there is nothing to show");
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be zero or positive, was " + timeout);
        }
    }
}
