package dev.poolgate.stub;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import dev.poolgate.httpkit.RequestReadDeadlines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running stub of the Anthropic Messages API, for demos and tests: deterministic replies,
 * the real API's checks and error shapes, and faults to turn on at will.
 *
 * <pre>{@code
 * try (StubBackend stub = StubBackend.start(StubConfig.defaults())) {   // 127.0.0.1, a free port
 *     URI baseUrl = stub.baseUri();                                     // http://127.0.0.1:41234
 *     stub.faults().failWith(529);                                      // every API request: 529
 *     ...
 *     long healthChecks = stub.requestCount("/health");
 * }
 * }</pre>
 *
 * <p>Serves {@code POST /v1/messages} (plain and streamed; text, tool calls, thinking),
 * {@code POST /v1/messages/count_tokens}, the Message Batches API ({@code /v1/messages/batches}),
 * the Files API ({@code /v1/files}), the legacy {@code POST /v1/complete},
 * {@code GET /v1/models}, {@code GET /v1/models/{id}}, {@code GET /health} and, where allowed,
 * {@code /admin/faults}, {@code /admin/faults/reset} and {@code /admin/stats}. Built on the JDK's
 * {@code com.sun.net.httpserver} with one virtual thread per request.
 *
 * <p>Lifecycle: {@code RUNNING} from {@link #start} until {@link #close()}, then {@code CLOSED}.
 * Closing stops accepting, closes every connection, and interrupts requests still waiting out a
 * latency fault, so it returns promptly whatever the faults.
 */
public final class StubBackend implements AutoCloseable {

    private enum State { RUNNING, CLOSED }

    /** How long {@link #close()} waits for interrupted handlers to finish. */
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final StubConfig config;
    private final HttpServer server;
    /** Kept: the server no longer reports its address once stopped. */
    private final InetSocketAddress bound;
    private final ExecutorService executor;
    private final RequestReadDeadlines readDeadlines;
    private final Faults faults;
    private final RequestStats stats;
    private final boolean adminEnabled;
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);

    private StubBackend(StubConfig config, HttpServer server, ExecutorService executor,
            RequestReadDeadlines readDeadlines, Faults faults, RequestStats stats, boolean adminEnabled) {
        this.config = config;
        this.server = server;
        this.bound = server.getAddress();
        this.executor = executor;
        this.readDeadlines = readDeadlines;
        this.faults = faults;
        this.stats = stats;
        this.adminEnabled = adminEnabled;
    }

    /**
     * Binds and starts serving.
     *
     * @throws UncheckedIOException when the address cannot be bound (in use, unknown host...),
     *         naming it
     */
    public static StubBackend start(StubConfig config) {
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            throw new UncheckedIOException(new IOException("Could not start the stub backend: host \""
                    + config.host() + "\" does not resolve; pass an address such as 127.0.0.1"));
        }
        HttpServer server;
        try {
            if (config.tls() != null) {
                HttpsServer secure = HttpsServer.create(address, 0);
                secure.setHttpsConfigurator(config.tls().configurator());
                server = secure;
            } else {
                server = HttpServer.create(address, 0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("Could not start the stub backend on "
                    + config.host() + ":" + config.port() + ": " + e.getMessage()
                    + "; choose another --port (0 = any free port) or --host", e));
        }
        boolean adminEnabled = config.adminAccess().allows(server.getAddress().getAddress());
        Faults faults = new Faults(config.faultSettings());
        RequestStats stats = new RequestStats();
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        // The server reads a request's line and headers on its executor's thread, before the
        // handler: bounding that thread bounds the whole request.
        RequestReadDeadlines readDeadlines = new RequestReadDeadlines(config.requestReadTimeout(), executor,
                "stub-backend-request-read-deadlines");
        server.createContext("/", new Router(config, faults, stats, adminEnabled, readDeadlines));
        server.setExecutor(readDeadlines);
        server.start();
        return new StubBackend(config, server, executor, readDeadlines, faults, stats, adminEnabled);
    }

    /** The port bound: the configured one, or the free port chosen for port 0. */
    public int port() {
        return bound.getPort();
    }

    /** The address bound. */
    public InetSocketAddress address() {
        return bound;
    }

    /**
     * The base URL to reach the stub from this machine, such as {@code http://127.0.0.1:41234}
     * (for a wildcard bind, the loopback address).
     */
    public URI baseUri() {
        InetAddress address = bound.getAddress();
        String host;
        if (address.isAnyLocalAddress()) {
            host = address instanceof Inet6Address ? "[::1]" : "127.0.0.1";
        } else {
            host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        }
        return URI.create((config.tls() != null ? "https://" : "http://") + host + ":" + port());
    }

    /** The live fault controls; see {@link Faults}. */
    public Faults faults() {
        return faults;
    }

    public StubConfig config() {
        return config;
    }

    /** Whether {@code /admin/...} is served (see {@link StubConfig.AdminAccess}). */
    public boolean adminEnabled() {
        return adminEnabled;
    }

    /** Requests received so far, on any path, counted on arrival (before any fault). */
    public long requestCount() {
        return stats.total();
    }

    /**
     * Requests received so far on one route, by its template: {@code "/health"},
     * {@code "/v1/messages"}, {@code "/v1/models/{id}"}...; {@code "(unknown)"} for paths the stub
     * does not serve.
     */
    public long requestCount(String path) {
        return stats.count(path);
    }

    /**
     * Distinct client connections that sent at least one request (by client address and port;
     * see {@code GET /admin/stats}).
     */
    public long clientConnectionsSeen() {
        return stats.clientConnectionsSeen();
    }

    /** Requests whose connection was closed because they did not arrive within the read timeout. */
    long requestsCutOff() {
        return readDeadlines.cutOff();
    }

    /** Stops serving and closes every connection. Idempotent. */
    @Override
    public void close() {
        if (!state.compareAndSet(State.RUNNING, State.CLOSED)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        readDeadlines.close();
        try {
            if (!executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                StubLog.info("stub backend on port " + port() + " closed with request handlers still running after "
                        + CLOSE_WAIT_SECONDS + "s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "StubBackend[" + baseUri() + ", " + state.get() + "]";
    }
}
