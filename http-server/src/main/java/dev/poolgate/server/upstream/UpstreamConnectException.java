package dev.poolgate.server.upstream;

import java.io.IOException;

/**
 * No connection upstream could be made: it was refused (the cause is then the
 * {@link java.net.ConnectException}), or the TCP connect, the egress proxy's tunnel or the TLS
 * handshake took longer than the connect timeout. Nothing was sent, so the request may be sent
 * again on another connection.
 */
public final class UpstreamConnectException extends IOException {

    private static final long serialVersionUID = 1L;

    UpstreamConnectException(String message, Throwable cause) {
        super(message, cause);
    }
}
