package dev.poolgate.server.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which headers cross the gateway in each direction. */
class AnthropicHeadersTest {

    @Test
    void responseHeadersComeBackExceptHopByHopAndTheGatewaysOwn() {
        for (String kept : List.of("request-id", "retry-after", "x-should-retry", "anthropic-ratelimit-tokens-reset",
                "anthropic-organization-id", "content-type", "content-encoding", "content-disposition", "cf-ray",
                "x-envoy-upstream-service-time")) {
            assertTrue(AnthropicHeaders.forwardedResponseHeader(kept), kept);
        }
        for (String dropped : List.of("connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
                "proxy-authenticate", "proxy-connection", "content-length", "date", "server", "set-cookie")) {
            assertFalse(AnthropicHeaders.forwardedResponseHeader(dropped), dropped);
        }
    }

    @Test
    void aHeaderNamedInConnectionIsHopByHop() {
        Map<String, List<String>> headers = Map.of("Connection", List.of("keep-alive, X-Hop", " anthropic-hop ,"),
                "x-hop", List.of("1"));

        assertEquals(Set.of("keep-alive", "x-hop", "anthropic-hop"), AnthropicHeaders.namedInConnection(headers));
    }

    @Test
    void requestHeadersOfTheApiFamiliesGoUpstreamWithTheGatewaysKeyAndToken() {
        Map<String, List<String>> client = new LinkedHashMap<>();
        client.put("Anthropic-Beta", List.of("a", "b"));
        client.put("anthropic-hop", List.of("dropped"));
        client.put("Connection", List.of("anthropic-hop"));
        client.put("X-Stainless-Os", List.of("Linux"));
        client.put("User-Agent", List.of("Anthropic/Python 0.60.0"));
        client.put("x-api-key", List.of("client-key"));
        client.put("Authorization", List.of("Bearer client"));
        client.put("Accept-Encoding", List.of("gzip"));
        client.put("Content-Length", List.of("12"));
        client.put("Host", List.of("gateway:8080"));

        List<String> sent = AnthropicHeaders.upstreamRequestHeaders(client, "upstream-key").stream()
                .map(header -> header[0] + ": " + header[1]).toList();

        assertEquals(List.of("anthropic-beta: a", "anthropic-beta: b", "x-stainless-os: Linux",
                "user-agent: Anthropic/Python 0.60.0 " + AnthropicHeaders.PRODUCT, "accept-encoding: identity",
                "x-api-key: upstream-key"), sent);
        assertEquals(AnthropicHeaders.PRODUCT, AnthropicHeaders.userAgent(null));
    }
}
