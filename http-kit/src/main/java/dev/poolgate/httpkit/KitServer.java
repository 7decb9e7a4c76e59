package dev.poolgate.httpkit;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server: accepts connections on a platform thread, serves each on a virtual thread of its own
 * ({@link Connection}), and sweeps write and idle deadlines on another platform thread (a virtual
 * sweeper could wait behind busy carriers exactly when clients stall). Lifecycle: {@code NEW -> RUNNING ->
 * STOPPING -> STOPPED}.
 */
final class KitServer extends HttpServer {

    private static final System.Logger LOG = System.getLogger(KitServer.class.getName());
    private static final long MIN_TICK_NANOS = Duration.ofMillis(5).toNanos();
    private static final long MAX_TICK_NANOS = Duration.ofSeconds(1).toNanos();

    private enum State { NEW, RUNNING, STOPPING, STOPPED }

    final ServerOptions options;
    private final long writeTimeoutNanos;
    private final long idleTimeoutNanos;
    private final CopyOnWriteArrayList<KitContext> contexts = new CopyOnWriteArrayList<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** Guards {@link #state} and {@link #busy}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the last exchange in progress ends while stopping. */
    private final Condition quiet = lock.newCondition();
    // Guarded by lock.
    private State state = State.NEW;
    // Guarded by lock: exchanges in progress.
    private int busy;
    private volatile Executor executor;
    private ServerSocket socket;
    private Thread acceptor;
    private Thread sweeper;

    KitServer(ServerOptions options) {
        this.options = options;
        this.writeTimeoutNanos = options.writeTimeout().toNanos();
        this.idleTimeoutNanos = options.idleTimeout().toNanos();
    }

    @Override
    public void bind(InetSocketAddress address, int backlog) throws IOException {
        if (address == null) {
            throw new NullPointerException("address must not be null; pass the address to listen on");
        }
        if (socket != null) {
            throw new IllegalStateException("the server is bound already, to " + socket.getLocalSocketAddress());
        }
        ServerSocket bound = new ServerSocket();
        try {
            bound.setReuseAddress(true);
            bound.bind(address, backlog > 0 ? backlog : options.acceptBacklog());
        } catch (IOException | RuntimeException e) {
            bound.close();
            throw e;
        }
        socket = bound;
    }

    @Override
    public void start() {
        lock.lock();
        try {
            if (socket == null) {
                throw new IllegalStateException("the server is not bound; call bind() first");
            }
            if (state != State.NEW) {
                throw new IllegalStateException("the server was started already (" + state + ")");
            }
            state = State.RUNNING;
        } finally {
            lock.unlock();
        }
        String port = String.valueOf(socket.getLocalPort());
        acceptor = Thread.ofPlatform().daemon().name("http-kit-accept-" + port).start(this::acceptUntilClosed);
        sweeper = Thread.ofPlatform().daemon().name("http-kit-deadlines-" + port)
                .start(this::sweepUntilStopped);
    }

    private void acceptUntilClosed() {
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    LOG.log(System.Logger.Level.WARNING, "Accepting a connection failed: " + e);
                }
                continue;
            }
            Connection connection = new Connection(this, client);
            connections.add(connection);
            try {
                Thread.ofVirtual().name("http-kit-connection").start(connection);
            } catch (RuntimeException | OutOfMemoryError e) {
                connections.remove(connection);
                connection.closeNow();
                LOG.log(System.Logger.Level.WARNING, "No thread for a new connection: " + e);
            }
        }
    }

    /**
     * Closes every connection whose current write has blocked for longer than the write timeout,
     * or whose current read has waited for longer than the idle timeout.
     */
    int sweep(long now) {
        int count = 0;
        for (Connection connection : connections) {
            if (connection.output.writing.waitedAt(now) >= writeTimeoutNanos) {
                connection.cutOff();
                count++;
            } else if (connection.input.reading.waitedAt(now) >= idleTimeoutNanos) {
                connection.closeSilent();
                count++;
            }
        }
        return count;
    }

    private void sweepUntilStopped() {
        long tick = Math.clamp(Math.min(writeTimeoutNanos, idleTimeoutNanos) / 10, MIN_TICK_NANOS, MAX_TICK_NANOS);
        while (!stopped()) {
            sweep(System.nanoTime());
            LockSupport.parkNanos(this, tick);
        }
    }

    void forget(Connection connection) {
        connections.remove(connection);
    }

    /** Marks an exchange as begun; false when the server is stopping and it must not run. */
    boolean exchangeBegins() {
        lock.lock();
        try {
            if (state != State.RUNNING) {
                return false;
            }
            busy++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    void exchangeEnds() {
        lock.lock();
        try {
            if (--busy == 0) {
                quiet.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    boolean running() {
        lock.lock();
        try {
            return state == State.RUNNING;
        } finally {
            lock.unlock();
        }
    }

    private boolean stopped() {
        lock.lock();
        try {
            return state == State.STOPPED;
        } finally {
            lock.unlock();
        }
    }

    /** The context with the longest path that prefixes {@code path}, or null. */
    KitContext contextFor(String path) {
        KitContext best = null;
        for (KitContext context : contexts) {
            String prefix = context.getPath();
            if (path.startsWith(prefix) && (best == null || prefix.length() > best.getPath().length())) {
                best = context;
            }
        }
        return best;
    }

    @Override
    public void setExecutor(Executor executor) {
        lock.lock();
        try {
            if (state != State.NEW) {
                throw new IllegalStateException("the executor must be set before start()");
            }
        } finally {
            lock.unlock();
        }
        this.executor = executor;
    }

    @Override
    public Executor getExecutor() {
        return executor;
    }

    /**
     * Stops accepting, closes idle connections, waits up to {@code delay} seconds for exchanges in
     * progress, then closes every connection.
     */
    @Override
    public void stop(int delay) {
        if (delay < 0) {
            throw new IllegalArgumentException("delay must be >= 0 seconds, but was " + delay);
        }
        lock.lock();
        try {
            if (state == State.STOPPING || state == State.STOPPED) {
                return;
            }
            state = State.STOPPING;
        } finally {
            lock.unlock();
        }
        closeQuietly(socket);
        for (Connection connection : connections) {
            connection.closeIfIdle();
        }
        long nanos = TimeUnit.SECONDS.toNanos(delay);
        lock.lock();
        try {
            while (busy > 0 && nanos > 0) {
                nanos = quiet.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            state = State.STOPPED;
            lock.unlock();
        }
        for (Connection connection : connections) {
            connection.closeNow();
        }
        LockSupport.unpark(sweeper);
        if (acceptor != null) {
            try {
                acceptor.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "Closing the listening socket failed: " + e);
        }
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        if (handler == null) {
            throw new NullPointerException("handler must not be null; pass the handler for " + path);
        }
        return addContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return addContext(path, null);
    }

    private HttpContext addContext(String path, HttpHandler handler) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/', but was " + path);
        }
        KitContext context = new KitContext(path, handler, this);
        for (KitContext existing : contexts) {
            if (existing.getPath().equals(path)) {
                throw new IllegalArgumentException("a context for " + path + " exists already");
            }
        }
        contexts.add(context);
        return context;
    }

    @Override
    public void removeContext(String path) {
        if (!contexts.removeIf(context -> context.getPath().equals(path))) {
            throw new IllegalArgumentException("no context for " + path);
        }
    }

    @Override
    public void removeContext(HttpContext context) {
        if (!contexts.remove(context)) {
            throw new IllegalArgumentException("the context " + context.getPath() + " is not this server's");
        }
    }

    @Override
    public InetSocketAddress getAddress() {
        return socket == null ? null : (InetSocketAddress) socket.getLocalSocketAddress();
    }
}
