package dev.poolgate.server;

import dev.poolgate.testkit.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link Main} in a JVM of its own, on this test's class path, with its whole output (stdout and
 * stderr) captured: for what an in-process gateway cannot show, such as a log level other than the
 * one the test JVM's logging was set up with, or what {@code --help} and a failed start print.
 */
final class ServerProcess implements AutoCloseable {

    private static final Pattern LISTENING =
            Pattern.compile(".*\\[STARTUP\\] Gateway listening on http://127\\.0\\.0\\.1:(\\d+) .*");

    private final Process process;
    private final Thread reader;
    // Guarded by itself.
    private final List<String> lines = new ArrayList<>();

    private ServerProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().name("server-process-output").start(this::read);
    }

    /**
     * Starts {@code java [jvmOptions] dev.poolgate.server.Main [args]} with no {@code POOLGATE_*} or
     * {@code ANTHROPIC_*} variable of this JVM's environment, plus {@code environment}.
     */
    static ServerProcess start(List<String> jvmOptions, List<String> args, Map<String, String> environment) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("POOLGATE_") || name.startsWith("ANTHROPIC_"));
        builder.environment().putAll(environment);
        try {
            return new ServerProcess(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@link Main} to its end (e.g. {@code --help}, or a start that fails) and returns its output. */
    static List<String> run(List<String> args, Map<String, String> environment, Duration timeout) {
        try (ServerProcess process = start(List.of(), args, environment)) {
            process.awaitExit(timeout);
            return process.lines();
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            synchronized (lines) {
                lines.add("(reading the server's output failed: " + e + ")");
            }
        }
    }

    /** Every line printed so far. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Waits for the start-up line and returns the bound port. */
    int awaitListening(Duration timeout) {
        Matcher listening = Await.until("the server process listens", timeout, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("The server exited at start-up:\n" + String.join("\n", lines()));
            }
            return lines().stream().map(LISTENING::matcher).filter(Matcher::matches).findFirst().orElse(null);
        }, found -> found != null);
        return Integer.parseInt(listening.group(1));
    }

    /** The process id, for signals the JDK cannot send (kill -HUP). */
    long pid() {
        return process.pid();
    }

    /** SIGTERM, as an operator's kill sends it (the shutdown hook runs). */
    void terminate() {
        process.toHandle().destroy();
    }

    /** SIGKILL, as a crash or the OOM killer ends a process: nothing of the server runs after it. */
    void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** Waits for the exit and for the last line of output; returns the exit status. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("The server process did not exit within " + timeout.toMillis() + " ms:\n"
                        + String.join("\n", lines()));
            }
            reader.join(Duration.ofSeconds(5));
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
