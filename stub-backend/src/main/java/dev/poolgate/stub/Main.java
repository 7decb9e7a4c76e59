package dev.poolgate.stub;

import java.io.PrintStream;
import java.io.UncheckedIOException;

/**
 * The jar's entry point: {@code java -jar stub-backend.jar --port 8090 [flags]} (see
 * {@link CommandLine#USAGE}). Starts a {@link StubBackend}, prints where it listens, and serves
 * until the process is stopped; a shutdown hook closes it.
 */
final class Main {

    static final int EXIT_USAGE = 2;
    static final int EXIT_START_FAILED = 1;

    private Main() {
    }

    public static void main(String[] args) {
        // Streamed events are small writes that must leave at once; the JDK server reads this once.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Parses the flags and starts the stub, which keeps the JVM alive (its HTTP dispatcher thread
     * is not a daemon).
     *
     * @return 0 when serving or after {@code --help}; {@link #EXIT_USAGE} for a bad flag;
     *         {@link #EXIT_START_FAILED} when the address cannot be bound
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine commandLine;
        try {
            commandLine = CommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("stub-backend: " + e.getMessage());
            err.println("Run with --help to list the flags.");
            return EXIT_USAGE;
        }
        if (commandLine.help()) {
            out.print(CommandLine.USAGE);
            return 0;
        }
        StubBackend stub;
        try {
            stub = StubBackend.start(commandLine.config());
        } catch (UncheckedIOException e) {
            err.println("stub-backend: " + e.getCause().getMessage());
            return EXIT_START_FAILED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stub.close();
            StubLog.info("stub backend stopped");
        }, "stub-backend-shutdown"));
        StubLog.info("stub backend listening on " + stub.baseUri() + " (admin endpoint "
                + (stub.adminEnabled() ? "on: " + stub.baseUri() + "/admin/faults" : "off") + ", faults: "
                + stub.faults() + ")");
        return 0;
    }
}
