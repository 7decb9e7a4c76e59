package dev.poolgate.server.upstream;

import java.io.IOException;

/**
 * Upstream's answer is not HTTP/1.1 the gateway can read: a malformed status line, header line,
 * {@code content-length} or chunk, a line longer than its budget or more header lines than theirs.
 * The connection is closed.
 */
public final class UpstreamProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    UpstreamProtocolException(String message) {
        super(message);
    }
}
