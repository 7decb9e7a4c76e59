package dev.poolgate.server.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.poolgate.httpkit.RequestReadDeadlines;
import dev.poolgate.server.config.ClientsFile;
import dev.poolgate.server.metrics.Metrics;
import java.io.IOException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's one HTTP handler, as a pipeline: each request becomes a {@link Call} and passes
 * these filters in order, then its route's endpoint.
 *
 * <ol>
 *   <li><b>count in flight</b>: until its exchange is closed (its last bytes sent), so that
 *       shutdown can drain ({@link #awaitIdle});
 *   <li><b>record</b>: whatever happens, the exchange is closed and the request ends in the metrics
 *       and the access log;
 *   <li><b>answer errors</b>: an {@link ApiError}, or an unexpected fault as a 500 naming no
 *       internals, becomes an Anthropic-style body;
 *   <li><b>route</b>: the {@link RouteTable} finds the route (404, 405);
 *   <li><b>gate shutdown</b>: API routes are refused with 503 once shutdown began;
 *   <li><b>check the key</b>: the client's key for the route's {@link ProxyKeys.Access}, and which
 *       named client it is.
 * </ol>
 */
public final class Router implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    /** One step of the pipeline: does its part, and passes the call on (or not) with {@code next}. */
    interface Filter {
        void filter(Call call, Next next) throws IOException;
    }

    /** The rest of the pipeline after a filter. */
    interface Next {
        void proceed(Call call) throws IOException;
    }

    private final RouteTable routes;
    private final ProxyKeys proxyKeys;
    private final Metrics metrics;
    private final BooleanSupplier shuttingDown;
    private final AccessLog accessLog;
    /** The server's read deadlines, handed to each call; null in tests that need none. */
    private final RequestReadDeadlines readDeadlines;
    private final List<Filter> filters = List.of(this::countInFlight, this::record, this::answerErrors, this::route,
            this::gateShutdown, this::checkKey);

    /** Guards {@link #inFlight}. */
    private final ReentrantLock inFlightLock = new ReentrantLock();
    /** Signalled when the last request in flight finishes. */
    private final Condition idle = inFlightLock.newCondition();
    // Guarded by inFlightLock.
    private int inFlight;

    Router(RouteTable routes, ProxyKeys proxyKeys, Metrics metrics, BooleanSupplier shuttingDown, AccessLog accessLog,
            RequestReadDeadlines readDeadlines) {
        this.routes = routes;
        this.proxyKeys = proxyKeys;
        this.metrics = metrics;
        this.shuttingDown = shuttingDown;
        this.accessLog = accessLog;
        this.readDeadlines = readDeadlines;
    }

    /**
     * Replaces the named clients of the clients file (read again on SIGHUP); requests in flight
     * keep the client they were admitted as.
     */
    public void clients(List<ClientsFile.Client> clients) {
        if (clients == null) {
            throw new IllegalArgumentException("clients must not be null; pass an empty list for none");
        }
        proxyKeys.clients(clients);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Call call = new Call(exchange, "req_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong())
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()), metrics, readDeadlines);
        call.client = ProxyKeys.client(exchange.getRequestHeaders());
        proceed(call, 0);
    }

    /** Runs filter {@code index} with the rest of the pipeline as its next step; past the filters, the endpoint. */
    private void proceed(Call call, int index) throws IOException {
        if (index < filters.size()) {
            filters.get(index).filter(call, next -> proceed(next, index + 1));
        } else {
            call.matched.endpoint().handle(call);
        }
    }

    private void record(Call call, Next next) throws IOException {
        try {
            next.proceed(call);
        } finally {
            call.close();
            call.ended(accessLog);
        }
    }

    private void countInFlight(Call call, Next next) throws IOException {
        enter();
        try {
            next.proceed(call);
        } finally {
            leave();
        }
    }

    private void answerErrors(Call call, Next next) throws IOException {
        try {
            next.proceed(call);
        } catch (ApiError e) {
            call.sendError(e);
        } catch (IOException e) {
            // The client went away, or its connection was closed under it; nothing can be answered.
            LOG.debug("[API] {} {} ended with an I/O error: {}", ApiError.shown(call.method()),
                    ApiError.shown(call.path()), e.toString());
        } catch (RuntimeException e) {
            LOG.error("[API] {} {} failed unexpectedly ({})", ApiError.shown(call.method()),
                    ApiError.shown(call.path()), call.requestId, e);
            call.sendError(new ApiError(500, "api_error", "An unexpected error occurred in the gateway; retry the "
                    + "request, and report request id " + call.requestId + " if it persists"));
        }
    }

    private void route(Call call, Next next) throws IOException {
        call.matched = routes.find(call.method(), call.path());
        call.route = call.matched.path().template();
        next.proceed(call);
    }

    private void gateShutdown(Call call, Next next) throws IOException {
        if (call.matched.access() == ProxyKeys.Access.API && shuttingDown.getAsBoolean()) {
            throw ApiError.shuttingDown();
        }
        next.proceed(call);
    }

    private void checkKey(Call call, Next next) throws IOException {
        ProxyKeys.Identity identity = proxyKeys.check(call.matched.access(), call.requestHeaders());
        if (identity.name() != null) {
            call.client = identity.name();
            call.clientRates = identity.rates();
            call.namedClient = true;
        }
        next.proceed(call);
    }

    private void enter() {
        inFlightLock.lock();
        try {
            inFlight++;
        } finally {
            inFlightLock.unlock();
        }
    }

    private void leave() {
        inFlightLock.lock();
        try {
            if (--inFlight == 0) {
                idle.signalAll();
            }
        } finally {
            inFlightLock.unlock();
        }
    }

    /**
     * Waits until no request is in flight, at most {@code timeout}.
     *
     * @return whether none is left
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        inFlightLock.lock();
        try {
            while (inFlight > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = idle.awaitNanos(nanos);
            }
            return true;
        } finally {
            inFlightLock.unlock();
        }
    }
}
