package dev.poolgate.httpkit;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A {@link HttpServerProvider} whose servers parse requests strictly (RFC 9112) and never let a
 * malformed request desynchronise a connection: what they cannot frame exactly they answer
 * themselves with an Anthropic-style JSON 400 and {@code connection: close}, then close. Each
 * connection is served by blocking I/O on one virtual thread; handlers run on the server's
 * executor as with the JDK's server. Writes to a client are bounded by
 * {@link ServerOptions#writeTimeout()}, waits between requests by {@link ServerOptions#idleTimeout()}.
 *
 * <p>It is not registered as a service, so that it replaces the JDK's server only where it is
 * asked for: {@code new StrictHttpServerProvider(options).createHttpServer(address, backlog)}.
 * HTTPS is not provided (put TLS in front).
 */
public final class StrictHttpServerProvider extends HttpServerProvider {

    private final ServerOptions options;

    /** A provider with {@link ServerOptions#DEFAULTS}. */
    public StrictHttpServerProvider() {
        this(ServerOptions.DEFAULTS);
    }

    public StrictHttpServerProvider(ServerOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null; pass ServerOptions.DEFAULTS for the defaults");
        }
        this.options = options;
    }

    /**
     * A server bound to {@code address} (unbound when null), with an accept queue of
     * {@code backlog} (the options' {@link ServerOptions#acceptBacklog()} when 0 or less).
     */
    @Override
    public HttpServer createHttpServer(InetSocketAddress address, int backlog) throws IOException {
        KitServer server = new KitServer(options);
        if (address != null) {
            server.bind(address, backlog);
        }
        return server;
    }

    /** Not provided: put a TLS terminator in front of the server. */
    @Override
    public HttpsServer createHttpsServer(InetSocketAddress address, int backlog) {
        throw new UnsupportedOperationException("http-kit serves plain HTTP only; terminate TLS in front of it, "
                + "or use the JDK's HttpsServer");
    }
}
