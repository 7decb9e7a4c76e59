package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The soak of issue 6: the real server jar at saturation, many virtual-thread clients (each one
 * keep-alive socket) in front of a pool of 10 with upstream latency, for a bounded time, loopback
 * only. It asserts that every answer is a 200 or the documented 529 {@code overloaded_error} with
 * {@code retry-after} (no other status, no reset or timeout), that the pool counted exactly those
 * 529s and logged nothing else at WARN or above, that no request is left holding or awaiting a
 * connection, and that the server's open file descriptors come back to their baseline and its heap
 * after a full GC stays within a bounded margin of where it started. It prints (and writes to
 * {@code target/it-work/soak-report.txt}) the latency percentiles, answers by status, and heap and
 * descriptor figures.
 *
 * <p>{@code mvn -B verify} runs the short version (2,000 clients for 15 s); the long one is
 * {@code -Dpoolgate.soak.clients=10000 -Dpoolgate.soak.seconds=300} (see the README).
 */
class SoakIT extends EndToEndTest {

    /** The most a run may last, within Failsafe's fork timeout of 600 s. */
    private static final int MAX_SECONDS = 420;
    /** Descriptors the server may hold at the end beyond its baseline (a scrape's connection, a log flush). */
    private static final int FD_SLACK = 5;
    /** Heap after a full GC may end this much above where it started (class metadata lives elsewhere). */
    private static final long HEAP_MARGIN_BYTES = 16L << 20;
    private static final String TIMEOUT_LINE = "[POOL] Could not acquire Claude connection within 5.0s timeout";

    /** What one run does, from system properties (the defaults are the short run). */
    private record Plan(int clients, Duration duration, Duration latency, Duration rampUp) {

        static Plan fromProperties() {
            int clients = Integer.getInteger("poolgate.soak.clients", 2_000);
            int seconds = Integer.getInteger("poolgate.soak.seconds", 15);
            int latencyMs = Integer.getInteger("poolgate.soak.latencyMs", 100);
            if (clients < 1 || clients > 15_000) {
                throw new IllegalArgumentException("poolgate.soak.clients must be 1 to 15000 (each client is a "
                        + "socket on both sides, and ulimit -n is often 20000), but was " + clients);
            }
            if (seconds < 5 || seconds > MAX_SECONDS) {
                throw new IllegalArgumentException("poolgate.soak.seconds must be 5 to " + MAX_SECONDS
                        + " (Failsafe stops the fork at 600 s), but was " + seconds);
            }
            if (latencyMs < 0 || latencyMs > 5_000) {
                throw new IllegalArgumentException("poolgate.soak.latencyMs must be 0 to 5000, but was " + latencyMs);
            }
            // Clients connect over the first third of the run (at most 10 s), not all in the same
            // millisecond: the server's accept backlog is finite, and a burst of 10,000 SYNs would
            // measure the kernel's SYN retries rather than the gateway.
            Duration rampUp = Duration.ofSeconds(Math.min(10, seconds / 3));
            return new Plan(clients, Duration.ofSeconds(seconds), Duration.ofMillis(latencyMs), rampUp);
        }
    }

