package dev.poolgate.stub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.poolgate.testkit.SelfSignedCertificate;
import org.junit.jupiter.api.io.TempDir;

/** The stub serving HTTPS from a key store (--tls-keystore), as the gateway benchmark's TLS upstream. */
@Timeout(60)
class StubTlsTest {

    @Test
    void servesTheApiOverHttpsWithTheKeyStoresCertificate(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir);
        CommandLine line = CommandLine.parse("--tls-keystore", certificate.keyStore().toString());
        try (StubBackend stub = StubBackend.start(line.config());
                HttpClient client = HttpClient.newBuilder().sslContext(certificate.context()).build()) {
            assertEquals(URI.create("https://127.0.0.1:" + stub.port()), stub.baseUri());
            URI base = URI.create("https://localhost:" + stub.port());
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(base.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            HttpResponse<String> reply = client.send(HttpRequest.newBuilder(base.resolve("/v1/messages"))
                    .header("x-api-key", "k").header("anthropic-version", "2023-06-01")
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, reply.statusCode(), reply.body());
            assertTrue(reply.body().contains("\"type\":\"message\""), reply.body());

            // A client that does not trust the certificate is refused in the handshake.
            try (HttpClient untrusting = HttpClient.newHttpClient()) {
                assertThrows(SSLHandshakeException.class, () -> untrusting.send(
                        HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()));
            }
        }
    }

    @Test
    void theClientsPreferenceAmongCipherSuitesWinsAsAtTheRealApisFront(@TempDir Path dir) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir);
        try (StubBackend stub = StubBackend.start(
                CommandLine.parse("--tls-keystore", certificate.keyStore().toString()).config())) {
            for (String first : List.of("TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256")) {
                try (SSLSocket socket = (SSLSocket) certificate.context().getSocketFactory()
                        .createSocket("localhost", stub.port())) {
                    SSLParameters parameters = socket.getSSLParameters();
                    parameters.setCipherSuites(new String[] {first, "TLS_AES_256_GCM_SHA384"});
                    socket.setSSLParameters(parameters);
                    socket.startHandshake();
                    assertEquals(first, socket.getSession().getCipherSuite());
                }
            }
        }
    }

    @Test
    void aMissingKeyStoreOrWrongPasswordStopsStartUpNamingTheFile(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.p12");
        UncheckedIOException absent = assertThrows(UncheckedIOException.class,
                () -> StubBackend.start(CommandLine.parse("--tls-keystore", missing.toString()).config()));
        assertTrue(absent.getMessage().contains(missing.toString()), absent.getMessage());
        Path store = SelfSignedCertificate.create(dir).keyStore();
        UncheckedIOException wrong = assertThrows(UncheckedIOException.class, () -> StubBackend.start(
                CommandLine.parse("--tls-keystore", store.toString(), "--tls-password", "nope").config()));
        assertTrue(wrong.getMessage().contains("--tls-password"), wrong.getMessage());
        IllegalArgumentException alone = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse("--tls-password", "x"));
        assertTrue(alone.getMessage().contains("--tls-keystore"), alone.getMessage());
    }
}
