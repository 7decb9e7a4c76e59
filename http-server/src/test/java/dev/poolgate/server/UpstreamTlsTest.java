package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.server.config.Settings;
import dev.poolgate.stub.StubBackend;
import dev.poolgate.stub.StubConfig;
import dev.poolgate.stub.StubTls;
import dev.poolgate.testkit.SelfSignedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway in front of an HTTPS upstream (the stub with a keytool certificate), verified
 * against {@code --upstream-ca-file}: requests and streams go through, sequential requests reuse
 * one TLS connection, and an upstream whose certificate is not trusted is never used.
 */
@Timeout(60)
class UpstreamTlsTest {

    @Test
    void requestsGoThroughAVerifiedTlsConnectionThatIsReused(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir);
        Path ca = certificate.pem();
        try (StubBackend stub = start(certificate);
                Gateway gateway = Gateways.start(flags(stub, "--upstream-ca-file", ca.toString()))) {
            GatewayClient client = new GatewayClient(gateway);
            for (int i = 0; i < 3; i++) {
                Response response = client.post("/v1/messages", GatewayClient.message("over tls " + i));
                assertEquals(200, response.status(), response.body());
                assertEquals("message", response.json().path("type").asText());
            }
            Response stream = client.post("/v1/messages", GatewayClient.message("streamed over tls", 32, true));
            assertEquals(200, stream.status(), stream.body());
            assertTrue(stream.body().contains("event: message_stop"), stream.body());

            assertEquals(1, client.stat("connections_created"), "sequential requests never create a connection");
            assertEquals(4, client.stat("connections_reused"));
            assertEquals(0, client.stat("connections_destroyed"));
            assertEquals(1, stub.clientConnectionsSeen(), "one TLS connection carried the warm-up and every request");
        }
    }

    @Test
    void anUpstreamWhoseCertificateIsNotTrustedIsNeverUsed(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir);
        Path otherCa = SelfSignedCertificate.create(dir.resolve("other")).pem();
        try (StubBackend stub = start(certificate);
                Gateway gateway = Gateways.start(flags(stub, "--upstream-ca-file", otherCa.toString(),
                        "--pool-acquire-timeout", "500ms"))) {
            GatewayClient client = new GatewayClient(gateway);
            client.post("/v1/messages", GatewayClient.message("untrusted")).assertError(502, "api_error");
            assertEquals(0, client.stat("total_connections"));
            assertEquals(0, stub.requestCount(), "nothing reached the untrusted upstream");
        }
    }

    @Test
    void aCaFileThatHoldsNoCertificateStopsStartUpNamingTheSetting(@TempDir Path dir) throws Exception {
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Settings.parse(
                new String[] {"--upstream-ca-file", notPem.toString()}, Map.of()));
        assertTrue(bad.getMessage().contains("--upstream-ca-file"), bad.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Settings.parse(
                new String[0], Map.of("POOLGATE_UPSTREAM_CA_FILE", dir.resolve("missing.pem").toString())));
        assertTrue(missing.getMessage().contains("POOLGATE_UPSTREAM_CA_FILE"), missing.getMessage());
    }

    private static String[] flags(StubBackend stub, String... more) {
        List<String> flags = new java.util.ArrayList<>(List.of("--anthropic-base-url",
                "https://localhost:" + stub.port(), "--anthropic-api-key", "sk-tls-test", "--upstream-health-path",
                "/health", "--pool-min-size", "1", "--pool-health-check-interval", "0"));
        flags.addAll(List.of(more));
        return flags.toArray(String[]::new);
    }

    private static StubBackend start(SelfSignedCertificate certificate) {
        return StubBackend.start(StubConfig.builder()
                .tls(new StubTls(certificate.keyStore(), certificate.password())).build());
    }
}
