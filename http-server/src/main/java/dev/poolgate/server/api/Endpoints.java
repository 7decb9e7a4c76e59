package dev.poolgate.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poolgate.httpkit.RequestReadDeadlines;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.server.api.ProxyKeys.Access;
import dev.poolgate.server.budget.UpstreamBudget;
import dev.poolgate.server.config.ServerConfig;
import dev.poolgate.server.metrics.Metrics;
import dev.poolgate.server.upstream.ClaudeClient;
import dev.poolgate.server.upstream.UpstreamHealth;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The gateway's endpoints, wired into one {@link Router}: the Anthropic API, every path under
 * {@code /v1/}, forwarded upstream (proxy keys), the gateway's own {@code /pool/stats} and
 * {@code /metrics} (admin keys, else proxy keys), and the probes {@code /health} (alive) and
 * {@code /ready} (worth sending traffic to), open to all so that load balancers need no key.
 * Every GET route answers HEAD too.
 */
public final class Endpoints {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Endpoints() {
    }

    /**
     * The router of every endpoint.
     *
     * @param readDeadlines the executor of the server's requests; the forwarding endpoints end a
     *        request's read deadline once its body is read, before they take a pooled client
     * @param budget the upstream budget every forwarded request is admitted by, or null for none
     */
    public static Router router(Pool<ClaudeClient> pool, ServerConfig config, Metrics metrics,
            BooleanSupplier shuttingDown, RequestReadDeadlines readDeadlines, UpstreamHealth<?> upstreamHealth,
            UpstreamBudget budget) {
        Readiness readiness = new Readiness(pool, upstreamHealth, shuttingDown, System::nanoTime);
        UpstreamEndpoint.Forwarding forwarding = new UpstreamEndpoint.Forwarding(pool, metrics,
                RetryPolicy.of(config.upstreamRetries()), config.maxRequestBytes(), budget);
        UpstreamEndpoint passThrough = new UpstreamEndpoint(forwarding, "API request", null);
        RouteTable routes = new RouteTable()
                .add("POST", "/v1/messages", Access.API,
                        new UpstreamEndpoint(forwarding, "message request", MessageRequests::checkMessage))
                .add("POST", "/v1/messages/count_tokens", Access.API,
                        new UpstreamEndpoint(forwarding, "token count request", MessageRequests::checkCountTokens))
                .add("GET", "/v1/models", Access.API, new UpstreamEndpoint(forwarding, "models request", null))
                .add("GET", "/v1/models/{id}", Access.API, new UpstreamEndpoint(forwarding, "models request", null))
                // The rest of the API (batches, files, the legacy complete, paths the API adds later),
                // any method: upstream answers for it, with its own 404 or 405 where it has none.
                .add(RouteTable.ANY_METHOD, "/v1/**", Access.API, passThrough)
                .add("GET", "/pool/stats", Access.ADMIN, call -> call.sendJson(200, stats(pool)))
                .add("GET", "/health", Access.OPEN, call -> health(call, shuttingDown.getAsBoolean()))
                .add("GET", "/ready", Access.OPEN, call -> ready(call, readiness.check()))
                // Clients probe the base URL itself before their first call (Claude Code sends HEAD /).
                .add("GET", "/", Access.OPEN, Endpoints::root)
                .add("GET", "/metrics", Access.ADMIN, call -> {
                    call.responseHeaders().set("content-type", "text/plain; version=0.0.4; charset=utf-8");
                    call.send(200, metrics.scrape().getBytes(StandardCharsets.UTF_8));
                });
        return new Router(routes, new ProxyKeys(config.proxyApiKeys(), config.adminApiKeys()), metrics,
                shuttingDown, new AccessLog("json".equals(config.logFormat())), readDeadlines);
    }

    /** The JSON of {@code /pool/stats}: the eight fields of the log catalogue, and a few more. */
    static byte[] stats(Pool<?> pool) throws com.fasterxml.jackson.core.JsonProcessingException {
        PoolStats stats = pool.stats();
        ObjectNode root = JSON.createObjectNode();
        root.put("pool_enabled", pool.config().poolingEnabled());
        ObjectNode fields = root.putObject("stats");
        fields.put("connections_created", stats.connectionsCreated());
        fields.put("connections_destroyed", stats.connectionsDestroyed());
        fields.put("connections_reused", stats.connectionsReused());
        fields.put("acquire_timeouts", stats.acquireTimeouts());
        fields.put("health_check_failures", stats.healthCheckFailures());
        fields.put("total_connections", stats.totalConnections());
        fields.put("available_connections", stats.availableConnections());
        fields.put("in_use_connections", stats.inUseConnections());
        fields.put("waiting_acquirers", stats.waitingAcquirers());
        fields.put("min_connections", pool.config().minSize());
        fields.put("max_connections", pool.config().maxSize());
        return JSON.writeValueAsBytes(root);
    }

    /** The base URL itself: says what answers here, so that a client's probe of it succeeds. */
    private static void root(Call call) throws java.io.IOException {
        call.sendJson(200, "{\"service\":\"poolgate\",\"api\":\"/v1/\"}".getBytes(StandardCharsets.UTF_8));
    }

    private static void health(Call call, boolean shuttingDown) throws java.io.IOException {
        String body = shuttingDown ? "{\"status\":\"shutting_down\"}" : "{\"status\":\"ok\"}";
        call.sendJson(shuttingDown ? 503 : 200, body.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code {"status":"ready"}}, or 503 with {@code "status":"not_ready"}, the reason code and a sentence. */
    private static void ready(Call call, Readiness.Verdict verdict) throws java.io.IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("status", verdict.ready() ? "ready" : "not_ready");
        if (!verdict.ready()) {
            root.put("reason", verdict.reason());
            root.put("message", verdict.message());
        }
        call.sendJson(verdict.ready() ? 200 : 503, JSON.writeValueAsBytes(root));
    }
}
