package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poolgate.server.GatewayClient.Response;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every endpoint against every key a client may present, for each way keys can be configured:
 * {@code /health} is always open; the API routes need a proxy key when any is set; {@code /pool/stats}
 * and {@code /metrics} need an admin key when any is set (a proxy key there is 403), else a proxy
 * key when any is set; with no keys everything is open.
 */
@Timeout(60)
class EndpointAccessTest {

    private static final String PROXY_KEY = "proxy-key-1";
    private static final String ADMIN_KEY = "admin-key-1";

    /** An endpoint and a request that succeeds on it once let in. */
    private record Endpoint(String kind, String method, String path, String body) {
    }

    private static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("open", "GET", "/health", null),
            new Endpoint("admin", "GET", "/pool/stats", null),
            new Endpoint("admin", "GET", "/metrics", null),
            new Endpoint("api", "POST", "/v1/messages", GatewayClient.message("may I?")),
            new Endpoint("api", "POST", "/v1/messages/count_tokens",
                    "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}"),
            new Endpoint("api", "GET", "/v1/models", null),
            new Endpoint("api", "GET", "/v1/models/claude-sonnet-4-5-20250929", null));

    /**
     * The flags, then for each kind of endpoint the statuses for: no key, an unknown key, the proxy
     * key, the admin key.
     */
    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of("no keys", List.of(),
                        "200 200 200 200", "200 200 200 200", "200 200 200 200"),
                Arguments.of("proxy keys", List.of("--proxy-api-keys", PROXY_KEY),
                        "200 200 200 200", "401 401 200 401", "401 401 200 401"),
                Arguments.of("proxy and admin keys",
                        List.of("--proxy-api-keys", PROXY_KEY + ",proxy-key-2", "--admin-api-keys", ADMIN_KEY),
                        "200 200 200 200", "401 401 200 401", "401 401 403 200"),
                Arguments.of("admin keys", List.of("--admin-api-keys", ADMIN_KEY),
                        "200 200 200 200", "200 200 200 200", "401 401 401 200"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void eachEndpointLetsInExactlyTheKeysItsKindNeeds(String name, List<String> flags, String open, String api,
            String admin) {
        List<String> expected = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        try (Gateway gateway = Gateways.start(flags.toArray(String[]::new))) {
            GatewayClient client = new GatewayClient(gateway);
            for (Endpoint endpoint : ENDPOINTS) {
                String[] statuses = switch (endpoint.kind()) {
                    case "open" -> open.split(" ");
                    case "api" -> api.split(" ");
                    default -> admin.split(" ");
                };
                String[] keys = {null, "unknown-key", PROXY_KEY, ADMIN_KEY};
                for (int i = 0; i < keys.length; i++) {
                    Response response = client.send(request(client, endpoint, keys[i]));
                    int status = Integer.parseInt(statuses[i]);
                    if (status == 401) {
                        response.assertError(401, "authentication_error");
                    } else if (status == 403) {
                        response.assertError(403, "permission_error");
                    }
                    String label = endpoint.method() + " " + endpoint.path() + " with " + (keys[i] == null ? "no key"
                            : keys[i]);
                    expected.add(label + ": " + status);
                    seen.add(label + ": " + response.status());
                }
            }
        }
        assertEquals(String.join("\n", expected), String.join("\n", seen));
    }

    private static HttpRequest.Builder request(GatewayClient client, Endpoint endpoint, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(client.base().resolve(endpoint.path()))
                .header("anthropic-version", GatewayClient.VERSION);
        if (key != null) {
            request.header("x-api-key", key);
        }
        if (endpoint.body() == null) {
            return request.GET();
        }
        return request.header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(endpoint.body()));
    }
}
