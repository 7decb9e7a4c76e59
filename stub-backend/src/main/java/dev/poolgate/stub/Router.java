package dev.poolgate.stub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.poolgate.httpkit.RequestReadDeadlines;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one handler of the HTTP server: counts each request, finds its {@link Route} (404, 405),
 * applies the faults, checks the API key and version of API requests, hands the request to its
 * endpoint, and turns an {@link ApiException} into the Anthropic error response.
 *
 * <p>The order for an API request: count; route; request latency; drop; injected failure;
 * {@code x-api-key} (401); {@code anthropic-version} (400); the endpoint's own checks. Each
 * request reads the faults once, when it arrives, so a change applies to requests arriving after
 * it. Handlers run on virtual threads; an interrupt means the stub is closing.
 */
final class Router implements HttpHandler {

    static final String ANTHROPIC_VERSION = "2023-06-01";
    /** The oldest anthropic-version the stub accepts. */
    static final String FIRST_VERSION = "2023-01-01";

    private final StubConfig config;
    private final Faults faults;
    private final RequestStats stats;
    private final boolean adminEnabled;
    private final MessagesEndpoint messages;
    private final ModelsEndpoint models = new ModelsEndpoint();
    private final BatchesEndpoint batches;
    private final FilesEndpoint files;
    private final CompleteEndpoint complete;
    private final AdminEndpoint admin;
    private final RequestReadDeadlines readDeadlines;

    Router(StubConfig config, Faults faults, RequestStats stats, boolean adminEnabled,
            RequestReadDeadlines readDeadlines) {
        this.config = config;
        this.readDeadlines = readDeadlines;
        this.faults = faults;
        this.stats = stats;
        this.adminEnabled = adminEnabled;
        this.messages = new MessagesEndpoint(config.maxBodyBytes());
        this.batches = new BatchesEndpoint(config.maxBodyBytes(), config.batchProcessingTime(), config.tls() != null);
        this.files = new FilesEndpoint(config.maxBodyBytes());
        this.complete = new CompleteEndpoint(config.maxBodyBytes());
        this.admin = new AdminEndpoint(faults, stats);
    }

    @Override
    public void handle(HttpExchange http) {
        StubExchange exchange = new StubExchange(http, Ids.requestId(), readDeadlines);
        try {
            Optional<Route> route = Route.match(exchange.path());
            stats.record(route.map(Route::template).orElse(Route.UNKNOWN), http.getRemoteAddress());
            boolean api = exchange.path().startsWith("/v1/");
            if (api) {
                stats.apiStarted();
            }
            try {
                serve(exchange, route);
            } finally {
                if (api) {
                    stats.apiFinished();
                }
            }
        } catch (ApiException e) {
            respond(exchange, e);
        } catch (IOException e) {
            // An interrupt here is the read deadline's: it closed the connection of a slow request.
            String why = Thread.currentThread().isInterrupted() ? "cut off: the request did not arrive within "
                    + config.requestReadTimeout().toMillis() + " ms" : "the connection failed (" + e + ")";
            StubLog.info(exchange.requestId() + " " + ApiException.shown(exchange.method()) + " "
                    + ApiException.shown(exchange.path()) + ": " + why);
        } catch (InterruptedException e) {
            // The stub is closing: end the exchange without an answer.
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            StubLog.error(exchange.requestId() + " " + ApiException.shown(exchange.method()) + " "
                    + ApiException.shown(exchange.path()) + ": internal error; answering 500 api_error", e);
            respond(exchange, ApiException.internal());
        } finally {
            exchange.close();
        }
    }

    private void serve(StubExchange exchange, Optional<Route> match) throws IOException, InterruptedException {
        String method = exchange.method();
        String path = exchange.path();
        if (match.isEmpty()) {
            throw ApiException.notFound("Not found: no endpoint at " + ApiException.shown(method) + " "
                    + ApiException.shown(path) + "; the stub serves"
                    + " /v1/messages, /v1/messages/count_tokens, /v1/messages/batches[/{id}[/cancel|/results]],"
                    + " /v1/complete, /v1/files[/{id}[/content]], /v1/models[/{id}] and /health");
        }
        Route route = match.get();
        if (route.isAdmin() && !adminEnabled) {
            throw ApiException.notFound("Not found: the admin endpoint is off on this stub (by default it is on"
                    + " only when the stub is bound to a loopback address); start the stub with --enable-admin"
                    + " to serve " + ApiException.shown(path));
        }
        if (!route.allows(method)) {
            throw ApiException.methodNotAllowed(method, route);
        }
        FaultSettings now = faults.snapshot();
        switch (route) {
            case HEALTH -> {
                if (delayOrDrop(exchange, now)) {
                    return;
                }
                if (now.healthFailing()) {
                    throw ApiException.healthFailing();
                }
                ObjectNode body = Json.object();
                body.put("status", "ok");
                exchange.sendJson(200, body);
            }
            case ADMIN_FAULTS -> {
                if (method.equals("GET")) {
                    admin.getFaults(exchange);
                } else {
                    admin.updateFaults(exchange);
                }
            }
            case ADMIN_FAULTS_RESET -> admin.resetFaults(exchange);
            case ADMIN_STATS -> admin.getStats(exchange);
            default -> {
                if (delayOrDrop(exchange, now)) {
                    return;
                }
                if (happens(now.failureRate())) {
                    throw ApiException.injected(now.failureStatus(), now.retryAfterSeconds());
                }
                checkKeyAndVersion(exchange);
                serveApi(exchange, route, now);
            }
        }
    }

