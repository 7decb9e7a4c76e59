package dev.poolgate.it;

import dev.poolgate.testkit.Await;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway as users run it: {@code java -jar poolgate-server.jar} in a child process on the
 * JDK of this test JVM, forwarding to a {@link Stub}, its log read line by line. Flags given to
 * {@link #start} come after the suite's defaults, so they win.
 */
final class Server implements AutoCloseable {

    /** The log prefixes of the catalogue ({@code shared/spec/pool-logs.md}). */
    private static final Pattern CATALOGUE_LINE = Pattern.compile("\\[(STARTUP|SHUTDOWN|POOL|POOL_MANAGER|API)\\] .*");
    /** slf4j-simple's layout, as the server configures it: {@code <time> <LEVEL> <message>}. */
    private static final Pattern LOG_LINE = Pattern.compile("\\S+ (TRACE|DEBUG|INFO|WARN|ERROR) (.*)");
    private static final Pattern LISTENING =
            Pattern.compile("\\[STARTUP\\] Gateway listening on http://127\\.0\\.0\\.1:(\\d+) \\(upstream: .*\\)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger COUNT = new AtomicInteger();

    private final ChildProcess process;
    private final URI uri;
    private final int maxSize;
    private final Api api;

    private Server(ChildProcess process, URI uri, int maxSize) {
        this.process = process;
        this.uri = uri;
        this.maxSize = maxSize;
        this.api = new Api(uri);
    }

    /**
     * Starts the server against {@code stub} and waits until it listens.
     *
     * @param name names the log file, e.g. the test's name
     * @param flags the scenario's own flags ({@code --pool-max-size 4}, ...)
     */
    static Server start(String name, Stub stub, String... flags) {
        return start(name, stub, List.of(), flags);
    }

    /**
     * Starts the server with JVM options before {@code -jar} (e.g. log levels), against {@code stub},
     * and waits until it listens.
     */
    static Server start(String name, Stub stub, List<String> jvmOptions, String... flags) {
        List<String> command = new ArrayList<>(List.of(Suite.java().toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", Suite.serverJar().toString(),
                "--host", "127.0.0.1",
                "--port", "0",
                "--anthropic-base-url", stub.baseUri().toString(),
                "--upstream-health-path", "/health",
                "--upstream-connect-timeout", "2s",
                "--upstream-timeout", "15s"));
        command.addAll(List.of(flags));
        ChildProcess process = ChildProcess.start(
                String.format("server-%02d-%s", COUNT.incrementAndGet(), name),
                command,
                // The key goes by environment, as the README advises (flags show in ps).
                Map.of("ANTHROPIC_API_KEY", Suite.UPSTREAM_KEY));
        try {
            Matcher listening = Await.until("the server listens (log: " + process.logFile() + ")", START_TIMEOUT,
                    () -> {
                        if (!process.isAlive()) {
                            throw new AssertionError("The server exited at start-up; its output:\n"
                                    + process.tail(40));
                        }
                        return messages(process.lines()).stream().map(LISTENING::matcher).filter(Matcher::matches)
                                .findFirst().orElse(null);
                    },
                    found -> found != null,
                    () -> "Output so far:\n" + process.tail(40));
            return new Server(process, URI.create("http://127.0.0.1:" + listening.group(1)), maxSize(flags));
        } catch (RuntimeException | AssertionError e) {
            process.close();
            throw e;
        }
    }

    private static int maxSize(String[] flags) {
        int max = 10;
        for (int i = 0; i + 1 < flags.length; i++) {
            if (flags[i].equals("--pool-max-size")) {
                max = Integer.parseInt(flags[i + 1]);
            }
        }
        return max;
    }

    /** The messages of every log line, without time and level; other output (JVM notes) as is. */
    private static List<String> messages(List<String> lines) {
        List<String> messages = new ArrayList<>(lines.size());
        for (String line : lines) {
            Matcher matcher = LOG_LINE.matcher(line);
            messages.add(matcher.matches() ? matcher.group(2) : line);
        }
        return messages;
    }

    URI uri() {
        return uri;
    }

    /** A client of this server (closed with it). */
    Api api() {
        return api;
    }

    PoolStats stats() {
        return api.stats();
    }

    /** The catalogue lines logged so far, in order, as messages without time and level. */
    List<String> log() {
        return messages(process.lines()).stream().filter(message -> CATALOGUE_LINE.matcher(message).matches())
                .toList();
    }

    /** The catalogue lines starting with {@code prefix}, e.g. {@code "[POOL] Created new connection "}. */
    List<String> log(String prefix) {
        return log().stream().filter(message -> message.startsWith(prefix)).toList();
    }

    /** Waits until the log has at least {@code count} lines starting with {@code prefix}, and returns them. */
    List<String> awaitLog(String prefix, int count, Duration timeout) {
        return Await.until(count + " log lines starting with '" + prefix + "'", timeout, () -> log(prefix),
                found -> found.size() >= count, () -> "Log: " + process.logFile());
    }

    /** Lines at WARN or ERROR, and stack traces. */
    List<String> problems() {
        return process.lines().stream()
                .filter(line -> line.matches("\\S+ (WARN|ERROR) .*") || line.startsWith("\tat ")
                        || line.startsWith("Exception in thread"))
                .toList();
    }

    /** The server's process id. */
    long pid() {
        return process.pid();
    }

    String logFile() {
        return process.logFile().toString();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, as {@code kill} or a container runtime sends it. */
    void terminate() {
        process.terminate();
    }

    int awaitExit(Duration timeout) {
        return process.awaitExit(timeout);
    }

    /** The invariants of scenario 11 on a live server's {@code /pool/stats}. */
    PoolStats assertPoolConsistent() {
        PoolStats stats = stats();
        stats.assertConsistent(maxSize);
        return stats;
    }

    @Override
    public void close() {
        api.close();
        process.close();
    }

    @Override
    public String toString() {
        return "server " + uri + " (" + process + ")";
    }
}
