package dev.poolgate.server.upstream;

import java.io.IOException;

/**
 * Upstream sent no complete response headers within the headers timeout after the request went
 * out; the connection is closed.
 */
public final class UpstreamTimeoutException extends IOException {

    private static final long serialVersionUID = 1L;

    UpstreamTimeoutException(String message) {
        super(message);
    }
}
