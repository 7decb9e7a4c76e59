package dev.poolgate.bench.chart;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * Renders the pool benchmark's charts with XChart from the CSV files of {@code bench/results}:
 * {@code pool-throughput.png} (JMH, zero hold, ops/ms per subject for 1, 8 and 64 platform threads,
 * from {@code jmh-ratios.csv}) and {@code pool-fairness.png} (virtual-thread harness, saturated
 * runs: Jain's index and p99.9 acquire wait per subject for 1,000 and 10,000 threads, the median
 * over rounds, from {@code vthreads.csv}); and the gateway benchmark's {@code gateway-throughput.png}
 * (requests/s per subject for each upstream and mode, the median over rounds, from
 * {@code gateway.csv}) when that file exists.
 *
 * <p>Usage: {@code ChartWriter [--jmh FILE] [--vthreads FILE] [--gateway FILE] [--out DIR]};
 * defaults are the files under {@code bench/results}. Runs headless.
 */
public final class ChartWriter {

    private static final Color[] SERIES_COLORS = {
        new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868), new Color(0xC44E52)
    };

    private ChartWriter() {}

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path jmh = Path.of("bench/results/jmh-ratios.csv");
        Path vthreads = Path.of("bench/results/vthreads.csv");
        Path gateway = Path.of("bench/results/gateway.csv");
        Path out = Path.of("bench/results");
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--jmh" -> jmh = Path.of(require(args[i], value));
                case "--vthreads" -> vthreads = Path.of(require(args[i], value));
                case "--gateway" -> gateway = Path.of(require(args[i], value));
                case "--out" -> out = Path.of(require(args[i], value));
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]
                        + " (expected --jmh FILE, --vthreads FILE, --gateway FILE, --out DIR)");
            }
            i++;
        }
        Files.createDirectories(out);
        Path throughput = out.resolve("pool-throughput.png");
        writeThroughput(readCsv(jmh), throughput);
        System.out.println("wrote " + throughput);
        Path fairness = out.resolve("pool-fairness.png");
        writeFairness(readCsv(vthreads), fairness);
        System.out.println("wrote " + fairness);
        if (Files.exists(gateway)) {
            Path gatewayChart = out.resolve("gateway-throughput.png");
            writeGateway(readCsv(gateway), gatewayChart);
            System.out.println("wrote " + gatewayChart);
        }
    }

    private static String require(String flag, String value) {
        if (value == null) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return value;
    }

    /** Rows of a CSV without quoting (what our writers produce); lines starting with '#' skipped. */
    static List<Map<String, String>> readCsv(Path file) throws IOException {
        List<Map<String, String>> rows = new ArrayList<>();
        String[] header = null;
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (header == null) {
                header = cells;
                continue;
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < header.length; c++) {
                row.put(header[c], c < cells.length ? cells[c] : "");
            }
            rows.add(row);
        }
        if (header == null) {
            throw new IOException("no header in " + file);
        }
        return rows;
    }

    private static void writeThroughput(List<Map<String, String>> rows, Path file) throws IOException {
        List<String> subjects = subjects(rows.stream()
                .filter(r -> "zero".equals(r.get("hold"))).map(r -> r.get("subject")).toList());
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(650)
                .title("Pool acquire+release throughput, zero hold, pool of 10 (JMH, platform threads)")
                .xAxisTitle("subject").yAxisTitle("operations per ms (log scale)").build();
        style(chart);
        chart.getStyler().setYAxisLogarithmic(true);
        // A bar chart's axis starts at zero unless told, which a log axis refuses.
        chart.getStyler().setYAxisMin(1.0);
        chart.getStyler().setYAxisDecimalPattern("#,##0.###");
        for (String threads : List.of("1", "8", "64")) {
            List<Double> values = new ArrayList<>();
            for (String subject : subjects) {
                double v = rows.stream()
                        .filter(r -> ("threads" + threads).equals(r.get("benchmark"))
                                && "zero".equals(r.get("hold")) && subject.equals(r.get("subject")))
                        .mapToDouble(r -> Double.parseDouble(r.get("ops_per_ms")))
                        .findFirst().orElse(Double.NaN);
                values.add(v);
            }
            chart.addSeries(threads + (threads.equals("1") ? " thread" : " threads"), subjects, values);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapFormat.PNG);
    }

    private static void writeFairness(List<Map<String, String>> rows, Path file) throws IOException {
        List<Map<String, String>> saturated = rows.stream()
                .filter(r -> "saturated".equals(r.get("kind"))).toList();
        List<String> subjects = subjects(saturated.stream().map(r -> r.get("subject")).toList());
        CategoryChart jain = new CategoryChartBuilder().width(1100).height(520)
                .title("Fairness: Jain's index over per-thread acquisitions (1.0 = perfectly fair), median of rounds")
                .xAxisTitle("subject").yAxisTitle("Jain's index").build();
        style(jain);
        jain.getStyler().setYAxisMin(0.0);
        jain.getStyler().setYAxisMax(1.0);
        jain.getStyler().setYAxisDecimalPattern("0.0");
        CategoryChart wait = new CategoryChartBuilder().width(1100).height(520)
                .title("Acquire wait p99.9, median of rounds (lower is better)")
                .xAxisTitle("subject").yAxisTitle("ms (log scale)").build();
        style(wait);
        wait.getStyler().setYAxisLogarithmic(true);
        wait.getStyler().setYAxisMin(1.0);
        wait.getStyler().setYAxisDecimalPattern("#,##0.###");
        for (String threads : List.of("1000", "10000")) {
            List<Double> jains = new ArrayList<>();
            List<Double> waits = new ArrayList<>();
            for (String subject : subjects) {
                List<Map<String, String>> runs = saturated.stream()
                        .filter(r -> threads.equals(r.get("threads")) && subject.equals(r.get("subject")))
                        .toList();
                jains.add(median(runs.stream().mapToDouble(r -> Double.parseDouble(r.get("jain"))).toArray()));
                waits.add(median(runs.stream()
                        .mapToDouble(r -> Double.parseDouble(r.get("wait_p999_ns")) / 1e6).toArray()));
            }
            String name = String.format(Locale.ROOT, "%,d virtual threads", Integer.parseInt(threads));
            jain.addSeries(name, subjects, jains);
            wait.addSeries(name, subjects, waits);
        }
        BitmapEncoder.saveBitmap(List.of(jain, wait), 2, 1, file.toString(), BitmapFormat.PNG);
    }

    private static void writeGateway(List<Map<String, String>> allRows, Path file) throws IOException {
        // A paced load's requests per second are what was offered, not what the subject can do.
        List<Map<String, String>> rows = allRows.stream().filter(r -> !"paced".equals(r.get("mode"))).toList();
        List<String> subjects = subjects(rows.stream().map(r -> r.get("subject")).toList());
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(600)
                .title("Gateway throughput in front of the same stub (wrk, loopback, 2 cores), median of rounds")
                .xAxisTitle("subject").yAxisTitle("requests per second").build();
        style(chart);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        Set<String> series = new LinkedHashSet<>();
        for (Map<String, String> row : rows) {
            series.add(row.get("upstream") + " upstream, " + row.get("mode"));
        }
        for (String name : series) {
            List<Double> values = new ArrayList<>();
            for (String subject : subjects) {
                values.add(median(rows.stream()
                        .filter(r -> name.equals(r.get("upstream") + " upstream, " + r.get("mode"))
                                && subject.equals(r.get("subject")))
                        .mapToDouble(r -> Double.parseDouble(r.get("requests_per_s"))).toArray()));
            }
            chart.addSeries(name, subjects, values);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapFormat.PNG);
    }

    /** Distinct subjects in file order, poolgate first. */
    private static List<String> subjects(List<String> all) {
        Set<String> ordered = new LinkedHashSet<>();
        if (all.contains("poolgate")) {
            ordered.add("poolgate");
        }
        ordered.addAll(all);
        return new ArrayList<>(ordered);
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static void style(CategoryChart chart) {
        var styler = chart.getStyler();
        styler.setLegendPosition(LegendPosition.OutsideS);
        styler.setLegendLayout(LegendLayout.Horizontal);
        styler.setXAxisLabelRotation(30);
        styler.setSeriesColors(SERIES_COLORS);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridVerticalLinesVisible(false);
        styler.setAvailableSpaceFill(0.8);
        styler.setOverlapped(false);
    }
}
