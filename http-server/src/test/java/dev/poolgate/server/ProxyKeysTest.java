package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poolgate.server.GatewayClient.Response;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * With {@code --proxy-api-keys}, the API endpoints (and, without admin keys, {@code /pool/stats} and
 * {@code /metrics}) need one of the keys, as x-api-key or Bearer.
 */
@Timeout(30)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyKeysTest {

    private Gateway gateway;
    private GatewayClient client;

    @BeforeAll
    void startGateway() {
        gateway = Gateways.start("--proxy-api-keys", "k1,k2");
        client = new GatewayClient(gateway);
    }

    @AfterAll
    void closeGateway() {
        gateway.close();
    }

    private HttpRequest.Builder message() {
        return HttpRequest.newBuilder(client.base().resolve("/v1/messages"))
                .header("anthropic-version", GatewayClient.VERSION).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.message("let me in")));
    }

    @Test
    void aMissingKeyIsAnAuthenticationError() {
        client.send(message()).assertError(401, "authentication_error");
        client.send(HttpRequest.newBuilder(client.base().resolve("/v1/models")).GET())
                .assertError(401, "authentication_error");
        client.send(message().header("authorization", "Basic azE6")).assertError(401, "authentication_error");
    }

    @Test
    void aWrongKeyIsAnAuthenticationError() {
        long forwardedBefore = gateway.embeddedStub().requestCount("/v1/messages");
        client.send(message().header("x-api-key", "k3")).assertError(401, "authentication_error");
        client.send(message().header("x-api-key", "k1k2")).assertError(401, "authentication_error");
        client.send(message().header("authorization", "Bearer wrong")).assertError(401, "authentication_error");
        Response wrong = client.send(message().header("x-api-key", GatewayClient.CLIENT_KEY));
        wrong.assertError(401, "authentication_error");
        assertEquals(forwardedBefore, gateway.embeddedStub().requestCount("/v1/messages"), "nothing was forwarded");
    }

    @Test
    void eitherKeyIsAcceptedAsXApiKeyOrAsBearer() {
        assertEquals(200, client.send(message().header("x-api-key", "k1")).status());
        assertEquals(200, client.send(message().header("x-api-key", "k2")).status());
        assertEquals(200, client.send(message().header("authorization", "Bearer k1")).status());
        assertEquals(200, client.send(message().header("authorization", "Bearer k2")).status());
    }

    @Test
    void healthNeedsNoKeyButStatsAndMetricsNeedAProxyKey() {
        assertEquals(200, client.send(HttpRequest.newBuilder(client.base().resolve("/health")).GET()).status());
        for (String path : new String[] {"/pool/stats", "/metrics"}) {
            client.send(HttpRequest.newBuilder(client.base().resolve(path)).GET())
                    .assertError(401, "authentication_error");
            client.send(HttpRequest.newBuilder(client.base().resolve(path)).header("x-api-key", "k3").GET())
                    .assertError(401, "authentication_error");
            assertEquals(200, client.send(HttpRequest.newBuilder(client.base().resolve(path)).header("x-api-key", "k2")
                    .GET()).status());
        }
    }
}