    private void serveApi(StubExchange exchange, Route route, FaultSettings now)
            throws IOException, InterruptedException {
        assert route.isApi();
        String path = exchange.path();
        boolean get = exchange.method().equals("GET");
        switch (route) {
            case MESSAGES -> messages.create(exchange, now);
            case COUNT_TOKENS -> messages.countTokens(exchange);
            case BATCHES -> {
                if (get) {
                    batches.list(exchange);
                } else {
                    batches.create(exchange);
                }
            }
            case BATCH -> {
                if (get) {
                    batches.retrieve(exchange, route.id(path));
                } else {
                    batches.delete(exchange, route.id(path));
                }
            }
            case BATCH_CANCEL -> batches.cancel(exchange, route.id(path));
            case BATCH_RESULTS -> batches.results(exchange, route.id(path));
            case COMPLETE -> complete.complete(exchange, now);
            case FILES -> {
                if (get) {
                    files.list(exchange);
                } else {
                    files.upload(exchange);
                }
            }
            case FILE -> {
                if (get) {
                    files.metadata(exchange, route.id(path));
                } else {
                    files.delete(exchange, route.id(path));
                }
            }
            case FILE_CONTENT -> files.content(exchange, route.id(path));
            case MODELS -> models.list(exchange);
            case MODEL -> models.get(exchange, route.id(path));
            default -> throw new IllegalStateException("no API endpoint for " + route);
        }
    }

    /** Waits the request latency, then drops the connection if the drop fault hits; true when dropped. */
    private boolean delayOrDrop(StubExchange exchange, FaultSettings now) throws InterruptedException {
        if (!now.requestLatency().isZero()) {
            // The stub's own slowness does not count against the client's read timeout.
            long remaining = readDeadlines.pause();
            Thread.sleep(now.requestLatency());
            readDeadlines.resume(remaining);
        }
        if (happens(now.dropRate())) {
            exchange.drop();
            return true;
        }
        return false;
    }

    private static boolean happens(double rate) {
        return rate > 0.0 && ThreadLocalRandom.current().nextDouble() < rate;
    }

    private void checkKeyAndVersion(StubExchange exchange) {
        String key = exchange.header("x-api-key");
        if (key == null || key.isBlank()) {
            throw ApiException.authentication("x-api-key header is required; send your API key in the x-api-key"
                    + " header");
        }
        if (!config.apiKeys().isEmpty() && !config.apiKeys().contains(key)) {
            throw ApiException.authentication("invalid x-api-key; send one of the keys this stub was started with"
                    + " (--api-key)");
        }
        String version = exchange.header("anthropic-version");
        if (version == null) {
            throw ApiException.invalidRequest("anthropic-version: header is required; send the header"
                    + " anthropic-version: " + ANTHROPIC_VERSION);
        }
        if (!supportedVersion(version.strip())) {
            throw ApiException.invalidRequest("anthropic-version: \"" + ApiException.shown(version)
                    + "\" is not a supported version;"
                    + " send anthropic-version: " + ANTHROPIC_VERSION);
        }
    }

    /**
     * A version date from the first one of the API on: the stub answers every version in the same
     * format, and the official SDKs send dates newer than {@link #ANTHROPIC_VERSION}.
     */
    static boolean supportedVersion(String version) {
        return version.matches("20\\d\\d-\\d\\d-\\d\\d") && version.compareTo(FIRST_VERSION) >= 0;
    }

    private static void respond(StubExchange exchange, ApiException error) {
        if (exchange.responded()) {
            return; // headers are out (a stream, a drop): the exchange can only end
        }
        try {
            exchange.sendError(error);
        } catch (IOException e) {
            StubLog.info(exchange.requestId() + " " + ApiException.shown(exchange.method()) + " "
                    + ApiException.shown(exchange.path()) + ": the connection failed while answering "
                    + error.status() + " (" + e + ")");
        }
    }
}
