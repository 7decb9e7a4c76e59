package dev.poolgate.server;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import dev.poolgate.httpkit.RequestReadDeadlines;
import dev.poolgate.httpkit.ServerOptions;
import dev.poolgate.httpkit.StrictHttpServerProvider;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolManagement;
import dev.poolgate.server.api.Endpoints;
import dev.poolgate.server.api.Router;
import dev.poolgate.server.budget.UpstreamBudget;
import dev.poolgate.server.config.ClientConnections;
import dev.poolgate.server.config.ClientsFile;
import dev.poolgate.server.config.ServerConfig;
import dev.poolgate.server.metrics.Metrics;
import dev.poolgate.server.upstream.ClaudeClient;
import dev.poolgate.server.upstream.ClaudeClientFactory;
import dev.poolgate.server.upstream.UpstreamHealth;
import dev.poolgate.server.upstream.UpstreamTimeouts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: the pool of {@link ClaudeClient}s and the HTTP server in front of it, with the
 * {@code [STARTUP]} and {@code [SHUTDOWN]} lines of the log catalogue. Start-up creates the pool's
 * minimum before the server accepts a request, and warns when the server is reachable from other
 * machines (not bound to a loopback address) while no proxy key guards it. {@link #close()} drains
 * in-flight requests, then closes the pool.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    /** How long after the server listens the pool is registered over JMX (see {@link #management}). */
    static final Duration MANAGEMENT_DELAY = Duration.ofSeconds(1);

    private final ServerConfig config;
    private final Pool<ClaudeClient> pool;
    private final HttpServer server;
    private final ExecutorService executor;
    private final RequestReadDeadlines readDeadlines;
    private final Router router;
    /** The upstream budget, or null when no limit is set. */
    private final UpstreamBudget budget;
    /**
     * The pool's JMX registration, or null until the management thread made it or when another pool
     * of its name holds the name; guarded by {@link #managementLock}.
     */
    private PoolManagement.Registration jmx;
    /**
     * Guards {@link #jmx}: the management thread registers the pool unless {@link #closing} was
     * counted down, and {@link #close()} counts it down, then unregisters what was registered, so
     * whichever order they come in, no registration outlives the gateway.
     */
    private final ReentrantLock managementLock = new ReentrantLock();
    /**
     * Registers the pool over JMX and the JVM's metric series {@link #MANAGEMENT_DELAY} after the
     * server listens, off the way to the first answers: the platform MBean server and the JVM's
     * management beans take ~130 ms of CPU on a cold start (docs/performance.md), which on two cores
     * delayed the first answer when done during the start or right after it.
     */
    private Thread management;
    /** Counted down by {@link #close()}: the management thread then registers nothing. */
    private final CountDownLatch closing = new CountDownLatch(1);
    /** Set once shutdown begins: /health answers 503 and API requests are refused. */
    private final AtomicBoolean shuttingDown;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GatewayServer(ServerConfig config, Pool<ClaudeClient> pool, HttpServer server, ExecutorService executor,
            RequestReadDeadlines readDeadlines, Router router, UpstreamBudget budget,
            AtomicBoolean shuttingDown) {
        this.config = config;
        this.pool = pool;
        this.server = server;
        this.executor = executor;
        this.readDeadlines = readDeadlines;
        this.router = router;
        this.budget = budget;
        this.shuttingDown = shuttingDown;
    }

    /**
     * Creates the pool against {@code upstream}, then binds and starts the server. {@link Gateway#start}
     * calls it, after {@link #configureJdkServer()}, which must run before any JDK server exists.
     *
     * @param upstream the resolved upstream (the configured one, or the embedded stub's)
     * @param upstreamKey the key sent upstream, or null
     */
    public static GatewayServer start(ServerConfig config, URI upstream, String upstreamKey) throws IOException {
        String connection = config.pool().connectionName();
        LOG.info("[STARTUP] Configuring connection pool manager...");
        UpstreamHealth<ClaudeClient> factory = new UpstreamHealth<>(new ClaudeClientFactory(upstream, upstreamKey,
                new UpstreamTimeouts(config.upstreamConnectTimeout(), config.upstreamTimeout(),
                        config.upstreamReadTimeout()),
                config.upstreamHealthPath(), config.upstreamCaFile() == null ? null
                        : config.upstreamCaFile().sockets(), config.upstreamProxy()), System::nanoTime);
        Metrics metrics = new Metrics();
        Pool<ClaudeClient> pool = Pool.create(config.pool(), factory);
        metrics.pool(pool);
        if (config.pool().poolingEnabled()) {
            int created = pool.stats().totalConnections();
            if (created >= config.pool().minSize()) {
                LOG.info("[STARTUP] {} connection pool initialized successfully", connection);
            } else {
                LOG.warn("[STARTUP] {} connection pool started with {} of its {} minimum connections; check that "
                        + "the upstream {} is reachable and accepts the key (the pool keeps trying)", connection,
                        created, config.pool().minSize(), upstream);
            }
        } else {
            LOG.info("[STARTUP] {} connection pooling is disabled", connection);
        }
        HttpServer server;
        try {
            server = provider(config.clientConnections()).createHttpServer(
                    new InetSocketAddress(config.host(), config.port()), config.clientConnections().acceptBacklog());
        } catch (IOException | RuntimeException e) {
            pool.close();
            throw new IOException("Could not bind " + config.host() + ":" + config.port() + " (" + e.getMessage()
                    + "); free the port or pick another with --port", e);
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        // The server reads each request's line and headers on its executor's thread, before any
        // handler runs: bounding that thread bounds the whole request, headers and body.
        RequestReadDeadlines readDeadlines = new RequestReadDeadlines(config.requestReadTimeout(), executor,
                "poolgate-request-read-deadlines");
        metrics.requestReadTimeouts(readDeadlines::cutOff);
        AtomicBoolean shuttingDown = new AtomicBoolean();
        List<ClientsFile.Client> clients = config.clientsFile() == null ? List.of()
                : ClientsFile.read(config.clientsFile());
        UpstreamBudget budget = config.budget().limited() || config.clientsFile() != null
                ? UpstreamBudget.create(config.budget(), budgetNamespace(upstream, upstreamKey))
                : null;
        if (budget != null) {
            LOG.info("[STARTUP] Upstream budget: {}", config.budget());
            metrics.budget(budget::inFlight, budget::waiting, budget::storeFailures);
        }
        Router router = Endpoints.router(pool, config, metrics, shuttingDown::get, readDeadlines, factory, budget);
        router.clients(clients);
        if (config.clientsFile() != null) {
            LOG.info("[STARTUP] Clients file {}: {} named clients", config.clientsFile(), clients.size());
        }
        server.createContext("/", router);
        server.setExecutor(readDeadlines);
        GatewayServer gateway = new GatewayServer(config, pool, server, executor, readDeadlines, router, budget,
                shuttingDown);
        server.start();
        LOG.info("[STARTUP] Gateway listening on http://{}:{} (upstream: {})", config.host(),
                server.getAddress().getPort(), upstream);
        gateway.management = Thread.ofPlatform().daemon().name("poolgate-management")
                .start(() -> gateway.registerManagement(metrics));
        if (config.upstreamProxy() != null) {
            LOG.info("[STARTUP] Upstream connections tunnel through the egress proxy {}", config.upstreamProxy());
        }
        if (!server.getAddress().getAddress().isLoopbackAddress() && config.proxyApiKeys().isEmpty()) {
            LOG.warn("[STARTUP] Listening on {}, beyond this machine, without proxy keys: anyone who reaches it "
                    + "spends the upstream key; set POOLGATE_PROXY_API_KEYS (--proxy-api-keys) or bind 127.0.0.1 "
                    + "(--host)", config.host());
        }
        String jdkWarning = jdkWarning(Runtime.version().feature());
        if (jdkWarning != null) {
            LOG.warn(jdkWarning);
        }
        return gateway;
    }

    /**
     * The management thread's work: registers the pool over JMX (min/max and the acquire timeout
     * adjustable there; a second gateway in one JVM with the same pool name, tests only, goes
     * without), unless the gateway closed meanwhile, then the JVM's metric series.
     */
    private void registerManagement(Metrics metrics) {
        try {
            if (closing.await(MANAGEMENT_DELAY.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            return; // nobody interrupts it but a JVM on its way out
        }
        managementLock.lock();
        try {
            if (closing.getCount() == 0) {
                return;
            }
            jmx = PoolManagement.register(pool);
        } catch (IllegalArgumentException e) {
            LOG.debug("[STARTUP] The pool is not registered over JMX: {}", e.getMessage());
        } finally {
            managementLock.unlock();
        }
        metrics.registerJvmSeries();
    }

    /**
     * Waits until the pool is registered over JMX and the JVM's metric series are
     * ({@link #MANAGEMENT_DELAY} after the server listens), or until {@link #close()} made that
     * moot; for tests and tools that look at JMX right after {@link #start}.
     */
    public void awaitManagement() throws InterruptedException {
        management.join();
    }

    /**
     * Reads the clients file again and, if it is valid, replaces the named clients at once; an
     * invalid file is logged with the reason and the clients read before stay. Called on SIGHUP.
     *
     * @return whether the new file was taken
     */
    public boolean reloadClients() {
        if (config.clientsFile() == null) {
            LOG.warn("[CLIENTS] No clients file to read again; start with --clients-file to name clients");
            return false;
        }
        try {
            List<ClientsFile.Client> clients = ClientsFile.read(config.clientsFile());
            router.clients(clients);
            LOG.info("[CLIENTS] Read {} named clients from {}", clients.size(), config.clientsFile());
            return true;
        } catch (IllegalArgumentException e) {
            LOG.error("[CLIENTS] Kept the clients read before: {}", e.getMessage());
            return false;
        }
    }

    /**
     * The keys' prefix of this gateway's budget in Redis: the same for every instance of one upstream
     * and key, another for another key, and no secret (a digest of the key, not the key).
     */
    static String budgetNamespace(URI upstream, String upstreamKey) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(String.valueOf(upstream).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(String.valueOf(upstreamKey).getBytes(StandardCharsets.UTF_8));
            return "poolgate:" + HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-256", e);
        }
    }

    /**
     * The start-up warning for a JDK whose HTTP server pins virtual threads, or null. Before JDK
     * 24 a virtual thread blocked inside {@code synchronized} code holds its carrier thread (JEP
     * 491 lifted that), and the JDK's server reads request bodies in synchronized methods: a few
     * slow clients can then hold every carrier until the request read timeout cuts them off.
     */
    static String jdkWarning(int feature) {
        if (feature >= 24) {
            return null;
        }
        return "[STARTUP] Running on JDK " + feature + ": its HTTP server reads request bodies in synchronized code, "
                + "where a slow client holds one of the few carrier threads of the virtual threads until "
                + "--request-read-timeout cuts it off; run the gateway on JDK 24 or newer";
    }

    /** The most idle keep-alive client connections kept open; see {@link #configureJdkServer()}. */
    static final int MAX_IDLE_CLIENT_CONNECTIONS = 10_000;

    /**
     * Sets two properties of the JDK's HTTP server, unless given on the command line: Nagle's
     * algorithm off ({@code sun.net.httpserver.nodelay}), so a streamed event leaves at once; and
     * up to {@link #MAX_IDLE_CLIENT_CONNECTIONS} idle keep-alive connections
     * ({@code sun.net.httpserver.maxIdleConnections}, 200 in the JDK), since beyond that limit the
     * JDK closes a client's connection right after its answer, without {@code connection: close},
     * and a client that sends its next request on it meets a closed connection. An idle
     * connection still closes after 30 s ({@code sun.net.httpserver.idleInterval}). The JDK reads
     * the properties when its first server is created in the process, so call this before any
     * (the embedded stub's included).
     */
    static void configureJdkServer() {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", Integer.toString(MAX_IDLE_CLIENT_CONNECTIONS));
        }
    }

    /** The JDK's standard property that names an {@link HttpServerProvider} class. */
    static final String PROVIDER_PROPERTY = "com.sun.net.httpserver.HttpServerProvider";

    /**
     * The strict server of http-kit (docs/http-front.md), unless the JDK's standard property
     * {@value #PROVIDER_PROPERTY} names another provider, e.g.
     * {@code sun.net.httpserver.DefaultHttpServerProvider} to compare with the JDK's own server.
     */
    static HttpServerProvider provider(ClientConnections connections) {
        if (System.getProperty(PROVIDER_PROPERTY) != null) {
            LOG.warn("[STARTUP] Serving HTTP with {} ({}), not the strict http-kit server: requests are framed "
                    + "as that provider does", System.getProperty(PROVIDER_PROPERTY), PROVIDER_PROPERTY);
            return HttpServerProvider.provider();
        }
        return new StrictHttpServerProvider(ServerOptions.DEFAULTS.withWriteTimeout(connections.writeTimeout())
                .withIdleTimeout(connections.idleTimeout()).withAcceptBacklog(connections.acceptBacklog()));
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The pool, for stats. */
    public Pool<ClaudeClient> pool() {
        return pool;
    }

    /**
     * Shuts down: {@code /health} turns 503 and new API requests are refused at once, requests in
     * flight get up to the drain time to finish, then the server stops and the pool closes.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        String connection = config.pool().connectionName();
        LOG.info("[SHUTDOWN] Shutting down {} connection pool...", connection);
        shuttingDown.set(true);
        try {
            if (!router.awaitIdle(config.drainTimeout())) {
                LOG.warn("[SHUTDOWN] Requests still in flight after the {} ms drain time are cut off",
                        config.drainTimeout().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(0);
        executor.shutdownNow();
        readDeadlines.close();
        if (budget != null) {
            budget.close();
        }
        closing.countDown();
        managementLock.lock();
        try {
            if (jmx != null) {
                jmx.close();
            }
        } finally {
            managementLock.unlock();
        }
        pool.close();
        LOG.info("[SHUTDOWN] {} connection pool shut down successfully", connection);
    }
}
