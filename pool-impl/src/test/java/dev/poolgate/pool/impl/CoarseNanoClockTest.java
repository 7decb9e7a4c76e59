package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import org.junit.jupiter.api.Test;

/**
 * The coarse clock: never ahead of the real one, ticking while read often and parked when not. No
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

    /** Reads the clock as a very busy pool does: many times within a millisecond. */
    private static boolean readInABurst() {
        for (int i = 0; i < 100 * CoarseNanoClock.START_READS; i++) {
            CoarseNanoClock.nanoTime();
        }
        return CoarseNanoClock.ticking();
    }

    @Test
    void itTicksWhileReadOftenAndStopsWhenNobodyReadsThenStartsAgain() {
        Await.until("the ticker runs while the clock is read often", CoarseNanoClockTest::readInABurst);
        Await.until("the ticker parks once nobody reads", () -> !CoarseNanoClock.ticking());
        long before = System.nanoTime();
        long woken = CoarseNanoClock.nanoTime();
        assertTrue(woken - before >= 0, "while parked, a reading is a real one");
        Await.until("busy readers woke it again", CoarseNanoClockTest::readInABurst);
    }

    @Test
    void readingsFarApartNeverStartTheTicker() throws InterruptedException {
        Await.until("the ticker parks once nobody reads", () -> !CoarseNanoClock.ticking());
        // A reading every 2 ms, as a gateway's few thousand releases a second come nowhere near.
        for (int i = 0; i < 100; i++) {
            CoarseNanoClock.nanoTime();
            assertTrue(!CoarseNanoClock.ticking(), "a reading now and then is a real one; no ticker woken");
            Thread.sleep(2);
        }
    }
}
