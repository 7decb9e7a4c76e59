package dev.poolgate.bench.jmh;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor of an acquire+release cycle on one thread, by the memory operations it needs on one
 * uncontended word, in the units of {@link AcquireReleaseBenchmark} (cycles per millisecond), to
 * be run beside it:
 * <ul>
 *   <li>{@link #casThenCas}: a compare-and-set to claim, another to end the lease exactly once;
 *       poolgate's fast path needs both (docs/benchmarks.md);
 *   <li>{@link #casThenStoreAndFence}: the end as a plain release store followed by a full fence,
 *       the other way to order it before the read of the waiter count (a waiter joining at that
 *       moment is not missed);
 *   <li>{@link #casThenStore}: the end as a plain release store, with no fence: what a pool
 *       whose waiters do not wait for a release signal may do (Stormpot's thread-local claim).
 * </ul>
 * Each method also reads a second word, as the release's check for waiters does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AtomicCostBenchmark {

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(AtomicCostBenchmark.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state;
    private volatile int waiters;

    @Benchmark
    public int casThenCas() {
        boolean claimed = STATE.compareAndSet(this, 0, 1);
        boolean ended = STATE.compareAndSet(this, 1, 0);
        return (claimed && ended ? 1 : 0) + waiters;
    }

    @Benchmark
    public int casThenStoreAndFence() {
        boolean claimed = STATE.compareAndSet(this, 0, 1);
        STATE.setRelease(this, 0);
        VarHandle.fullFence();
        return (claimed ? 1 : 0) + waiters;
    }

    @Benchmark
    public int casThenStore() {
        boolean claimed = STATE.compareAndSet(this, 0, 1);
        STATE.setRelease(this, 0);
        return (claimed ? 1 : 0) + waiters;
    }
}
