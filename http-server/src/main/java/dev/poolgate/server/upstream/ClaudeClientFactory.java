package dev.poolgate.server.upstream;

import dev.poolgate.pool.ConnectionFactory;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;

/**
 * Creates the pool's {@link ClaudeClient}s: each one is warmed by one cheap upstream request (so
 * its connection is open before it is first handed out), health-checked by the same request, and
 * closed when destroyed.
 */
public final class ClaudeClientFactory implements ConnectionFactory<ClaudeClient> {

    private final URI upstream;
    private final String apiKey;
    private final UpstreamTimeouts timeouts;
    private final String healthPath;
    /** The egress proxy, or null. */
    private final EgressProxy proxy;
    private final SSLSocketFactory tlsSockets;

    /**
     * @param upstream the API's base URL
     * @param apiKey the key sent upstream, or null for none
     * @param timeouts the connect, response headers and body read timeouts of each connection
     * @param healthPath the path of the warm-up and health-check request
     * @param tlsSockets the TLS sockets of an https upstream (see {@link UpstreamTrust}); null for
     *     the JVM's default
     * @param proxy the egress proxy every connection tunnels through, or null
     */
    public ClaudeClientFactory(URI upstream, String apiKey, UpstreamTimeouts timeouts, String healthPath, SSLSocketFactory tlsSockets, EgressProxy proxy) {
        this.tlsSockets = tlsSockets;
        this.proxy = proxy;
        this.upstream = upstream;
        this.apiKey = apiKey;
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.healthPath = healthPath;
    }

    @Override
    public ClaudeClient create() throws IOException, InterruptedException {
        ClaudeClient client = new ClaudeClient(upstream, apiKey, timeouts, tlsSockets, proxy);
        try {
            if (!client.ping(healthPath)) {
                throw new IOException("Upstream " + upstream + " answered the warm-up request " + healthPath
                        + " with an error status");
            }
            return client;
        } catch (IOException | InterruptedException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public boolean isHealthy(ClaudeClient client) throws IOException, InterruptedException {
        return client.ping(healthPath);
    }

    @Override
    public void destroy(ClaudeClient client) {
        client.close();
    }
}
