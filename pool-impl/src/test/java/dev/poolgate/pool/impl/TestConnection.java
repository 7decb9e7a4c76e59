package dev.poolgate.pool.impl;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A fake connection that knows whether somebody holds it and whether it was destroyed. */
final class TestConnection {

    private static final AtomicInteger NUMBERS = new AtomicInteger();

    final int number = NUMBERS.incrementAndGet();
    /** Set by a test while it holds the connection: catches two holders at once. */
    final AtomicBoolean held = new AtomicBoolean();
    final AtomicInteger destroyCalls = new AtomicInteger();
    volatile boolean healthy = true;
    volatile boolean valid = true;

    /** Marks the connection held; fails if somebody else holds it. */
    void enter() {
        if (!held.compareAndSet(false, true)) {
            throw new AssertionError("connection #" + number + " handed to two holders at once");
        }
        if (destroyCalls.get() > 0) {
            throw new AssertionError("connection #" + number + " handed out after it was destroyed");
        }
    }

    void exit() {
        if (!held.compareAndSet(true, false)) {
            throw new AssertionError("connection #" + number + " left by a holder that did not hold it");
        }
    }

    @Override
    public String toString() {
        return "TestConnection#" + number;
    }
}
