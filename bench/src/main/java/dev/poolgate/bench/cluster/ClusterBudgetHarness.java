package dev.poolgate.bench.cluster;

import dev.poolgate.server.budget.BudgetSettings;
import dev.poolgate.server.budget.Rates;
import dev.poolgate.server.budget.UpstreamBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What cluster mode costs and how fairly it shares, against a running redis-server:
 *
 * <ol>
 *   <li><b>Overhead</b>: one request's admission and release (a permit taken and given back, and a
 *       request-budget check) with nobody waiting, as {@code --cluster-max-in-flight} with Redis
 *       adds it to every upstream request; median and p99 over many rounds, beside the same on the
 *       in-process budget.
 *   <li><b>Fairness</b>: two instances ({@link UpstreamBudget}s on one Redis, as two gateways are)
 *       with unequal demand (A has 3x B's callers) saturate a limit of 4 permits, each request
 *       holding its permit 5 ms; reports requests served per caller at each instance, Jain's index
 *       over all callers (1.0: every caller served alike, whichever instance it used), and the p99
 *       wait at each instance.
 * </ol>
 *
 * <p>{@code java -cp bench/target/benchmarks.jar dev.poolgate.bench.cluster.ClusterBudgetHarness
 * [redis-url] [seconds] [rounds]}.
 */
public final class ClusterBudgetHarness {

    private ClusterBudgetHarness() {
    }

    private static BudgetSettings settings(String redis, int max) {
        return new BudgetSettings(redis, max, Duration.ofSeconds(30), new Rates(1_000_000_000, 0, 0), true);
    }

    static long[] overhead(String redis, int calls) throws InterruptedException {
        long[] nanos = new long[calls];
        try (UpstreamBudget budget = UpstreamBudget.create(settings(redis, 1_000), "bench-" + UUID.randomUUID())) {
            for (int i = 0; i < 2_000; i++) {
                budget.admit(Duration.ofSeconds(5)).close();
            }
            for (int i = 0; i < calls; i++) {
                long start = System.nanoTime();
                budget.admit(Duration.ofSeconds(5)).close();
                nanos[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(nanos);
        return nanos;
    }

    record Share(int served, long[] waits) {
    }

    static void fairness(String redis, Duration duration) throws Exception {
        String namespace = "bench-" + UUID.randomUUID();
        int[] callers = {24, 8};
        try (UpstreamBudget a = UpstreamBudget.create(settings(redis, 4), namespace);
             UpstreamBudget b = UpstreamBudget.create(settings(redis, 4), namespace);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            UpstreamBudget[] instances = {a, b};
            long end = System.nanoTime() + duration.toNanos();
            List<List<Future<Share>>> results = List.of(new ArrayList<>(), new ArrayList<>());
            for (int instance = 0; instance < 2; instance++) {
                UpstreamBudget budget = instances[instance];
                for (int c = 0; c < callers[instance]; c++) {
                    results.get(instance).add(threads.submit(() -> {
                        long[] waits = new long[100_000];
                        int served = 0;
                        while (System.nanoTime() < end && served < waits.length) {
                            long start = System.nanoTime();
                            try (UpstreamBudget.Admission admission = budget.admit(Duration.ofSeconds(30))) {
                                waits[served++] = System.nanoTime() - start;
                                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                            }
                        }
                        return new Share(served, Arrays.copyOf(waits, served));
                    }));
                }
            }
            double sum = 0;
            double squares = 0;
            int n = 0;
            for (int instance = 0; instance < 2; instance++) {
                List<Long> waits = new ArrayList<>();
                int served = 0;
                for (Future<Share> result : results.get(instance)) {
                    Share share = result.get();
                    served += share.served();
                    sum += share.served();
                    squares += (double) share.served() * share.served();
                    n++;
                    for (long wait : share.waits()) {
                        waits.add(wait);
                    }
                }
                waits.sort(null);
                System.out.printf("  instance %s: %2d callers, %5d served, %.1f per caller, wait p50 %.1f ms, "
                        + "p99 %.1f ms%n", instance == 0 ? "A" : "B", callers[instance], served,
                        (double) served / callers[instance], waits.get(waits.size() / 2) / 1e6,
                        waits.get((int) (waits.size() * 0.99)) / 1e6);
            }
            System.out.printf("  Jain's index over all %d callers: %.3f%n", n, sum * sum / (n * squares));
        }
    }

    public static void main(String[] args) throws Exception {
        String redis = args.length > 0 ? args[0] : "redis://127.0.0.1:6379";
        Duration duration = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 10);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        for (int round = 1; round <= rounds; round++) {
            System.out.println("round " + round);
            long[] redisNanos = overhead(redis, 5_000);
            long[] localNanos = overhead(null, 5_000);
            System.out.printf("  admission + release, nobody waiting: Redis p50 %.0f us, p99 %.0f us; "
                    + "in-process p50 %.1f us, p99 %.1f us%n", redisNanos[redisNanos.length / 2] / 1e3,
                    redisNanos[(int) (redisNanos.length * 0.99)] / 1e3, localNanos[localNanos.length / 2] / 1e3,
                    localNanos[(int) (localNanos.length * 0.99)] / 1e3);
            fairness(redis, duration);
        }
    }
}
