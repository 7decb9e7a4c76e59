package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real Node.js clients for the end-to-end tests (Claude Code, the TypeScript SDK): installs an npm
 * package once into {@code ~/.cache/poolgate/<name>}, and runs programs with nothing of the test's
 * environment but {@code PATH} and what the test gives. A suite is skipped, with the reason, only
 * where npm is missing or its registry unreachable; an install that fails otherwise fails it.
 */
final class NodePackages {

    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);

    private NodePackages() {
    }

    /** What a program did: its exit code and output. */
    record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    /**
     * The install prefix of {@code packageSpec} ({@code name@version}) under the user's cache,
     * installing it on first use; its programs are in {@code node_modules/.bin}.
     */
    static Path install(String cacheName, String packageSpec) throws Exception {
        Path prefix = Path.of(System.getProperty("user.home"), ".cache", "poolgate", cacheName);
        Path stamp = prefix.resolve("installed-" + packageSpec.substring(packageSpec.lastIndexOf('@') + 1));
        if (Files.exists(stamp)) {
            return prefix;
        }
        assumeTrue(onPath("npm") && onPath("node"), "npm and node are not on PATH: cannot install " + packageSpec);
        Files.createDirectories(prefix);
        Run install = npm(prefix, "install", "--no-audit", "--no-fund", "--prefix", prefix.toString(), packageSpec);
        if (install.exitCode() != 0) {
            Run ping = npm(prefix, "ping");
            assumeTrue(ping.exitCode() == 0, () -> "the npm registry is unreachable, so " + packageSpec
                    + " cannot be installed: " + ping.stderr());
            throw new AssertionError("npm could not install " + packageSpec + ": " + install);
        }
        Files.writeString(stamp, packageSpec);
        return prefix;
    }

    /**
     * Runs {@code command} in {@code work} with a throwaway HOME, {@code PATH} and {@code env} only,
     * no input; fails unless it exits 0 within {@code timeout}.
     */
    static Run run(Path work, Duration timeout, Map<String, String> env, List<String> command) throws Exception {
        Path home = Files.createDirectories(work.resolve(".home"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        Map<String, String> environment = builder.environment();
        String path = System.getenv("PATH");
        environment.clear();
        environment.put("PATH", path == null ? "/usr/local/bin:/usr/bin:/bin" : path);
        environment.put("HOME", home.toString());
        environment.putAll(env);
        Path out = work.resolve(".stdout");
        Path err = work.resolve(".stderr");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError(command.get(0) + " did not finish within " + timeout + ": "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
        } finally {
            process.destroyForcibly();
        }
        Run run = new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        assertEquals(0, run.exitCode(), run::toString);
        return run;
    }

    private static Run npm(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("npm"));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("poolgate-npm", ".log");
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!process.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Run(-1, "", "npm " + args[0] + " did not finish within " + INSTALL_TIMEOUT);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            return new Run(process.exitValue(), output, output);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String directory : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }

    /** Checks that {@code program} exists under the prefix, for a clear failure when npm installed another layout. */
    static Path program(Path prefix, String relative) {
        Path program = prefix.resolve(relative);
        assertTrue(Files.exists(program), "npm installed no " + program);
        return program;
    }
}
