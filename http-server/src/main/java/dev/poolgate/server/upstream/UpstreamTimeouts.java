package dev.poolgate.server.upstream;

import java.time.Duration;

/**
 * The three timeouts of an upstream connection.
 *
 * @param connect bounds the TCP connect, the egress proxy's tunnel and the TLS handshake
 * @param headers bounds the time from sending a request to the end of the response headers
 * @param read bounds each wait for more of a response body (e.g. between streamed events), so a
 *     stalled stream fails instead of holding its pooled connection for ever
 */
public record UpstreamTimeouts(Duration connect, Duration headers, Duration read) {

    /** @throws IllegalArgumentException naming the setting to fix, when a timeout is missing or not positive */
    public UpstreamTimeouts {
        requirePositive(connect, "connect", "--upstream-connect-timeout");
        requirePositive(headers, "headers", "--upstream-timeout");
        requirePositive(read, "read", "--upstream-read-timeout");
    }

    private static void requirePositive(Duration timeout, String name, String setting) {
        if (timeout == null) {
            throw new IllegalArgumentException("the upstream " + name + " timeout is missing; set " + setting
                    + " to more than 0");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the upstream " + name + " timeout must be more than 0, but was "
                    + timeout + "; set " + setting + " to more than 0");
        }
    }

    /** The connect timeout in whole milliseconds, at least 1, as a socket timeout. */
    int connectMillis() {
        return millis(connect);
    }

    /** The read timeout in whole milliseconds, at least 1, as a socket timeout. */
    int readMillis() {
        return millis(read);
    }

    private static int millis(Duration duration) {
        return (int) Math.clamp(duration.toMillis(), 1, Integer.MAX_VALUE);
    }
}
