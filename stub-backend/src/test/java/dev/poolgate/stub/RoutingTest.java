package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.assertError;
import static dev.poolgate.stub.StubClient.json;
import static dev.poolgate.stub.StubClient.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Paths, methods, the body limit, the health path and the request id of every response. */
@Timeout(30)
class RoutingTest {

    private static final int LIMIT = 1024;

    private StubBackend stub;
    private StubClient client;

    @BeforeEach
    void start() {
        stub = StubBackend.start(StubConfig.builder().maxBodyBytes(LIMIT).build());
        client = new StubClient(stub);
    }

    @AfterEach
    void stop() {
        client.close();
        stub.close();
    }

    @Test
    void healthAnswers200Ok() throws Exception {
        HttpResponse<String> response = client.send(client.request("/health").GET());
        assertEquals(200, response.statusCode());
        assertEquals("{\"status\":\"ok\"}", response.body());
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"GET, /", "GET, /v1", "POST, /v1/complete/more", "GET, /v1/messages/", "GET, /v1/models/a/b", "GET, /healthz",
        "GET, /v1/files/file_1/content/x", "POST, /v1/messages/batches/msgbatch_1/retry"})
    void unknownPathIs404NotFoundError(String method, String path) throws Exception {
        HttpResponse<String> response = client.send(client.api(path).method(method, HttpRequest.BodyPublishers.noBody()));
        assertError(response, 404, "not_found_error", "no endpoint at " + method + " " + path);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "GET | /v1/messages | POST",
        "PUT | /v1/messages/count_tokens | POST",
        "POST | /v1/models | GET",
        "DELETE | /v1/models/claude-opus-4-1-20250805 | GET",
        "POST | /health | GET",
        "DELETE | /admin/faults | GET, POST",
        "GET | /admin/faults/reset | POST",
        "POST | /admin/stats | GET"})
    void wrongMethodIs405WithAnAllowHeader(String method, String path, String allowed) throws Exception {
        HttpResponse<String> response = client.send(client.api(path).method(method, HttpRequest.BodyPublishers.noBody()));
        assertError(response, 405, "invalid_request_error", "Method " + method + " is not allowed");
        assertEquals(allowed, response.headers().firstValue("allow").orElseThrow());
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        HttpResponse<String> response = client.postMessages(bodyOfLength(LIMIT + 1));
        assertError(response, 413, "request_too_large",
                "Request body is too large: 1025 bytes, the limit is 1024 bytes");
    }

    @Test
    void chunkedBodyOverTheLimitIs413() throws Exception {
        byte[] body = bodyOfLength(LIMIT * 2).getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = client.send(client.api("/v1/messages")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
        assertError(response, 413, "request_too_large", "more than 1024 bytes, the limit is 1024 bytes");
    }

    @Test
    void bodyAtTheLimitIsAccepted() throws Exception {
        HttpResponse<String> response = client.postMessages(bodyOfLength(LIMIT));
        assertEquals(200, response.statusCode(), response::body);
    }

    @Test
    void everyResponseCarriesARequestIdHeader() throws Exception {
        List<HttpResponse<String>> responses = List.of(
                client.send(client.request("/health").GET()),
                client.send(client.request("/nowhere").GET()),
                client.send(client.request("/health").DELETE()),
                client.send(client.request("/v1/models").GET()),
                client.get("/v1/models"),
                client.postMessages(message("hi", 10)),
                client.send(client.request("/admin/stats").GET()));
        for (HttpResponse<String> response : responses) {
            String id = response.headers().firstValue("request-id").orElseThrow(
                    () -> new AssertionError("no request-id on " + response));
            assertTrue(id.matches("req_[0-9A-Za-z]{24}"), id);
        }
    }

    /** A valid message request padded with spaces to exactly {@code length} bytes. */
    private static String bodyOfLength(int length) {
        ObjectNode request = message("padded", 10);
        String json = request.toString();
        String padded = json.substring(0, json.length() - 1) + " ".repeat(length - json.length()) + "}";
        assertEquals(length, padded.getBytes(StandardCharsets.UTF_8).length);
        assertEquals(request, json(padded));
        return padded;
    }
}
