package dev.poolgate.server.config;

import java.time.Duration;

/**
 * How the gateway treats its clients' connections.
 *
 * @param writeTimeout how long a write to a client may block: a client that accepts no bytes that
 *     long is cut off, and a stream it was reading gives its pooled connection up at once
 * @param idleTimeout how long a keep-alive client connection may wait for its next request
 * @param acceptBacklog how many new connections may wait to be accepted
 */
public record ClientConnections(Duration writeTimeout, Duration idleTimeout, int acceptBacklog) {

    public ClientConnections {
        if (writeTimeout == null || writeTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("writeTimeout must be at least 1 ms, but was " + writeTimeout
                    + "; set --client-write-timeout");
        }
        if (idleTimeout == null || idleTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("idleTimeout must be at least 1 ms, but was " + idleTimeout
                    + "; set --client-idle-timeout");
        }
        if (acceptBacklog < 1) {
            throw new IllegalArgumentException("acceptBacklog must be >= 1, but was " + acceptBacklog
                    + "; set --accept-backlog");
        }
    }
}
