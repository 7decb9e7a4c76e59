package dev.poolgate.pool;

import java.time.Duration;

/** Argument checks whose messages name the argument, the bad value and the fix. */
final class Arguments {

    /**
     * The longest duration a setting takes: 100 years. Beyond it the pool's arithmetic in
     * nanoseconds would overflow (about 292 years fit in a long), and nothing is meant by it.
     */
    static final Duration MAX_DURATION = Duration.ofDays(36_500);

    private Arguments() {
    }

    private static Duration requireAtMost(Duration value, String name) {
        if (value.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(name + " must be at most " + MAX_DURATION.toDays() + " days (100 years), "
                    + "but was " + value + "; pass a shorter duration");
        }
        return value;
    }

    static <V> V requireNonNull(V value, String name, String fix) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null; " + fix);
        }
        return value;
    }

    static Duration requirePositive(Duration value, String name) {
        requireNonNull(value, name, "pass a positive duration, e.g. Duration.ofSeconds(5)");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, but was " + value
                    + "; pass a positive duration, e.g. Duration.ofSeconds(5)");
        }
        return requireAtMost(value, name);
    }

    static Duration requireNotNegative(Duration value, String name, String zeroMeans) {
        requireNonNull(value, name, "pass Duration.ZERO for " + zeroMeans);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0 (0 for " + zeroMeans + "), but was "
                    + value);
        }
        return requireAtMost(value, name);
    }

    static int requireNotNegative(int value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, but was " + value);
        }
        return value;
    }
}
