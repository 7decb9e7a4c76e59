package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import org.junit.jupiter.api.Test;

/**
 * The coarse clock: never ahead of the real one, ticking while read and parked when not. No
 * assertion bounds how far behind it is, or how far two readings may be out of order: both depend
 * on the machine's load.
 */
class CoarseNanoClockTest {

    @Test
    void readingsAreNeverAheadOfTheRealClock() {
        for (int i = 0; i < 200_000; i++) {
            long coarse = CoarseNanoClock.nanoTime();
            long real = System.nanoTime();
            assertTrue(coarse - real <= 0, "a coarse reading ahead of the real clock by " + (coarse - real) + " ns");
        }
    }

    @Test
    void itTicksWhileReadAndStopsWhenNobodyReadsThenStartsAgain() {
        Await.until("the ticker runs while the clock is read", () -> {
            CoarseNanoClock.nanoTime();
            return CoarseNanoClock.ticking();
        });
        Await.until("the ticker parks once nobody reads", () -> !CoarseNanoClock.ticking());
        long before = System.nanoTime();
        long woken = CoarseNanoClock.nanoTime();
        assertTrue(woken - before >= 0, "while parked, a reading is a real one");
        Await.until("the next reader woke it", () -> {
            CoarseNanoClock.nanoTime();
            return CoarseNanoClock.ticking();
        });
    }
}
