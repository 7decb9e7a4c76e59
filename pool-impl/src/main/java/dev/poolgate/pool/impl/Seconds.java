package dev.poolgate.pool.impl;

import java.math.BigDecimal;
import java.time.Duration;

/** Durations as seconds in the pool's log sentences. */
final class Seconds {

    private Seconds() {
    }

    /** Plain seconds: {@code 300}, {@code 0.5}. */
    static String of(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros().toPlainString();
    }

    /** Seconds with at least one decimal, as in {@code "within 5.0s timeout"}: {@code 5.0}, {@code 0.25}. */
    static String withDecimal(Duration duration) {
        BigDecimal seconds = BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros();
        return seconds.scale() < 1 ? seconds.setScale(1).toPlainString() : seconds.toPlainString();
    }
}
