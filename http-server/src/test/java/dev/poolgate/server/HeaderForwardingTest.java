package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.CapturingUpstream.Seen;
import dev.poolgate.server.GatewayClient.Response;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What crosses the gateway in each direction, seen from a capturing upstream: the Anthropic
 * headers, status and body unchanged, and upstream sees the gateway's configured key, never the
 * client's {@code x-api-key} or {@code authorization}.
 */
@Timeout(30)
class HeaderForwardingTest {

    private static final String UPSTREAM_KEY = "sk-ant-upstream-configured-7f3a";
    private static final String BETA = "prompt-caching-2024-07-31,token-efficient-tools-2025-02-19";

    private CapturingUpstream upstream;
    private Gateway gateway;
    private GatewayClient client;

    @BeforeEach
    void start() {
        upstream = CapturingUpstream.start();
        gateway = Gateways.start("--anthropic-base-url", upstream.baseUri().toString(),
                "--anthropic-api-key", UPSTREAM_KEY, "--proxy-api-keys", "proxy-key-1");
        client = new GatewayClient(gateway);
    }

    @AfterEach
    void close() {
        gateway.close();
        upstream.close();
    }

    /** Upstream saw exactly the configured key, and no authorization header. */
    private static void assertOnlyTheConfiguredKey(Seen seen) {
        assertEquals(List.of(UPSTREAM_KEY), seen.header("x-api-key"), () -> seen.target() + " " + seen.headers());
        assertEquals(List.of(), seen.header("authorization"), () -> seen.target() + " " + seen.headers());
    }

    @Test
    void upstreamSeesTheConfiguredKeyNeverTheClientsOwn() {
        String body = GatewayClient.message("who am I?");
        Response withApiKey = client.send(client.request("/v1/messages").setHeader("x-api-key", "proxy-key-1")
                .header("authorization", "Bearer client-bearer-token").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        Response withBearer = client.send(HttpRequest.newBuilder(client.base().resolve("/v1/messages"))
                .header("authorization", "Bearer proxy-key-1").header("anthropic-version", GatewayClient.VERSION)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));

        assertEquals(200, withApiKey.status(), withApiKey.body());
        assertEquals(200, withBearer.status(), withBearer.body());
        List<Seen> messages = upstream.requestsTo("POST", "/v1/messages");
        assertEquals(2, messages.size());
        messages.forEach(HeaderForwardingTest::assertOnlyTheConfiguredKey);
        // The pool's own warm-up and health requests carry the configured key too.
        List<Seen> warmUps = upstream.requestsTo("GET", "/v1/models");
        assertFalse(warmUps.isEmpty(), "the pool warmed its clients up");
        for (Seen warmUp : warmUps) {
            assertEquals("/v1/models?limit=1", warmUp.target());
            assertOnlyTheConfiguredKey(warmUp);
            assertEquals(List.of(GatewayClient.VERSION), warmUp.header("anthropic-version"));
        }
        for (Seen seen : upstream.requests()) {
            assertFalse(seen.headers().toString().contains("proxy-key-1"), "the proxy key stays at the gateway");
            assertFalse(seen.headers().toString().contains("client-bearer-token"));
        }
    }

