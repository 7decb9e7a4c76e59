package dev.poolgate.server;

import dev.poolgate.server.config.ServerConfig;
import dev.poolgate.server.config.Settings;
import dev.poolgate.stub.StubBackend;
import dev.poolgate.stub.StubConfig;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway and, with {@code --upstream stub}, the embedded stub backend it forwards
 * to (on a free loopback port, with a random key of its own); closing it closes both, the gateway
 * first.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** The embedded stub's health path: its health fault applies there. */
    private static final String STUB_HEALTH_PATH = "/health";

    private final GatewayServer server;
    private final StubBackend embeddedStub;

    private Gateway(GatewayServer server, StubBackend embeddedStub) {
        this.server = server;
        this.embeddedStub = embeddedStub;
    }

    /**
     * Starts the embedded stub if the configuration asks for it ({@code --upstream stub}), then the
     * gateway.
     *
     * @throws IllegalArgumentException when no upstream is configured and the stub is not asked
     *     for: its fake answers are never served by default
     */
    public static Gateway start(ServerConfig config) throws IOException {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null; build one with Settings.parse");
        }
        if (!config.embeddedStub() && config.upstream() == null) {
            throw new IllegalArgumentException(Settings.NO_UPSTREAM);
        }
        GatewayServer.configureJdkServer();
        if (!config.embeddedStub()) {
            return new Gateway(GatewayServer.start(config, config.upstream(), config.upstreamApiKey()), null);
        }
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        String key = "stub-" + HexFormat.of().formatHex(secret);
        StubBackend stub = StubBackend.start(StubConfig.builder().host("127.0.0.1").port(0).apiKey(key).build());
        LOG.warn("[STARTUP] Forwarding to the embedded stub backend at {} (--upstream stub): its answers are fake; "
                + "set ANTHROPIC_API_KEY to reach the real API", stub.baseUri());
        ServerConfig forStub = config.upstreamHealthPath().equals(Settings.DEFAULT_HEALTH_PATH)
                ? config.withUpstreamHealthPath(STUB_HEALTH_PATH)
                : config;
        try {
            return new Gateway(GatewayServer.start(forStub, stub.baseUri(), key), stub);
        } catch (IOException | RuntimeException e) {
            stub.close();
            throw e;
        }
    }

    /** The gateway's bound port. */
    public int port() {
        return server.port();
    }

    public GatewayServer server() {
        return server;
    }

    /** The embedded stub backend, or null when forwarding to a configured upstream. */
    public StubBackend embeddedStub() {
        return embeddedStub;
    }

    @Override
    public void close() {
        server.close();
        if (embeddedStub != null) {
            embeddedStub.close();
        }
    }
}
