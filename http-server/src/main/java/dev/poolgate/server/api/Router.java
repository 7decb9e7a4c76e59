package dev.poolgate.server.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.poolgate.server.config.ClientsFile;
import dev.poolgate.server.metrics.Metrics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's one HTTP handler: finds the endpoint for a method and path, answers 404 and 405
 * for the paths it owns (under {@code /v1/} every path goes upstream, which answers for it),
 * checks the client's key for the route's {@link ProxyKeys.Access}, refuses API calls while
 * shutting down, turns every error into an Anthropic-style body, and records each request in the
 * metrics and the access log.
 */
public final class Router implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    /** Handles a call on a route. */
    interface Endpoint {
        void handle(Call call) throws IOException;
    }

    private record Route(String method, Pattern path, ProxyKeys.Access access, Endpoint endpoint) {
    }

    private final List<Route> routes = new ArrayList<>();
    /** Guards {@link #inFlight}. */
    private final ReentrantLock inFlightLock = new ReentrantLock();
    /** Signalled when the last request in flight finishes. */
    private final Condition idle = inFlightLock.newCondition();
    // Guarded by inFlightLock.
    private int inFlight;
    private final ProxyKeys proxyKeys;
    private final Metrics metrics;
    private final BooleanSupplier shuttingDown;
    private final AccessLog accessLog;

    Router(ProxyKeys proxyKeys, Metrics metrics, BooleanSupplier shuttingDown) {
        this(proxyKeys, metrics, shuttingDown, new AccessLog(false));
    }

    Router(ProxyKeys proxyKeys, Metrics metrics, BooleanSupplier shuttingDown, AccessLog accessLog) {
        this.proxyKeys = proxyKeys;
        this.metrics = metrics;
        this.shuttingDown = shuttingDown;
        this.accessLog = accessLog;
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

    /** Matches every method in {@link #route}: the request goes to the endpoint whatever its method. */
    static final String ANY_METHOD = "*";

    /** Adds a route; {@code API} routes are also refused while shutting down. Earlier routes win. */
    Router route(String method, String pathRegex, ProxyKeys.Access access, Endpoint endpoint) {
        routes.add(new Route(method, Pattern.compile(pathRegex), access, endpoint));
        return this;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Call call = new Call(exchange, "req_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong())
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()), metrics);
        String path = exchange.getRequestURI().getPath();
        call.client = ProxyKeys.client(exchange.getRequestHeaders());
        enter();
        try {
            Route match = find(exchange.getRequestMethod(), path);
            call.route = match.path.pattern().replace("[^/]+", "{id}").replace(".+", "*");
            if (match.access == ProxyKeys.Access.API && shuttingDown.getAsBoolean()) {
                throw new ApiError(503, "overloaded_error", "The gateway is shutting down; retry on another "
                        + "instance or after it restarted", Map.of("retry-after", "1"));
            }
            ProxyKeys.Identity identity = proxyKeys.check(match.access, exchange.getRequestHeaders());
            if (identity.name() != null) {
                call.client = identity.name();
                call.clientRates = identity.rates();
                call.namedClient = true;
            }
            match.endpoint.handle(call);
        } catch (ApiError e) {
            call.sendError(e);
        } catch (IOException e) {
            // The client went away, or its connection was closed under it; nothing can be answered.
            LOG.debug("[API] {} {} ended with an I/O error: {}", ApiError.shown(exchange.getRequestMethod()),
                    ApiError.shown(path), e.toString());
        } catch (RuntimeException e) {
            LOG.error("[API] {} {} failed unexpectedly ({})", ApiError.shown(exchange.getRequestMethod()),
                    ApiError.shown(path), call.requestId, e);
            call.sendError(new ApiError(500, "api_error", "An unexpected error occurred in the gateway; retry the "
                    + "request, and report request id " + call.requestId + " if it persists"));
        } finally {
            exchange.close();
            call.ended(accessLog);
            leave();
        }
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

    private Route find(String method, String path) {
        Set<String> allowed = new LinkedHashSet<>();
        // HEAD is answered on every GET route, without a body (see Call#send).
        String routeMethod = "HEAD".equals(method) ? "GET" : method;
        for (Route route : routes) {
            if (route.path.matcher(path).matches()) {
                if (route.method.equals(routeMethod) || route.method.equals(ANY_METHOD)) {
                    return route;
                }
                allowed.add(route.method);
            }
        }
        if (allowed.isEmpty()) {
            throw new ApiError(404, "not_found_error", "No endpoint " + ApiError.shown(path) + "; see the "
                    + "gateway's README for its endpoints");
        }
        throw new ApiError(405, "invalid_request_error", "Method " + ApiError.shown(method) + " is not allowed on "
                + ApiError.shown(path) + "; use " + String.join(" or ", allowed),
                Map.of("allow", String.join(", ", allowed)));
    }
}
