package dev.poolgate.pool;

import java.time.Duration;

/** Argument checks whose messages name the argument, the bad value and the fix. */
final class Arguments {

    private Arguments() {
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
        return value;
    }

    static Duration requireNotNegative(Duration value, String name, String zeroMeans) {
        requireNonNull(value, name, "pass Duration.ZERO for " + zeroMeans);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0 (0 for " + zeroMeans + "), but was "
                    + value);
        }
        return value;
    }

    static int requireNotNegative(int value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, but was " + value);
        }
        return value;
    }
}
