package dev.poolgate.bench.harness;

import dev.poolgate.bench.subject.Subject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one harness run does. {@link #full()} and {@link #quick()} are the two documented modes;
 * command-line flags override single settings.
 *
 * @param subjects the pools compared, all in the same run
 * @param threadCounts the numbers of virtual threads sharing each pool
 * @param rounds how often every subject runs; each round starts with the next subject, and the
 *        spread across rounds is reported
 * @param warmup time each saturated run goes before it is measured
 * @param measure time each saturated run is measured
 * @param poolSize objects in each pool
 * @param acquireTimeout the timeout of the saturated runs; an acquire that hits it counts as a timeout
 * @param overshootTimeout the timeout whose overshoot is measured on an exhausted pool
 * @param overshootThreads virtual threads trying the exhausted pool at once
 * @param overshootAttempts attempts per overshoot thread, one after the other
 * @param output where the JSON and CSV files go, null for nowhere
 * @param label the files' base name
 */
public record Settings(
        List<Subject> subjects,
        List<Integer> threadCounts,
        int rounds,
        Duration warmup,
        Duration measure,
        int poolSize,
        Duration acquireTimeout,
        Duration overshootTimeout,
        int overshootThreads,
        int overshootAttempts,
        Path output,
        String label) {

    static final long HOLD_MIN_NANOS = 20_000;
    static final long HOLD_MAX_NANOS = 100_000;

    /** Three rounds of every subject at 1,000 and 10,000 threads: about six minutes on two cores. */
    public static Settings full() {
        return new Settings(Subject.all(), List.of(1_000, 10_000), 3, Duration.ofSeconds(1), Duration.ofSeconds(4),
                10, Duration.ofSeconds(1), Duration.ofMillis(10), 50, 10, Path.of("bench", "results"), "vthreads");
    }

    /** One short round: about a minute. */
    public static Settings quick() {
        return new Settings(Subject.all(), List.of(1_000, 10_000), 1, Duration.ofMillis(500), Duration.ofMillis(1500),
                10, Duration.ofSeconds(1), Duration.ofMillis(10), 20, 5, Path.of("bench", "results"), "vthreads-quick");
    }

    /**
     * Settings from the command line: {@code --quick} picks the quick mode, then
     * {@code --subjects a,b}, {@code --threads 1000,10000} ({@code none}: only the overshoot runs,
     * about a second per subject and round), {@code --rounds N}, {@code --seconds S} (measured),
     * {@code --out DIR} override it.
     *
     * @throws IllegalArgumentException naming an unknown flag or a bad value
     */
    public static Settings parse(String... args) {
        Settings settings = List.of(args).contains("--quick") ? quick() : full();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--quick")) {
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = args[++i];
            settings = switch (flag) {
                case "--subjects" -> settings.withSubjects(List.of(value.split(",")).stream().map(Subject::byName).toList());
                case "--threads" -> settings.withThreadCounts(value.equals("none") ? List.of()
                        : List.of(value.split(",")).stream().map(Integer::valueOf).toList());
                case "--rounds" -> settings.withRounds(Integer.parseInt(value));
                case "--seconds" -> settings.withMeasure(Duration.ofMillis((long) (Double.parseDouble(value) * 1000)));
                case "--out" -> settings.withOutput(Path.of(value));
                default -> throw new IllegalArgumentException("Unknown flag " + flag
                        + "; known: --quick, --subjects, --threads, --rounds, --seconds, --out");
            };
        }
        return settings;
    }

    public Settings {
        subjects = List.copyOf(subjects);
        threadCounts = List.copyOf(threadCounts);
        if (subjects.isEmpty()) {
            throw new IllegalArgumentException("subjects must not be empty");
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be >= 1, but was " + rounds);
        }
        for (int threads : threadCounts) {
            if (threads < 1) {
                throw new IllegalArgumentException("thread counts must be >= 1, but one was " + threads);
            }
        }
        if (measure.isNegative() || measure.isZero()) {
            throw new IllegalArgumentException("measure must be positive, but was " + measure);
        }
    }

    public Settings withSubjects(List<Subject> subjects) {
        return new Settings(subjects, threadCounts, rounds, warmup, measure, poolSize, acquireTimeout,
                overshootTimeout, overshootThreads, overshootAttempts, output, label);
    }

    public Settings withThreadCounts(List<Integer> threadCounts) {
        return new Settings(subjects, threadCounts, rounds, warmup, measure, poolSize, acquireTimeout,
                overshootTimeout, overshootThreads, overshootAttempts, output, label);
    }

    public Settings withRounds(int rounds) {
        return new Settings(subjects, threadCounts, rounds, warmup, measure, poolSize, acquireTimeout,
                overshootTimeout, overshootThreads, overshootAttempts, output, label);
    }

    public Settings withWarmup(Duration warmup) {
        return new Settings(subjects, threadCounts, rounds, warmup, measure, poolSize, acquireTimeout,
                overshootTimeout, overshootThreads, overshootAttempts, output, label);
    }

    public Settings withMeasure(Duration measure) {
        return new Settings(subjects, threadCounts, rounds, warmup, measure, poolSize, acquireTimeout,
                overshootTimeout, overshootThreads, overshootAttempts, output, label);
    }

    public Settings withOvershoot(int threads, int attempts) {
        return new Settings(subjects, threadCounts, rounds, warmup, measure, poolSize, acquireTimeout,
                overshootTimeout, threads, attempts, output, label);
    }

    public Settings withOutput(Path output) {
        return new Settings(subjects, threadCounts, rounds, warmup, measure, poolSize, acquireTimeout,
                overshootTimeout, overshootThreads, overshootAttempts, output, label);
    }

    /** The subjects in the order round {@code round} runs them: rotated, so none always goes first. */
    List<Subject> orderOfRound(int round) {
        List<Subject> order = new ArrayList<>(subjects);
        java.util.Collections.rotate(order, -(round % order.size()));
        return order;
    }
}