    /** One look at the server: descriptors, heap in use, pool gauges, from /metrics. */
    private record Sample(long openFds, long heapUsed, long inUse, long waiting) {
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void atSaturationOnlyOverloadedErrorsAreAnsweredAndNothingLeaks() throws Exception {
        Plan plan = Plan.fromProperties();
        stub.faults("{\"request_latency_ms\": " + plan.latency().toMillis() + "}");
        // Per-request INFO lines would be tens of thousands a second: the pool and API loggers log
        // at WARN here, which keeps the timeout line of each 529 and anything unexpected.
        Server server = startServer(List.of("-Dorg.slf4j.simpleLogger.log.dev.poolgate.pool=warn",
                "-Dorg.slf4j.simpleLogger.log.dev.poolgate.server.api=warn"), "--pool-max-size", "10");

        // Grow the pool to its max first, so the baseline already counts its 10 upstream connections.
        concurrently(20, i -> server.api().message("warm-up " + i))
                .forEach(reply -> assertEquals(200, reply.status(), reply.toString()));
        Await.until("the warm-up's connections are back", Duration.ofSeconds(10), () -> server.stats().inUse() == 0);
        PoolStats before = server.stats();
        Sample start = sampleAfterGc(server);
        long clientFdsBefore = ownOpenFds();

        Load load = new Load(plan, server);
        List<Sample> samples = load.run();

        Sample idle = Await.until("no request holds or awaits a connection", Duration.ofSeconds(30),
                () -> sample(server), s -> s.inUse() == 0 && s.waiting() == 0, () -> "");
        Sample closed = Await.until("the server's descriptors are back to the baseline of " + start.openFds(),
                Duration.ofSeconds(30), () -> sample(server), s -> s.openFds() <= start.openFds() + FD_SLACK,
                () -> "");
        Sample end = sampleAfterGc(server);
        long clientFdsAfter = Await.until("this JVM's client sockets are closed", Duration.ofSeconds(10),
                SoakIT::ownOpenFds, fds -> fds <= clientFdsBefore + FD_SLACK, () -> "");
        PoolStats after = server.stats();

        String report = load.report(start, samples, end, clientFdsBefore, clientFdsAfter);
        System.out.println(report);
        Files.writeString(Suite.workDir().resolve("soak-report.txt"), report + "\n", StandardCharsets.UTF_8);

        long ok = load.count("200");
        long overloaded = load.count("529 overloaded_error");
        assertEquals(List.of(), load.outcomes().keySet().stream()
                .filter(outcome -> !outcome.equals("200") && !outcome.equals("529 overloaded_error")).toList(),
                "only 200 and 529 overloaded_error with retry-after: " + report);
        assertTrue(ok > 0 && overloaded > 0, "the run was at saturation (both kinds of answers): " + report);
        assertEquals(0, load.clientsWithoutAnswer(), "every client was answered at least once: " + report);
        assertEquals(overloaded, after.acquireTimeouts() - before.acquireTimeouts(),
                "each 529 is one acquire timeout the pool counted");
        List<String> problems = server.problems();
        assertEquals(List.of(), problems.stream().filter(line -> !line.contains(" WARN " + TIMEOUT_LINE)).limit(20)
                .toList(),
                "nothing but the acquire timeout's line at WARN or above (log: " + server.logFile() + ")");
        assertEquals(overloaded, problems.size(), "one timeout line per 529");
        assertEquals(0, idle.inUse());
        assertTrue(closed.openFds() <= start.openFds() + FD_SLACK, report);
        assertTrue(end.heapUsed() <= start.heapUsed() + HEAP_MARGIN_BYTES,
                "the heap after a full GC grew by more than " + (HEAP_MARGIN_BYTES >> 20) + " MiB: " + report);
        server.assertPoolConsistent();
    }

    /** The clients of one run, and what they saw. */
    private static final class Load {
        private final Plan plan;
        private final Server server;
        private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        private final LongAdder connects = new LongAdder();
        private final LongAdder unanswered = new LongAdder();
        // Each client adds its own latencies at its end; read after every client finished.
        private final List<long[]> okNanos = Collections.synchronizedList(new ArrayList<>());
        private final List<long[]> overloadedNanos = Collections.synchronizedList(new ArrayList<>());
        private long elapsedNanos;

        Load(Plan plan, Server server) {
            this.plan = plan;
            this.server = server;
        }

