package dev.poolgate.server.budget;

/**
 * The arithmetic of a per-minute token bucket, shared by both stores (the Redis scripts do the same
 * in Lua): it holds at most {@code capacity}, refills at {@code capacity} per minute, a request
 * needs one request token, and a request may start while its token buckets are above zero; the
 * tokens it used are charged afterwards and may take a bucket below zero, down to minus its
 * capacity, so that a large answer delays the next requests by at most two minutes.
 */
final class TokenBuckets {

    static final long MINUTE_MILLIS = 60_000;

    private TokenBuckets() {
    }

    static double refill(double level, long atMillis, long nowMillis, long capacity) {
        long elapsed = Math.max(0, nowMillis - atMillis);
        return Math.min(capacity, level + (double) elapsed * capacity / MINUTE_MILLIS);
    }

    /** Milliseconds until a bucket of {@code kind} at {@code level} admits a request; 0 when it does. */
    static long waitMillis(int kind, double level, long capacity) {
        if (kind == 0 ? level >= 1 : level > 0) {
            return 0;
        }
        double needed = kind == 0 ? 1 - level : -level;
        return Math.max(1, (long) Math.ceil(needed * MINUTE_MILLIS / capacity));
    }

    static double charged(double level, long cost, long capacity) {
        return Math.max(-capacity, level - cost);
    }

    static long remaining(double level) {
        return Math.max(0, (long) Math.floor(level));
    }

    static long resetMillis(double level, long capacity) {
        return (long) Math.ceil((capacity - level) * MINUTE_MILLIS / capacity);
    }
}
