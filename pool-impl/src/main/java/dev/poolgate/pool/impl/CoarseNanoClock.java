package dev.poolgate.pool.impl;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link System#nanoTime()} to within about a millisecond, for the one reading every release makes
 * (the connection's last-use time, which idle timeouts and {@code Lease.lastUsedAt()} need at
 * that precision only). A real reading costs about 25 ns on a virtual machine's clock, half of a
 * whole acquire and release on the fast path; this one is a volatile read.
 *
 * <p>One daemon platform thread per JVM ({@value #THREAD_NAME}) refreshes the value every
 * millisecond, but only while the clock is read often enough to pay for that: a thousand wake-ups
 * a second of a thread cost more than the real readings they save below some hundred thousand
 * readings a second (a gateway at a few thousand requests a second would lose by it,
 * docs/performance.md). So readers read the real clock and count their readings per millisecond
 * (racy counts, roughly right, which is enough); once {@value #START_READS} come within one
 * millisecond, a reader wakes the ticker. It parks again after a tick in which nobody read the
 * clock, and every {@value #SAMPLE_TICKS} ticks, so that the readers count again whether it is
 * still worth it. So an idle or a moderately busy process pays nothing, and a very busy one a
 * thousand short wake-ups a second. A reading is never ahead of the real clock, and at most one
 * tick (plus the ticker's scheduling delay on a loaded machine) behind it. Two readings may come
 * out of order by as much: one taken as the ticker wakes may be real, the next the ticker's a
 * moment older. Nothing that uses them needs more (an idle time, a last-use instant); keeping
 * them in order would need a shared compare-and-set on every reading.
 */
final class CoarseNanoClock {

    static final String THREAD_NAME = "poolgate-clock";
    private static final long TICK_NANOS = 1_000_000;
    /** Readings within one tick's time that start the ticker. */
    static final int START_READS = 256;
    /** Ticks after which the ticker parks, for the readers to count again. */
    static final int SAMPLE_TICKS = 100;

    /** When the readers' current count began (real clock), and the readings counted since; racy. */
    private static long windowStart;
    private static int windowReads;

    /** The last tick's reading of the real clock. */
    private static volatile long now;
    /** The ticker refreshes {@link #now}; while false, readers read the real clock. */
    private static volatile boolean ticking;
    /** Someone read {@link #now} since the last tick: keep ticking. */
    private static volatile boolean read;
    /** A reader is waking the ticker (so that only one unparks it). */
    private static final AtomicBoolean waking = new AtomicBoolean();
    /** The ticker, started by the first reader; guarded by {@link #waking} while null. */
    private static volatile Thread ticker;

    private CoarseNanoClock() {
    }

    /** The time on the {@link System#nanoTime()} scale, to within about a millisecond. */
    static long nanoTime() {
        if (ticking) {
            if (!read) {
                read = true;
            }
            return now;
        }
        long real = System.nanoTime();
        if (busy(real)) {
            wake();
        }
        return real;
    }

    /** Counts a real reading; true once {@link #START_READS} came within one tick's time. */
    private static boolean busy(long real) {
        if (real - windowStart > TICK_NANOS) {
            windowStart = real;
            windowReads = 1;
            return false;
        }
        return ++windowReads >= START_READS;
    }

    /** Whether the ticker is refreshing the value now (for tests). */
    static boolean ticking() {
        return ticking;
    }

    private static void wake() {
        if (!waking.compareAndSet(false, true)) {
            return; // another reader is waking it
        }
        Thread thread = ticker;
        if (thread == null) {
            thread = Thread.ofPlatform().name(THREAD_NAME).daemon().unstarted(CoarseNanoClock::tick);
            ticker = thread;
            thread.start();
        } else {
            LockSupport.unpark(thread);
        }
    }

    private static void tick() {
        while (true) {
            read = true; // the reader that woke it counts as one
            for (int ticks = 0; read && ticks < SAMPLE_TICKS; ticks++) {
                read = false;
                now = System.nanoTime();
                ticking = true;
                LockSupport.parkNanos(TICK_NANOS);
            }
            // A whole tick without a reader, or time to count again: stop. A reader that saw
            // ticking a moment ago got a value at most one tick old; the next ones read the real
            // clock and wake this thread once they are many enough.
            ticking = false;
            // Only now may readers wake it again. Cleared at the start instead, a reader's wake
            // meant for the start could land during the ticks and restart it once nobody reads.
            // A wake lost between these two lines costs nothing: readers then read the real clock,
            // and the next busy one wakes it.
            waking.set(false);
            while (!waking.get()) {
                LockSupport.park();
            }
        }
    }
}
