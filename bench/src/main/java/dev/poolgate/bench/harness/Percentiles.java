package dev.poolgate.bench.harness;

import java.util.Arrays;

/**
 * Exact percentiles of a sorted array of nanosecond samples. A run keeps every sample (a few
 * million longs at most), so no histogram is needed.
 */
record Percentiles(long count, long p50, long p99, long p999, long max) {

    static final Percentiles NONE = new Percentiles(0, 0, 0, 0, 0);

    static Percentiles of(long[] samples) {
        if (samples.length == 0) {
            return NONE;
        }
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new Percentiles(sorted.length, at(sorted, 0.50), at(sorted, 0.99), at(sorted, 0.999),
                sorted[sorted.length - 1]);
    }

    /** The nearest-rank percentile: the smallest sample with at least {@code fraction} of all at or below it. */
    private static long at(long[] sorted, double fraction) {
        int rank = (int) Math.ceil(fraction * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
