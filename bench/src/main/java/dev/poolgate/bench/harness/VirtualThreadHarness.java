package dev.poolgate.bench.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.poolgate.bench.subject.Subject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Drives every subject with virtual threads, side by side in one run: saturated runs at each thread
 * count (throughput, acquire wait percentiles, Jain's index, timeouts), then the timeout overshoot
 * on an exhausted pool. Round after round, each round starting with the next subject, so that
 * drift on a noisy machine spreads over all of them; the summary gives the median and the range.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar dev.poolgate.bench.harness.VirtualThreadHarness [--quick]}
 * writes {@code bench/results/vthreads[-quick].json} and {@code .csv}; see {@link Settings#parse}.
 */
public final class VirtualThreadHarness {

    /** What one run measured. */
    public record Report(Map<String, Object> machine, Settings settings, List<Saturation.Result> saturations,
            List<Overshoot.Result> overshoots) {
    }

    private VirtualThreadHarness() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        Report report = run(settings, System.out);
        print(report, System.out);
        if (settings.output() != null) {
            write(report, settings.output());
            System.out.println("Wrote " + settings.output().resolve(settings.label() + ".json") + " and .csv");
        }
    }

    public static Report run(Settings settings, PrintStream progress) throws InterruptedException {
        Map<String, Object> machine = Machine.describe();
        progress.println("# " + Machine.oneLine(machine));
        List<Saturation.Result> saturations = new ArrayList<>();
        List<Overshoot.Result> overshoots = new ArrayList<>();
        if (!settings.threadCounts().isEmpty()) {
            // Not measured: the JDK's own virtual-thread machinery (scheduler, timers, parking) is
            // compiled on the plain lock first, so that the first subject of the JVM does not pay
            // for it alone, as the overshoot's unmeasured first pass does for its part.
            progress.println("# warming up the JDK's virtual-thread machinery on the plain lock (not measured)");
            for (int threads : settings.threadCounts()) {
                Saturation.run(Subject.BASELINE_LOCK, threads, 0, settings);
            }
        }
        for (int round = 1; round <= settings.rounds(); round++) {
            for (Subject subject : settings.orderOfRound(round - 1)) {
                for (int threads : settings.threadCounts()) {
                    // Each run starts on a collected heap: a collection of the previous run's
                    // garbage (and its pause, long with thousands of virtual threads' stacks to
                    // scan) does not land in this subject's window.
                    System.gc();
                    Saturation.Result result = Saturation.run(subject, threads, round, settings);
                    saturations.add(result);
                    progress.printf(Locale.ROOT, "round %d %-21s %6d threads %,10.0f ops/s jain %.3f p99.9 %s%n",
                            round, subject.id(), threads, result.throughput(), result.jain(),
                            millis(result.waits().p999()));
                }
                overshoots.add(Overshoot.run(subject, round, settings));
            }
        }
        return new Report(machine, settings, saturations, overshoots);
    }

    // ------------------------------------------------------------------ summary

    /** The median over rounds of one subject at one thread count, with the range of throughput and Jain's index. */
    record Summary(String subject, int threads, double throughput, double throughputMin, double throughputMax,
            double jain, double jainMin, double jainMax, long timeouts, int starved, long p50, long p99, long p999,
            long max) {
    }

    /**
     * The median over rounds of one subject's overshoot figures, with the range of the rounds' p99
     * and how many rounds had a p99 over 1 ms; max is the largest of all rounds.
     */
    record OvershootSummary(String subject, long timeoutMillis, int attempts, int granted, long p50, long p99,
            long p99Min, long p99Max, int roundsP99Over1ms, int rounds, long max) {
    }

    static List<Summary> summarize(Report report) {
        List<Summary> summaries = new ArrayList<>();
        for (Subject subject : report.settings().subjects()) {
            for (int threads : report.settings().threadCounts()) {
                List<Saturation.Result> runs = report.saturations().stream()
                        .filter(r -> r.subject().equals(subject.id()) && r.threads() == threads).toList();
                summaries.add(new Summary(subject.id(), threads,
                        median(runs, Saturation.Result::throughput), min(runs, Saturation.Result::throughput),
                        max(runs, Saturation.Result::throughput),
                        median(runs, Saturation.Result::jain), min(runs, Saturation.Result::jain),
                        max(runs, Saturation.Result::jain),
                        runs.stream().mapToLong(Saturation.Result::timeouts).sum(),
                        runs.stream().mapToInt(Saturation.Result::starved).max().orElse(0),
                        (long) median(runs, r -> r.waits().p50()), (long) median(runs, r -> r.waits().p99()),
                        (long) median(runs, r -> r.waits().p999()), (long) max(runs, r -> r.waits().max())));
            }
        }
        return summaries;
    }

    static List<OvershootSummary> summarizeOvershoot(Report report) {
        List<OvershootSummary> summaries = new ArrayList<>();
        for (Subject subject : report.settings().subjects()) {
            List<Overshoot.Result> runs = report.overshoots().stream()
                    .filter(r -> r.subject().equals(subject.id())).toList();
            summaries.add(new OvershootSummary(subject.id(), runs.getFirst().timeout().toMillis(),
                    runs.stream().mapToInt(Overshoot.Result::attempts).sum(),
                    runs.stream().mapToInt(Overshoot.Result::granted).sum(),
                    (long) median(runs, r -> r.lateness().p50()), (long) median(runs, r -> r.lateness().p99()),
                    (long) min(runs, r -> r.lateness().p99()), (long) max(runs, r -> r.lateness().p99()),
                    (int) runs.stream().filter(r -> r.lateness().p99() > TimeUnit.MILLISECONDS.toNanos(1)).count(), runs.size(),
                    (long) max(runs, r -> r.lateness().max())));
        }
        return summaries;
    }

    private static <R> double median(List<R> runs, ToDoubleFunction<R> figure) {
        double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static <R> double min(List<R> runs, ToDoubleFunction<R> figure) {
        return runs.stream().mapToDouble(figure).min().orElse(0);
    }

    private static <R> double max(List<R> runs, ToDoubleFunction<R> figure) {
        return runs.stream().mapToDouble(figure).max().orElse(0);
    }

    // ------------------------------------------------------------------ output

    static void print(Report report, PrintStream out) {
        Settings s = report.settings();
        if (!s.threadCounts().isEmpty()) {
            printSaturation(report, out);
        }
        out.printf(Locale.ROOT, "%nOvershoot of the acquire timeout on an exhausted pool (%d virtual threads x %d "
                + "attempts per round); median of %d round(s)%n", s.overshootThreads(), s.overshootAttempts(),
                s.rounds());
        out.printf(Locale.ROOT, "%-21s %10s %9s %8s %9s %9s %17s %13s %9s%n", "subject", "timeout ms", "attempts",
                "granted", "p50 ms", "p99 ms", "p99 [range] ms", "p99 > 1 ms", "max ms");
        for (OvershootSummary r : summarizeOvershoot(report)) {
            out.printf(Locale.ROOT, "%-21s %10d %9d %8d %9s %9s %17s %13s %9s%n", r.subject(), r.timeoutMillis(),
                    r.attempts(), r.granted(), millis(r.p50()), millis(r.p99()),
                    "[" + millis(r.p99Min()) + "-" + millis(r.p99Max()) + "]",
                    r.roundsP99Over1ms() + " of " + r.rounds(), millis(r.max()));
        }
    }

    private static void printSaturation(Report report, PrintStream out) {
        Settings s = report.settings();
        out.printf(Locale.ROOT, "%nVirtual threads, pool of %d, parked hold 20-100 us, acquire timeout %d ms; "
                + "median of %d round(s) [min-max]%n", s.poolSize(), s.acquireTimeout().toMillis(), s.rounds());
        out.printf(Locale.ROOT, "%-21s %7s %26s %22s %8s %7s %9s %9s %9s %9s%n", "subject", "threads", "ops/s [range]",
                "jain [range]", "timeouts", "starved", "p50 ms", "p99 ms", "p99.9 ms", "max ms");
        for (Summary r : summarize(report)) {
            out.printf(Locale.ROOT, "%-21s %7d %,9.0f [%,7.0f-%,7.0f] %6.3f [%.3f-%.3f] %8d %7d %9s %9s %9s %9s%n",
                    r.subject(), r.threads(), r.throughput(), r.throughputMin(), r.throughputMax(), r.jain(),
                    r.jainMin(), r.jainMax(), r.timeouts(), r.starved(), millis(r.p50()), millis(r.p99()),
                    millis(r.p999()), millis(r.max()));
        }
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    static void write(Report report, Path directory) {
        try {
            Files.createDirectories(directory);
            String label = report.settings().label();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("machine", report.machine());
            json.put("settings", settingsMap(report.settings()));
            json.put("summary", summarize(report));
            json.put("overshoot_summary", summarizeOvershoot(report));
            json.put("runs", report.saturations());
            json.put("overshoot_runs", report.overshoots().stream().map(r -> Map.of(
                    "subject", r.subject(), "round", r.round(), "timeout_ms", r.timeout().toMillis(),
                    "attempts", r.attempts(), "granted", r.granted(), "lateness_ns", r.lateness(),
                    "earliest_ns", r.earliestNanos())).toList());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(directory.resolve(label + ".json").toFile(), json);
            Files.write(directory.resolve(label + ".csv"), csv(report));
        } catch (IOException e) {
            throw new IllegalStateException("Could not write the results to " + directory, e);
        }
    }

    private static Map<String, Object> settingsMap(Settings s) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("subjects", Subject.ids(s.subjects()));
        map.put("thread_counts", s.threadCounts());
        map.put("rounds", s.rounds());
        map.put("warmup_ms", s.warmup().toMillis());
        map.put("measure_ms", s.measure().toMillis());
        map.put("pool_size", s.poolSize());
        map.put("hold", "parked " + Settings.HOLD_MIN_NANOS / 1000 + "-" + Settings.HOLD_MAX_NANOS / 1000 + " us");
        map.put("acquire_timeout_ms", s.acquireTimeout().toMillis());
        map.put("overshoot_timeout_ms", s.overshootTimeout().toMillis());
        map.put("overshoot_threads", s.overshootThreads());
        map.put("overshoot_attempts_per_thread", s.overshootAttempts());
        return map;
    }

    /** One line per run, saturated runs then overshoot runs; the machine in comment lines on top. */
    private static List<String> csv(Report report) {
        List<String> lines = new ArrayList<>();
        report.machine().forEach((key, value) -> lines.add("# " + key + ": " + value));
        lines.add("kind,subject,threads,round,operations,seconds,ops_per_s,timeouts,jain,starved,"
                + "wait_p50_ns,wait_p99_ns,wait_p999_ns,wait_max_ns,timeout_ms,attempts,granted,"
                + "overshoot_p50_ns,overshoot_p99_ns,overshoot_max_ns");
        report.saturations().stream()
                .sorted(Comparator.comparing(Saturation.Result::subject).thenComparingInt(Saturation.Result::threads)
                        .thenComparingInt(Saturation.Result::round))
                .forEach(r -> lines.add(String.format(Locale.ROOT, "saturated,%s,%d,%d,%d,%.3f,%.0f,%d,%.5f,%d,%d,%d,%d,%d,%d,,,,,",
                        r.subject(), r.threads(), r.round(), r.operations(), r.seconds(), r.throughput(), r.timeouts(),
                        r.jain(), r.starved(), r.waits().p50(), r.waits().p99(), r.waits().p999(), r.waits().max(),
                        report.settings().acquireTimeout().toMillis())));
        report.overshoots().forEach(r -> lines.add(String.format(Locale.ROOT, "overshoot,%s,%d,%d,,,,,,,,,,,%d,%d,%d,%d,%d,%d",
                r.subject(), report.settings().overshootThreads(), r.round(), r.timeout().toMillis(), r.attempts(),
                r.granted(), r.lateness().p50(), r.lateness().p99(), r.lateness().max())));
        return lines;
    }
}
