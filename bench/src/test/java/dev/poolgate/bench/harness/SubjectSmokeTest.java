package dev.poolgate.bench.harness;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.bench.subject.Subject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs each subject through the harness for a fraction of a second: the adapters work, the
 * figures are sane, and the results are written. Not a measurement.
 */
class SubjectSmokeTest {

    private static Settings brief(Subject subject) {
        return Settings.quick().withSubjects(List.of(subject)).withThreadCounts(List.of(200)).withRounds(1)
                .withWarmup(Duration.ofMillis(50)).withMeasure(Duration.ofMillis(150)).withOvershoot(4, 2)
                .withOutput(null);
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void everySubjectCompletesASaturatedRunAndTimesOutWhenExhausted(Subject subject) throws Exception {
        Settings settings = brief(subject);
        VirtualThreadHarness.Report report = VirtualThreadHarness.run(settings, quiet());

        Saturation.Result run = report.saturations().getFirst();
        Percentiles waits = run.waits();
        assertAll(
                () -> assertTrue(run.operations() > 0, "no operation completed: " + run),
                () -> assertTrue(run.throughput() > 0, "throughput: " + run),
                // 10 objects held 20-100 us each: no pool can exceed 10 / 20 us = 500,000 ops/s.
                () -> assertTrue(run.throughput() < 500_000, "faster than the holds allow: " + run),
                () -> assertTrue(run.jain() > 0 && run.jain() <= 1.0 + 1e-9, "Jain's index: " + run),
                () -> assertEquals(run.operations() + run.timeouts(), waits.count(), "one wait sample per attempt"),
                () -> assertTrue(0 <= waits.p50() && waits.p50() <= waits.p99() && waits.p99() <= waits.p999()
                        && waits.p999() <= waits.max(), "percentiles in order: " + waits));

        Overshoot.Result overshoot = report.overshoots().getFirst();
        assertAll(
                () -> assertEquals(8, overshoot.attempts()),
                () -> assertEquals(0, overshoot.granted(), "an exhausted pool handed out an object"),
                // Every call waited about its timeout: not returning early by more than a millisecond.
                () -> assertTrue(overshoot.earliestNanos() > -TimeUnit.MILLISECONDS.toNanos(1),
                        "returned before its timeout: " + overshoot),
                () -> assertTrue(overshoot.lateness().max() < TimeUnit.SECONDS.toNanos(5),
                        "returned far past its timeout: " + overshoot));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void resultsAreWrittenAsJsonAndCsvWithTheMachine(@TempDir Path directory) throws Exception {
        Settings settings = brief(Subject.BASELINE_LOCK).withOutput(directory);
        VirtualThreadHarness.Report report = VirtualThreadHarness.run(settings, quiet());
        VirtualThreadHarness.write(report, directory);

        String json = Files.readString(directory.resolve(settings.label() + ".json"));
        List<String> csv = Files.readAllLines(directory.resolve(settings.label() + ".csv"));
        assertAll(
                () -> assertTrue(json.contains("\"cores\""), json),
                () -> assertTrue(json.contains("\"baseline-lock\""), json),
                () -> assertTrue(csv.stream().anyMatch(line -> line.startsWith("# jdk: ")), csv::toString),
                () -> assertEquals(1, csv.stream().filter(line -> line.startsWith("saturated,baseline-lock,200,")).count()),
                () -> assertEquals(1, csv.stream().filter(line -> line.startsWith("overshoot,baseline-lock,")).count()));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void threadsNoneRunsOnlyTheOvershootAndSummarizesItsRounds() throws Exception {
        Settings settings = Settings.parse("--subjects", "baseline-lock", "--threads", "none", "--rounds", "2")
                .withOvershoot(4, 2).withOutput(null);
        assertEquals(List.of(), settings.threadCounts());
        VirtualThreadHarness.Report report = VirtualThreadHarness.run(settings, quiet());
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        VirtualThreadHarness.print(report, new PrintStream(printed, true, StandardCharsets.UTF_8));

        VirtualThreadHarness.OvershootSummary summary = VirtualThreadHarness.summarizeOvershoot(report).getFirst();
        long over = report.overshoots().stream().filter(r -> r.lateness().p99() > 1_000_000).count();
        String text = printed.toString(StandardCharsets.UTF_8);
        assertAll(
                () -> assertEquals(List.of(), report.saturations()),
                () -> assertEquals(2, report.overshoots().size()),
                () -> assertEquals(2, summary.rounds()),
                () -> assertEquals(over, summary.roundsP99Over1ms()),
                () -> assertTrue(summary.p99Min() <= summary.p99() && summary.p99() <= summary.p99Max(),
                        summary::toString),
                () -> assertTrue(!text.contains("ops/s"), text),
                () -> assertTrue(text.contains(over + " of 2"), text));
    }

    @Test
    void settingsRejectAnUnknownSubjectNamingTheKnownOnes() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Settings.parse("--subjects", "nosuchpool"));
        assertTrue(e.getMessage().contains("poolgate") && e.getMessage().contains("hikari-concurrentbag"),
                e.getMessage());
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
