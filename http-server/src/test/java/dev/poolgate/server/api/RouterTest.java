package dev.poolgate.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.poolgate.server.metrics.Metrics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The router's answer to a fault inside an endpoint: 500 {@code api_error} with a message that names
 * nothing of the gateway's internals, only what to do and the request id.
 */
@Timeout(10)
class RouterTest {

    private static final String INTERNALS = "lock held by Thread[#42,poolgate-create] in dev.poolgate.pool.impl.FairPool";

    private final Metrics metrics = new Metrics();
    private HttpServer server;
    private ExecutorService executor;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        RouteTable routes = new RouteTable()
                .add("GET", "/boom", ProxyKeys.Access.OPEN, call -> {
                    throw new IllegalStateException(INTERNALS);
                })
                .add("GET", "/npe", ProxyKeys.Access.API, call -> {
                    Object nothing = null;
                    nothing.hashCode();
                });
        Router router = new Router(routes, new ProxyKeys(List.of()), metrics, () -> false, new AccessLog(false), null);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", router);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anUnexpectedFaultIsA500ApiErrorThatNamesNoInternals() throws Exception {
        for (String path : List.of("/boom", "/npe")) {
            HttpResponse<String> response = get(path);

            assertEquals(500, response.statusCode());
            JsonNode body = new ObjectMapper().readTree(response.body());
            assertEquals("error", body.path("type").asText());
            assertEquals("api_error", body.path("error").path("type").asText());
            String message = body.path("error").path("message").asText();
            String requestId = body.path("request_id").asText();
            assertTrue(requestId.startsWith("req_"));
            assertEquals(requestId, response.headers().firstValue("request-id").orElseThrow());
            assertTrue(message.contains(requestId), "names the request id to report: " + message);
            for (String internal : List.of("Exception", "Thread", "dev.poolgate", "lock", "null", "FairPool")) {
                assertFalse(message.contains(internal), () -> "names '" + internal + "': " + message);
            }
        }
        assertTrue(metrics.scrape().contains("poolgate_http_requests_total{origin=\"gateway\",route=\"/boom\",status=\"500\"} 1.0\n"),
                metrics.scrape());
    }
}
