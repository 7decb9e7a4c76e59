package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.config.ServerConfig;
import dev.poolgate.server.config.Settings;
import dev.poolgate.server.upstream.EgressProxy;
import dev.poolgate.stub.StubBackend;
import dev.poolgate.stub.StubConfig;
import dev.poolgate.stub.StubTls;
import dev.poolgate.testkit.SelfSignedCertificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The egress proxy: every pooled connection tunnels through it with CONNECT, TLS to upstream
 * still verified end to end inside the tunnel, with the URL's credentials as Proxy-Authorization
 * and never in a log line or a message; HTTPS_PROXY and NO_PROXY as every HTTP client reads them.
 */
@Timeout(60)
class EgressProxyTest {

    private static final String PASSWORD = "proxy-secret-pw";
    private static final String AUTHORIZATION = "Basic " + Base64.getEncoder().encodeToString(
            ("gate:" + PASSWORD).getBytes(StandardCharsets.UTF_8));

    private static String[] flags(StubBackend stub, Path ca, String... more) {
        List<String> flags = new ArrayList<>(List.of("--anthropic-base-url", "https://localhost:" + stub.port(),
                "--anthropic-api-key", "sk-proxy-test", "--upstream-health-path", "/health", "--pool-min-size", "1",
                "--pool-health-check-interval", "0", "--upstream-ca-file", ca.toString()));
        flags.addAll(List.of(more));
        return flags.toArray(String[]::new);
    }

    @Test
    void everyConnectionTunnelsThroughTheProxyWithItsCredentials(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir);
        try (StubBackend stub = StubBackend.start(StubConfig.builder()
                .tls(new StubTls(certificate.keyStore(), certificate.password())).build());
             ConnectProxy proxy = new ConnectProxy(AUTHORIZATION);
             LogCapture log = LogCapture.start();
             Gateway gateway = Gateways.start(flags(stub, certificate.pem(), "--upstream-proxy",
                     "http://gate:" + PASSWORD + "@127.0.0.1:" + proxy.port()))) {
            GatewayClient client = new GatewayClient(gateway);
            for (int i = 0; i < 3; i++) {
                GatewayClient.Response response = client.post("/v1/messages", GatewayClient.message("via proxy " + i));
                assertEquals(200, response.status(), response.body());
            }
            List<ConnectProxy.Tunnel> tunnels = proxy.tunnels();
            assertEquals(1, tunnels.size(), "one pooled connection, one tunnel, reused: " + tunnels);
            assertEquals("localhost:" + stub.port(), tunnels.get(0).target());
            assertEquals(AUTHORIZATION, tunnels.get(0).authorization());
            assertFalse(String.join("\n", log.rawLines()).contains(PASSWORD), "the proxy's password is never logged");
            assertTrue(log.rawLines().stream().anyMatch(line -> line.contains("egress proxy http://gate:***@127.0.0.1")),
                    () -> String.join("\n", log.rawLines()));
        }
    }

    @Test
    void aProxyThatWantsCredentialsMakesTheUpstreamUnreachableWithTheReason(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir);
        try (StubBackend stub = StubBackend.start(StubConfig.builder()
                .tls(new StubTls(certificate.keyStore(), certificate.password())).build());
             ConnectProxy proxy = new ConnectProxy(AUTHORIZATION);
             Gateway gateway = Gateways.start(flags(stub, certificate.pem(), "--pool-acquire-timeout", "500ms",
                     "--upstream-proxy", "http://127.0.0.1:" + proxy.port()))) {
            new GatewayClient(gateway).post("/v1/messages", GatewayClient.message("refused"))
                    .assertError(502, "api_error");
            assertEquals(0, stub.requestCount(), "nothing reached upstream past the proxy");
            assertNull(proxy.tunnels().get(0).authorization());
        }
    }

    @Test
    void httpsProxyFromTheEnvironmentUnlessNoProxyNamesTheHost() {
        ServerConfig through = Settings.parse(new String[] {"--anthropic-api-key", "sk-x"},
                Map.of("HTTPS_PROXY", "http://proxy.corp:3128"));
        assertEquals("proxy.corp", through.upstreamProxy().host());
        assertEquals(3128, through.upstreamProxy().port());
        ServerConfig exempt = Settings.parse(new String[] {"--anthropic-api-key", "sk-x"},
                Map.of("HTTPS_PROXY", "http://proxy.corp:3128", "NO_PROXY", "localhost,.anthropic.com"));
        assertNull(exempt.upstreamProxy(), "NO_PROXY .anthropic.com exempts api.anthropic.com");
        ServerConfig stub = Settings.parse(new String[] {"--upstream", "stub"},
                Map.of("HTTPS_PROXY", "http://proxy.corp:3128", "HTTP_PROXY", "http://proxy.corp:3128"));
        assertNull(stub.upstreamProxy(), "the embedded stub is never reached through a proxy");
    }

    @Test
    void aBadProxyUrlStopsTheStartWithoutShowingItsPassword() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Settings.parse(
                new String[] {"--anthropic-api-key", "sk-x", "--upstream-proxy", "socks5://u:" + PASSWORD + "@h:1"},
                Map.of()));
        assertTrue(e.getMessage().contains("--upstream-proxy"), e.getMessage());
        assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
        assertEquals("http://u:***@h:8080", EgressProxy.parse("http://u:" + PASSWORD + "@h:8080").toString());
        assertEquals("Basic " + Base64.getEncoder().encodeToString("gate:p:w".getBytes(StandardCharsets.UTF_8)),
                EgressProxy.parse("http://gate:p%3Aw@h:8080").authorization(), "a %3A in the password stays in it");
        assertThrows(IllegalArgumentException.class, () -> EgressProxy.parse("http://ga%3Ate:pw@h:8080"));
        assertTrue(EgressProxy.exempt("api.anthropic.com", "*"));
        assertFalse(EgressProxy.exempt("api.anthropic.com", "anthropic.co"));
    }
}
