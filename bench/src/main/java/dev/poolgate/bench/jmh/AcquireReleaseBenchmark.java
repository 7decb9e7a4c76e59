package dev.poolgate.bench.jmh;

import dev.poolgate.bench.subject.BenchPool;
import dev.poolgate.bench.subject.Subject;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Acquire+release throughput of each subject, pool of 10, on 1, 8 and 64 platform threads (one
 * benchmark method per thread count), with three holds between acquire and release:
 * <ul>
 *   <li>{@code zero}: release at once, the pool's own cost only (the connection the caller uses
 *       goes to the {@link Blackhole}, not the pool's handle: see {@link BenchPool#connection});
 *   <li>{@code cpu}: {@value #CPU_TOKENS} tokens of {@link Blackhole#consumeCPU} (a few hundred ns);
 *   <li>{@code parked}: {@code LockSupport.parkNanos} of 20-100 µs at random, like a short I/O call.
 * </ul>
 * The defaults here keep a full run (81 forks) to about eight minutes on two cores; see the README
 * for the quick and the headline commands.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AcquireReleaseBenchmark {

    static final int POOL_SIZE = 10;
    static final int CPU_TOKENS = 100;
    static final long PARK_MIN_NANOS = 20_000;
    static final long PARK_MAX_NANOS = 100_000;
    /**
     * Far beyond any fair wait here (64 threads x 100 µs holds / 10 objects is under 1 ms); an
     * acquire that still times out is counted in {@link Timeouts}, not failed: an unfair pool
     * may starve a platform thread for longer than a run (Stormpot does at 64 threads).
     */
    static final Duration TIMEOUT = Duration.ofSeconds(1);

    @Param({"poolgate", "commons-pool2", "commons-pool2-fair", "hikari-datasource", "hikari-concurrentbag",
            "stormpot", "stormpot-vt-tap", "vibur", "baseline-lock"})
    public String subject;

    @Param({"zero", "cpu", "parked"})
    public String hold;

    private BenchPool pool;
    private int holdKind;

    /** Acquires that timed out, reported by JMH as the secondary metric {@code timeouts}. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Timeouts {
        public long timeouts;
    }

    @Setup(Level.Trial)
    public void open() {
        holdKind = switch (hold) {
            case "zero" -> 0;
            case "cpu" -> 1;
            case "parked" -> 2;
            default -> throw new IllegalArgumentException("hold must be zero, cpu or parked, but was " + hold);
        };
        pool = Subject.byName(subject).open(POOL_SIZE, TIMEOUT);
    }

    @TearDown(Level.Trial)
    public void close() {
        pool.close();
    }

    @Benchmark
    @Threads(1)
    public void threads1(Blackhole blackhole, Timeouts timeouts) throws InterruptedException {
        cycle(blackhole, timeouts);
    }

    @Benchmark
    @Threads(8)
    public void threads8(Blackhole blackhole, Timeouts timeouts) throws InterruptedException {
        cycle(blackhole, timeouts);
    }

    @Benchmark
    @Threads(64)
    public void threads64(Blackhole blackhole, Timeouts timeouts) throws InterruptedException {
        cycle(blackhole, timeouts);
    }

    private void cycle(Blackhole blackhole, Timeouts timeouts) throws InterruptedException {
        Object handle = pool.acquire();
        if (handle == null) {
            timeouts.timeouts++;
            return;
        }
        try {
            switch (holdKind) {
                case 0 -> blackhole.consume(pool.connection(handle));
                case 1 -> Blackhole.consumeCPU(CPU_TOKENS);
                default -> LockSupport.parkNanos(
                        ThreadLocalRandom.current().nextLong(PARK_MIN_NANOS, PARK_MAX_NANOS + 1));
            }
        } finally {
            pool.release(handle);
        }
    }
}
