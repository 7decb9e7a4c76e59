package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.Await;
import java.util.concurrent.locks.LockSupport;
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
        // While parked, a reading is a real one: never older than a real reading taken just before.
        // Asked again until it holds once with the ticker parked throughout, since other tests'
        // pools in this JVM may wake the ticker meanwhile; a stale reading would fail every time.
        Await.until("a reading while the ticker is parked is a real one", () -> {
            if (CoarseNanoClock.ticking()) {
                return false;
            }
            long before = System.nanoTime();
            long reading = CoarseNanoClock.nanoTime();
            return reading - before >= 0 && !CoarseNanoClock.ticking();
        });
        Await.until("busy readers woke it again", CoarseNanoClockTest::readInABurst);
    }

    @Test
    void readingsFarApartNeverStartTheTicker() {
        // Twenty readings 2 ms apart (far fewer than a gateway's few thousand a second) with the
        // ticker parked throughout. Asked again if other tests' pools in this JVM wake it
        // meanwhile; were every reading to wake it, as before, this would fail every time.
        Await.until("twenty readings far apart, the ticker parked throughout", () -> {
            for (int i = 0; i < 20; i++) {
                if (CoarseNanoClock.ticking()) {
                    return false;
                }
                CoarseNanoClock.nanoTime();
                LockSupport.parkNanos(2_000_000); // spacing the readings, not waiting for anything
            }
            return !CoarseNanoClock.ticking();
        });
    }
}
