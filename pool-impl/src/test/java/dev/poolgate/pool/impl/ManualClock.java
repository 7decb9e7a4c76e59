package dev.poolgate.pool.impl;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link PoolClock} that moves only when a test advances it. */
final class ManualClock implements PoolClock {

    private final Instant start = Instant.parse("2026-01-01T00:00:00Z");
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public Instant instant() {
        return start.plusNanos(nanos.get());
    }

    long advance(Duration duration) {
        return nanos.addAndGet(duration.toNanos());
    }
}