        /** Runs the clients for the plan's duration and returns the samples taken meanwhile. */
        List<Sample> run() {
            int port = server.uri().getPort();
            byte[] request = SoakClient.messageRequest(port, "soak");
            long begin = System.nanoTime();
            long deadline = begin + plan.duration().toNanos();
            List<Thread> clients = new ArrayList<>(plan.clients());
            for (int i = 0; i < plan.clients(); i++) {
                long startAt = begin + plan.rampUp().toNanos() * i / plan.clients();
                clients.add(Thread.ofVirtual().name("soak-client-" + i).start(() -> client(port, request, startAt,
                        deadline)));
            }
            List<Sample> samples = new ArrayList<>();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofVirtual().name("soak-sampler").start(() -> {
                while (sampling.get()) {
                    synchronized (samples) {
                        samples.add(sample(server));
                    }
                    // A sample a second shows the trend without adding load.
                    LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
                }
            });
            // A client's last request may start just before the deadline and then wait the acquire
            // timeout (5 s) plus the upstream latency; its socket times out after 30 s.
            long joinBy = deadline + Duration.ofSeconds(60).toNanos();
            try {
                for (Thread client : clients) {
                    long left = joinBy - System.nanoTime();
                    if (left <= 0 || !client.join(Duration.ofNanos(left))) {
                        throw new AssertionError("A soak client was still running 60 s after the end of the run");
                    }
                }
                elapsedNanos = System.nanoTime() - begin;
                sampling.set(false);
                sampler.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            synchronized (samples) {
                return List.copyOf(samples);
            }
        }

        private void client(int port, byte[] request, long startAt, long deadline) {
            // Spread the connects over the ramp-up (see Plan).
            for (long wait; (wait = startAt - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
            }
            LongList ok = new LongList();
            LongList overloaded = new LongList();
            SoakClient connection = null;
            try {
                while (System.nanoTime() - deadline < 0) {
                    long sent = System.nanoTime();
                    try {
                        if (connection == null) {
                            connection = new SoakClient(port, Duration.ofSeconds(10), Duration.ofSeconds(30));
                            connects.increment();
                        }
                        SoakClient.Answer answer = connection.send(request);
                        long took = System.nanoTime() - sent;
                        String outcome = answer.status() == 200 ? "200" : answer.status() + " " + answer.errorType()
                                + (answer.retryAfter() == null ? " without retry-after" : "");
                        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
                        if (answer.status() == 200) {
                            ok.add(took);
                        } else {
                            overloaded.add(took);
                        }
                        if (connection.closedByServer()) {
                            connection.close();
                            connection = null;
                            outcomes.computeIfAbsent("connection: close", k -> new LongAdder()).increment();
                        }
                        if (answer.retryAfter() != null) {
                            // What the SDKs do with a 529: wait retry-after seconds before the next try.
                            long pause = TimeUnit.SECONDS.toNanos(Long.parseLong(answer.retryAfter()));
                            LockSupport.parkNanos(Math.min(pause, Math.max(0, deadline - System.nanoTime())));
                        }
                    } catch (IOException | RuntimeException e) {
                        outcomes.computeIfAbsent("I/O error: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
                                k -> new LongAdder()).increment();
                        if (connection != null) {
                            closeQuietly(connection);
                            connection = null;
                        }
                    }
                }
            } finally {
                if (connection != null) {
                    closeQuietly(connection);
                }
                if (ok.size() + overloaded.size() == 0) {
                    unanswered.increment();
                }
                okNanos.add(ok.toArray());
                overloadedNanos.add(overloaded.toArray());
            }
        }

        private static void closeQuietly(SoakClient connection) {
            try {
                connection.close();
            } catch (IOException e) {
                throw new UncheckedIOException("Closing a soak client's socket failed", e);
            }
        }

        Map<String, Long> outcomes() {
            Map<String, Long> counts = new TreeMap<>();
            outcomes.forEach((outcome, count) -> counts.put(outcome, count.sum()));
            return counts;
        }

        long count(String outcome) {
            LongAdder count = outcomes.get(outcome);
            return count == null ? 0 : count.sum();
        }

        long clientsWithoutAnswer() {
            return unanswered.sum();
        }

        String report(Sample start, List<Sample> samples, Sample end, long clientFdsBefore, long clientFdsAfter) {
            long requests = outcomes().values().stream().mapToLong(Long::longValue).sum();
            long peakFds = samples.stream().mapToLong(Sample::openFds).max().orElse(start.openFds());
            long peakHeap = samples.stream().mapToLong(Sample::heapUsed).max().orElse(start.heapUsed());
            long peakWaiting = samples.stream().mapToLong(Sample::waiting).max().orElse(0);
            return String.format(
                    "SoakIT: %,d clients for %d s (ramp-up %d s), upstream latency %d ms, pool max 10, acquire "
                            + "timeout 5 s; %,d requests in %.1f s (%,.0f/s) over %,d connections; answers %s; "
                            + "latency ms 200 %s, 529 %s, all %s; peak waiting %,d; server heap after full GC "
                            + "start %.1f MiB, end %.1f MiB (peak in use %.1f MiB); server fds start %,d, peak %,d, "
                            + "end %,d; test JVM fds before %,d, after %,d",
                    plan.clients(), plan.duration().toSeconds(), plan.rampUp().toSeconds(), plan.latency().toMillis(),
                    requests, elapsedNanos / 1e9, requests / (elapsedNanos / 1e9), connects.sum(), outcomes(),
                    percentiles(okNanos), percentiles(overloadedNanos), percentiles(merged()), peakWaiting,
                    mib(start.heapUsed()), mib(end.heapUsed()), mib(peakHeap), start.openFds(), peakFds,
                    end.openFds(), clientFdsBefore, clientFdsAfter);
        }

        private List<long[]> merged() {
            List<long[]> all = new ArrayList<>(okNanos);
            all.addAll(overloadedNanos);
            return all;
        }

        private static String percentiles(List<long[]> parts) {
            long[] all;
            synchronized (parts) {
                all = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            }
            if (all.length == 0) {
                return "(none)";
            }
            return String.format("p50 %.0f / p99 %.0f / max %.0f", at(all, 0.50), at(all, 0.99),
                    all[all.length - 1] / 1e6);
        }

        private static double at(long[] sorted, double quantile) {
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] / 1e6;
        }

        private static double mib(long bytes) {
            return bytes / (1024.0 * 1024.0);
        }
    }

