package dev.poolgate.server.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.poolgate.testkit.SelfSignedCertificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream TLS client offers ChaCha20-Poly1305 ahead of AES-GCM (plain Java under C1, which
 * the gateway's defaults run), and a server that lets the client choose picks it.
 */
@Timeout(60)
class CipherOrderTest {

    private static final Duration LONG = Duration.ofSeconds(10);

    @Test
    void chachaMovesAheadOfItsKeyExchangesFirstSuiteAndEverythingElseKeepsItsPlace() {
        String[] jdkOrder = {
            "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"};
        assertArrayEquals(new String[] {
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
                CipherOrder.chachaFirst(jdkOrder));
    }

    @Test
    void withoutChachaTheOrderIsUnchanged() {
        String[] suites = {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"};
        assertArrayEquals(suites, CipherOrder.chachaFirst(suites));
    }

    @Test
    void aJvmToldWhichSuitesToUseKeepsItsList() {
        String[] suites = {"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"};
        String before = System.getProperty("jdk.tls.client.cipherSuites");
        System.setProperty("jdk.tls.client.cipherSuites", String.join(",", suites));
        try {
            assertArrayEquals(suites, CipherOrder.offered(suites));
        } finally {
            if (before == null) {
                System.clearProperty("jdk.tls.client.cipherSuites");
            } else {
                System.setProperty("jdk.tls.client.cipherSuites", before);
            }
        }
        assertEquals("TLS_CHACHA20_POLY1305_SHA256", CipherOrder.offered(suites)[0]);
    }

    @Test
    void anUpstreamThatLetsTheClientChooseNegotiatesChacha(@TempDir Path dir) throws Exception {
        SSLContext context = SelfSignedCertificate.create(dir).context();
        CompletableFuture<String> negotiated = new CompletableFuture<>();
        try (RawUpstream upstream = new RawUpstream(context.getServerSocketFactory(), peer -> {
            SSLSocket socket = (SSLSocket) peer.socket;
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setUseCipherSuitesOrder(false); // the client's preference wins
            socket.setSSLParameters(parameters);
            if (peer.readRequest() != null) {
                negotiated.complete(socket.getSession().getCipherSuite());
                peer.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
            }
        }); Http1Connection connection = new Http1Connection(upstream.uri("https"),
                new UpstreamTimeouts(LONG, LONG, LONG), context.getSocketFactory(),
                Http1Connection.TLS_CHECK_AFTER_IDLE)) {
            UpstreamResponse response = connection.send("GET", "/", List.of(), null);
            assertEquals("ok", new String(response.body().readAllBytes(), StandardCharsets.US_ASCII));
            String suite = negotiated.get(10, TimeUnit.SECONDS);
            assertNotNull(suite);
            assertEquals("TLS_CHACHA20_POLY1305_SHA256", suite);
        }
    }
}
