package dev.poolgate.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a JMH JSON result ({@code -rf json}) and prints, for each benchmark and hold, every
 * subject's throughput as a ratio to commons-pool2 (unfair) in the same run, with its spread: the
 * lowest and highest ratio any two measured iterations give. With {@code -prof gc} it adds the
 * bytes allocated per operation. A CSV of the same lines is written next to the input.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar dev.poolgate.bench.jmh.JmhRatios bench/results/jmh.json}
 */
public final class JmhRatios {

    static final String REFERENCE = "commons-pool2";

    /** One subject's figures in one benchmark and hold. */
    record Line(String benchmark, String hold, String subject, double score, double min, double max,
            double ratio, double ratioLow, double ratioHigh, Double bytesPerOp, double timeouts) {
    }

    private JmhRatios() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("Pass the JMH JSON result file, e.g. bench/results/jmh.json");
        }
        Path input = Path.of(args[0]);
        List<Line> lines = ratios(new ObjectMapper().readTree(input.toFile()));
        System.out.printf(Locale.ROOT, "%-10s %-6s %-21s %12s %22s %9s %17s %9s %9s%n", "benchmark", "hold", "subject",
                "ops/ms", "[min-max iteration]", "x " + REFERENCE, "[spread]", "B/op", "timeouts");
        List<String> csv = new ArrayList<>();
        csv.add("benchmark,hold,subject,ops_per_ms,iteration_min,iteration_max,ratio_to_" + REFERENCE
                + ",ratio_low,ratio_high,bytes_per_op,timeouts");
        for (Line l : lines) {
            System.out.printf(Locale.ROOT, "%-10s %-6s %-21s %,12.0f [%,9.0f-%,10.0f] %8.2fx [%6.2f-%8.2f] %9s %9.0f%n",
                    l.benchmark(), l.hold(), l.subject(), l.score(), l.min(), l.max(), l.ratio(), l.ratioLow(),
                    l.ratioHigh(), l.bytesPerOp() == null ? "" : String.format(Locale.ROOT, "%.1f", l.bytesPerOp()),
                    l.timeouts());
            csv.add(String.format(Locale.ROOT, "%s,%s,%s,%.1f,%.1f,%.1f,%.3f,%.3f,%.3f,%s,%.0f", l.benchmark(), l.hold(),
                    l.subject(), l.score(), l.min(), l.max(), l.ratio(), l.ratioLow(), l.ratioHigh(),
                    l.bytesPerOp() == null ? "" : String.format(Locale.ROOT, "%.1f", l.bytesPerOp()), l.timeouts()));
        }
        String name = input.getFileName().toString().replaceFirst("\\.json$", "");
        Files.write(input.resolveSibling(name + "-ratios.csv"), csv);
    }

    static List<Line> ratios(JsonNode results) {
        record Figures(double score, double min, double max, Double bytesPerOp, double timeouts) {
        }
        Map<String, Map<String, Figures>> byGroup = new LinkedHashMap<>();
        for (JsonNode result : results) {
            String benchmark = result.path("benchmark").asText().replaceFirst(".*\\.", "");
            String hold = result.path("params").path("hold").asText();
            String subject = result.path("params").path("subject").asText();
            JsonNode primary = result.path("primaryMetric");
            double min = Double.MAX_VALUE;
            double max = 0;
            for (JsonNode fork : primary.path("rawData")) {
                for (JsonNode iteration : fork) {
                    min = Math.min(min, iteration.asDouble());
                    max = Math.max(max, iteration.asDouble());
                }
            }
            JsonNode norm = result.path("secondaryMetrics").path("gc.alloc.rate.norm");
            Double bytes = norm.isMissingNode() ? null : norm.path("score").asDouble();
            // The @AuxCounters events metric: acquires that timed out, summed over the iterations.
            double timeouts = 0;
            for (JsonNode fork : result.path("secondaryMetrics").path("timeouts").path("rawData")) {
                for (JsonNode iteration : fork) {
                    timeouts += iteration.asDouble();
                }
            }
            byGroup.computeIfAbsent(benchmark + " " + hold, k -> new LinkedHashMap<>())
                    .put(subject, new Figures(primary.path("score").asDouble(), min, max, bytes, timeouts));
        }
        List<Line> lines = new ArrayList<>();
        byGroup.forEach((group, subjects) -> {
            String[] parts = group.split(" ");
            Figures reference = subjects.get(REFERENCE);
            subjects.forEach((subject, f) -> lines.add(reference == null
                    ? new Line(parts[0], parts[1], subject, f.score(), f.min(), f.max(), Double.NaN, Double.NaN,
                            Double.NaN, f.bytesPerOp(), f.timeouts())
                    : new Line(parts[0], parts[1], subject, f.score(), f.min(), f.max(), f.score() / reference.score(),
                            f.min() / reference.max(), f.max() / reference.min(), f.bytesPerOp(), f.timeouts())));
        });
        return lines;
    }
}
