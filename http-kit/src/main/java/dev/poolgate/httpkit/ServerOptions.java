package dev.poolgate.httpkit;

import java.time.Duration;

/**
 * The limits and timeouts of a {@link StrictHttpServerProvider}'s servers.
 *
 * @param writeTimeout how long one write to a client may block (the client accepts no bytes): past
 *     it the connection is closed, and the handler's write fails with an {@link java.io.IOException}
 * @param idleTimeout how long a keep-alive connection may wait for its next request, and the
 *     longest silence of a client within a request; past it the connection is closed
 * @param acceptBacklog the accept queue length used when a server is created with a backlog of 0
 *     or less
 * @param maxHeaderCount the most header lines (trailer lines too) one request may carry
 * @param maxHeadBytes the most bytes the request line and header lines together may take
 */
public record ServerOptions(Duration writeTimeout, Duration idleTimeout, int acceptBacklog, int maxHeaderCount,
        int maxHeadBytes) {

    /** Default of {@link #writeTimeout()}. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);
    /** Default of {@link #idleTimeout()}, the JDK server's idle interval. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Default of {@link #acceptBacklog()}: bursts of new connections wait instead of being refused. */
    public static final int DEFAULT_ACCEPT_BACKLOG = 1024;
    /** Default of {@link #maxHeaderCount()}, the JDK server's {@code sun.net.httpserver.maxReqHeaders}. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 200;
    /** Default of {@link #maxHeadBytes()}, the JDK server's {@code sun.net.httpserver.maxReqHeaderSize}. */
    public static final int DEFAULT_MAX_HEAD_BYTES = 384 * 1024;

    /** The defaults. */
    public static final ServerOptions DEFAULTS = new ServerOptions(DEFAULT_WRITE_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
            DEFAULT_ACCEPT_BACKLOG, DEFAULT_MAX_HEADER_COUNT, DEFAULT_MAX_HEAD_BYTES);

    public ServerOptions {
        requirePositive("writeTimeout", writeTimeout);
        requirePositive("idleTimeout", idleTimeout);
        if (acceptBacklog < 1) {
            throw new IllegalArgumentException("acceptBacklog must be >= 1, but was " + acceptBacklog);
        }
        if (maxHeaderCount < 1) {
            throw new IllegalArgumentException("maxHeaderCount must be >= 1, but was " + maxHeaderCount);
        }
        if (maxHeadBytes < 1024) {
            throw new IllegalArgumentException("maxHeadBytes must be >= 1024, but was " + maxHeadBytes);
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero() || value.toMillis() < 1) {
            throw new IllegalArgumentException(name + " must be at least 1 ms, but was " + value);
        }
    }

    /** These options with another write timeout. */
    public ServerOptions withWriteTimeout(Duration timeout) {
        return new ServerOptions(timeout, idleTimeout, acceptBacklog, maxHeaderCount, maxHeadBytes);
    }

    /** These options with another idle timeout. */
    public ServerOptions withIdleTimeout(Duration timeout) {
        return new ServerOptions(writeTimeout, timeout, acceptBacklog, maxHeaderCount, maxHeadBytes);
    }

    /** These options with another default accept backlog. */
    public ServerOptions withAcceptBacklog(int backlog) {
        return new ServerOptions(writeTimeout, idleTimeout, backlog, maxHeaderCount, maxHeadBytes);
    }
}
