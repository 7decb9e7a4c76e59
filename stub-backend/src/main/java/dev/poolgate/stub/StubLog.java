package dev.poolgate.stub;

import java.io.PrintStream;

/**
 * The stub's few log lines, on {@code System.err} with a {@code [STUB]} prefix: start-up, shut-down,
 * and the failures it cannot report to a client (a connection lost mid-response, an internal error).
 * Requests themselves are not logged; {@code GET /admin/stats} counts them.
 */
final class StubLog {

    private StubLog() {
    }

    static void info(String message) {
        System.err.println("[STUB] " + message);
    }

    static void error(String message, Throwable cause) {
        PrintStream err = System.err;
        err.println("[STUB] " + message);
        cause.printStackTrace(err);
    }
}
