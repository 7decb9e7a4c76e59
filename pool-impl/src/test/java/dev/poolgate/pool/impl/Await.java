package dev.poolgate.pool.impl;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition to become true, polling, with a deadline that fails the test. */
final class Await {

    private Await() {
    }

    static void until(String what, BooleanSupplier condition) {
        until(what, Duration.ofSeconds(10), condition, () -> "");
    }

    static void until(String what, BooleanSupplier condition, Supplier<Object> state) {
        until(what, Duration.ofSeconds(10), condition, state);
    }

    static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<Object> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("Timed out after " + timeout + " waiting until " + what + "; state: "
                        + state.get());
            }
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        }
    }
}