    @Test
    void noClientCredentialReachesUpstreamOnAnyRouteWithOrWithoutProxyKeys() {
        String countTokens = "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"n\"}]}";
        try (Gateway open = Gateways.start("--anthropic-base-url", upstream.baseUri().toString(),
                "--anthropic-api-key", UPSTREAM_KEY)) {
            for (Gateway target : List.of(gateway, open)) {
                GatewayClient to = new GatewayClient(target);
                // Behind proxy keys the client's key is the proxy key; in front of an open gateway, its own.
                String clientKey = target == gateway ? "proxy-key-1" : GatewayClient.CLIENT_KEY;
                List<HttpRequest.Builder> requests = List.of(
                        to.request("/v1/messages").header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.message("plain"))),
                        to.request("/v1/messages").header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.message("streamed", 16, true))),
                        to.request("/v1/messages/count_tokens").header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(countTokens)),
                        to.request("/v1/models").GET(),
                        to.request("/v1/models/claude-capture-1").GET());
                for (HttpRequest.Builder request : requests) {
                    Response response = to.send(request.setHeader("x-api-key", clientKey)
                            .header("authorization", "Bearer client-bearer-token")
                            .header("proxy-authorization", "Basic Y2xpZW50OnNlY3JldA==")
                            .header("cookie", "session=client-cookie"));
                    assertTrue(response.status() == 200 || response.status() == 404, response::toString);
                }
            }
        }
        List<Seen> seen = upstream.requests();
        assertEquals(5 * 2, seen.stream().filter(s -> !s.target().equals("/v1/models?limit=1")).count(),
                "every request was forwarded: " + seen);
        for (Seen request : seen) {
            assertOnlyTheConfiguredKey(request);
            String headers = request.headers().toString();
            for (String credential : List.of("proxy-key-1", GatewayClient.CLIENT_KEY, "client-bearer-token",
                    "Y2xpZW50OnNlY3JldA==", "client-cookie")) {
                assertFalse(headers.contains(credential), () -> credential + " reached upstream: " + request);
            }
        }
    }

    @Test
    void requestHeadersBodyAndQueryAreForwardedUnchanged() {
        String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,  \"metadata\":{\"user_id\":\"u-1\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"h\\u00e9llo\"}]}]}";

        Response response = client.send(client.request("/v1/messages").setHeader("x-api-key", "proxy-key-1")
                .header("anthropic-beta", BETA).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        Response models = client.send(client.request("/v1/models?limit=5&after_id=claude-x").setHeader("x-api-key",
                "proxy-key-1").GET());

        assertEquals(200, response.status(), response.body());
        assertEquals(200, models.status(), models.body());
        Seen message = upstream.requestsTo("POST", "/v1/messages").get(0);
        assertEquals(List.of(GatewayClient.VERSION), message.header("anthropic-version"));
        assertEquals(List.of(BETA), message.header("anthropic-beta"));
        assertEquals(List.of("application/json"), message.header("content-type"));
        assertEquals(body, message.body(), "the body byte for byte");
        assertTrue(upstream.requests().stream().anyMatch(s -> s.target().equals("/v1/models?limit=5&after_id=claude-x")),
                "the query string is forwarded");
    }

    @Test
    void responseHeadersStatusAndBodyComeBackUnchanged() {
        Response plain = client.send(client.request("/v1/messages").setHeader("x-api-key", "proxy-key-1")
                .header("anthropic-beta", BETA).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.message("headers please"))));
        Response streamed = client.send(client.request("/v1/messages").setHeader("x-api-key", "proxy-key-1")
                .header("anthropic-beta", BETA).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.message("headers please", 16, true))));
        Response notFound = client.send(client.request("/v1/models/claude-unknown").setHeader("x-api-key",
                "proxy-key-1").GET());

        for (Response response : List.of(plain, streamed, notFound)) {
            for (Map.Entry<String, String> header : CapturingUpstream.RESPONSE_HEADERS.entrySet()) {
                assertEquals(header.getValue(), response.header(header.getKey()), header.getKey());
            }
            assertTrue(response.header("request-id").startsWith("req_upstream"), response.header("request-id"));
            assertEquals(GatewayClient.VERSION, response.header("anthropic-version"));
        }
        assertEquals(BETA, plain.header("anthropic-beta"));
        assertEquals(200, plain.status());
        assertEquals("Captured.", plain.json().path("content").path(0).path("text").asText());
        assertTrue(streamed.header("content-type").startsWith("text/event-stream"));
        ServerSentEvents.assertMessageOrder(ServerSentEvents.parse(streamed.body()));
        assertEquals(404, notFound.status());
        assertEquals("req_upstream404", notFound.json().path("request_id").asText(), "upstream's body, unchanged");
    }
}
