package dev.poolgate.server.config;

import dev.poolgate.pool.PoolConfig;
import dev.poolgate.server.budget.BudgetSettings;
import dev.poolgate.server.upstream.EgressProxy;
import dev.poolgate.server.upstream.UpstreamTrust;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything the gateway is configured with: the pool's settings and the server's own. Built by
 * {@link Settings} from environment variables and command-line flags.
 *
 * @param host the address the server binds
 * @param port the port the server binds (0: any free port)
 * @param upstream the Anthropic API base URL, or null when none is configured (the embedded stub, or
 *     nothing: then the gateway refuses to start)
 * @param upstreamApiKey the key sent upstream, never logged; null for the embedded stub
 * @param proxyApiKeys keys a client must present; empty: no client authentication
 * @param adminApiKeys keys for {@code /pool/stats} and {@code /metrics}; empty: the proxy keys guard them
 * @param maxRequestBytes the largest request body accepted
 * @param requestReadTimeout how long a client may take to send a whole request, headers and body
 * @param upstreamConnectTimeout how long connecting upstream may take
 * @param upstreamTimeout how long upstream may take to send its response headers
 * @param upstreamReadTimeout the longest silence within a response body (a stalled stream fails)
 * @param upstreamHealthPath the path of the pool's health-check request upstream
 * @param upstreamCaFile PEM certificates an https upstream is verified against, or null for the
 *     JVM's trust store
 * @param drainTimeout how long in-flight requests may take to finish on shutdown
 * @param pool the pool's settings
 * @param upstreamRetries when and how a failed request is sent upstream again (off by default)
 * @param stubUpstream {@code --upstream stub}: forward to the embedded stub backend
 * @param logFormat "text" or "json"
 * @param clientConnections write and idle timeouts of client connections, and the accept backlog
 * @param budget the upstream budget (concurrency and per-minute limits), shared through Redis or not
 * @param clientsFile the clients file (named proxy keys with budgets), or null
 * @param upstreamProxy the egress proxy to tunnel upstream through, or null
 */
public record ServerConfig(
        String host,
        int port,
        URI upstream,
        String upstreamApiKey,
        List<String> proxyApiKeys,
        List<String> adminApiKeys,
        long maxRequestBytes,
        Duration requestReadTimeout,
        Duration upstreamConnectTimeout,
        Duration upstreamTimeout,
        Duration upstreamReadTimeout,
        String upstreamHealthPath,
        UpstreamTrust.CaFile upstreamCaFile,
        Duration drainTimeout,
        PoolConfig pool,
        UpstreamRetries upstreamRetries,
        boolean stubUpstream,
        String logFormat,
        ClientConnections clientConnections,
        BudgetSettings budget,
        Path clientsFile,
        EgressProxy upstreamProxy) {

    public ServerConfig {
        proxyApiKeys = List.copyOf(proxyApiKeys);
        java.util.Objects.requireNonNull(upstreamRetries, "upstreamRetries must not be null; pass "
                + "UpstreamRetries.OFF for none");
        adminApiKeys = List.copyOf(adminApiKeys);
    }

    /** This configuration with another health-check path. */
    public ServerConfig withUpstreamHealthPath(String path) {
        return new ServerConfig(host, port, upstream, upstreamApiKey, proxyApiKeys, adminApiKeys, maxRequestBytes,
                requestReadTimeout, upstreamConnectTimeout, upstreamTimeout, upstreamReadTimeout, path, upstreamCaFile,
                drainTimeout, pool, upstreamRetries, stubUpstream, logFormat, clientConnections, budget, clientsFile, upstreamProxy);
    }

    /** Whether the embedded stub backend is the upstream ({@code --upstream stub}). */
    public boolean embeddedStub() {
        return stubUpstream;
    }

    /** Whether the upstream is {@code https} and trusted through the JVM's own trust store (no {@code --upstream-ca-file}). */
    public boolean upstreamOnJvmTrust() {
        return upstream != null && "https".equalsIgnoreCase(upstream.getScheme()) && upstreamCaFile == null;
    }

    /** Never prints the keys. */
    @Override
    public String toString() {
        return "ServerConfig[host=" + host + ", port=" + port + ", upstream="
                + (stubUpstream ? "embedded stub" : upstream == null ? "none" : upstream) + ", upstreamApiKey="
                + (upstreamApiKey == null ? "none" : "(set)") + ", proxyApiKeys=" + proxyApiKeys.size()
                + ", adminApiKeys=" + adminApiKeys.size()
                + ", maxRequestBytes=" + maxRequestBytes + ", requestReadTimeout=" + requestReadTimeout
                + ", upstreamConnectTimeout=" + upstreamConnectTimeout
                + ", upstreamTimeout=" + upstreamTimeout + ", upstreamReadTimeout=" + upstreamReadTimeout
                + ", upstreamHealthPath=" + upstreamHealthPath + ", upstreamCaFile=" + upstreamCaFile
                + ", drainTimeout=" + drainTimeout + ", pool=" + pool + ", upstreamRetries=" + upstreamRetries
                + ", logFormat=" + logFormat + ", clientConnections=" + clientConnections + ", budget=" + budget + ", clientsFile=" + clientsFile + ", upstreamProxy=" + upstreamProxy + "]";
    }
}
