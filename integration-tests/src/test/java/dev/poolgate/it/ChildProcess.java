package dev.poolgate.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process of the suite (the server, or the stub in process mode) whose output, stdout and
 * stderr merged, is captured line by line as it comes and copied to a log file in the work
 * directory. Every child still alive when the test JVM exits is stopped by a shutdown hook.
 */
final class ChildProcess implements AutoCloseable {

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "poolgate-it-children"));
    }

    private final String name;
    private final Process process;
    private final Path logFile;
    private final Thread reader;
    // Guarded by itself.
    private final List<String> lines = new ArrayList<>();

    private ChildProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.reader = Thread.ofPlatform().daemon().name("poolgate-it-output-" + name).start(this::copyOutput);
    }

    /**
     * Starts {@code command} with the suite's environment less every {@code POOLGATE_*} and
     * {@code ANTHROPIC_*} variable (a developer's own settings must not leak in), plus
     * {@code environment}.
     */
    static ChildProcess start(String name, List<String> command, Map<String, String> environment) {
        Path logFile = Suite.workDir().resolve("logs").resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(key -> key.startsWith("POOLGATE_") || key.startsWith("ANTHROPIC_"));
        builder.environment().putAll(environment);
        try {
            Files.createDirectories(logFile.getParent());
            Files.writeString(logFile, "$ " + String.join(" ", command) + "\n");
            Process process = builder.start();
            LIVE.add(process);
            process.onExit().thenRun(() -> LIVE.remove(process));
            return new ChildProcess(name, process, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + name + ": " + command, e);
        }
    }

    private void copyOutput() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
                Writer log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(line);
                }
                log.write(line);
                log.write('\n');
                log.flush();
            }
        } catch (IOException e) {
            synchronized (lines) {
                lines.add("(poolgate-it: reading the output of " + name + " failed: " + e + ")");
            }
        }
    }

    /** The lines printed so far. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The process id, e.g. for {@code jcmd}. */
    long pid() {
        return process.pid();
    }

    Path logFile() {
        return logFile;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Sends SIGTERM, as an operator's kill would. Through the process handle: {@link Process#destroy()}
     * sends the same signal but also closes the pipes, and the shutdown lines would be lost.
     */
    void terminate() {
        process.toHandle().destroy();
    }

    /**
     * Waits for the process to exit and for its last output line to be read.
     *
     * @return the exit status
     */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " did not exit within " + timeout.toMillis() + " ms; its log: "
                        + logFile);
            }
            reader.join(Duration.ofSeconds(5));
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for " + name + " to exit", e);
        }
    }

    /** The last {@code count} lines, for failure messages. */
    String tail(int count) {
        List<String> all = lines();
        return String.join("\n", all.subList(Math.max(0, all.size() - count), all.size()));
    }

    /** Stops the process if it still runs: SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            terminate();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + logFile + ")";
    }
}