    /** A growable array of longs, one per client thread (no boxing of hundreds of thousands of values). */
    private static final class LongList {
        private long[] values = new long[16];
        private int size;

        void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int size() {
            return size;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    private static Sample sample(Server server) {
        Api.Reply reply = server.api().get("/metrics");
        if (reply.status() != 200) {
            throw new AssertionError("GET /metrics: " + reply);
        }
        String text = reply.body();
        return new Sample(metric(text, "process_open_fds"), metric(text, "jvm_memory_used_bytes{area=\"heap\"}"),
                metric(text, "poolgate_pool_in_use_connections"), metric(text, "poolgate_pool_waiting_acquirers"));
    }

    private static long metric(String text, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        if (!matcher.find()) {
            throw new AssertionError(series + " missing in /metrics:\n" + text);
        }
        return (long) Double.parseDouble(matcher.group(1));
    }

    /** A sample right after a full GC of the server ({@code jcmd <pid> GC.run}), so heap use is live data. */
    private static Sample sampleAfterGc(Server server) {
        Path jcmd = Suite.javaHome().resolve("bin").resolve("jcmd");
        ProcessBuilder builder = new ProcessBuilder(jcmd.toString(), Long.toString(server.pid()), "GC.run")
                .redirectErrorStream(true);
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new AssertionError("jcmd " + server.pid() + " GC.run failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not run " + jcmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return sample(server);
    }

    /** This JVM's open descriptors: the clients' sockets are here. */
    private static long ownOpenFds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return unix.getOpenFileDescriptorCount();
        }
        throw new AssertionError("The soak counts descriptors, which needs a Unix JVM");
    }
}
