package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A client of one gateway over {@link HttpClient}, speaking the Anthropic Messages API like an SDK
 * would (with its own {@code x-api-key}, which the gateway must never forward), plus readers for
 * the gateway's own {@code /pool/stats} and {@code /metrics}.
 */
final class GatewayClient {

    static final ObjectMapper JSON = new ObjectMapper();
    /** The key this client presents; an upstream must never see it. */
    static final String CLIENT_KEY = "sk-client-key-never-forwarded";
    static final String VERSION = "2023-06-01";
    static final String MODEL = "claude-sonnet-4-5";

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final URI base;

    GatewayClient(int port) {
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    GatewayClient(Gateway gateway) {
        this(gateway.port());
    }

    URI base() {
        return base;
    }

    /** A status, headers and body as text. */
    record Response(int status, HttpHeaders headers, String body) {

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("Not JSON (status " + status + "): " + body, e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /**
         * Asserts an Anthropic-style error: the status, {@code {"type":"error","error":{"type":...,
         * "message":...},"request_id":"req_..."}}, and a JSON content type. Returns the body.
         */
        JsonNode assertError(int expectedStatus, String expectedType) {
            assertEquals(expectedStatus, status, () -> "status; body: " + body);
            assertTrue(header("content-type") != null && header("content-type").startsWith("application/json"),
                    () -> "content-type " + header("content-type"));
            JsonNode root = json();
            assertEquals("error", root.path("type").asText(), body);
            assertEquals(expectedType, root.path("error").path("type").asText(), body);
            assertFalse(root.path("error").path("message").asText().isBlank(), () -> "no message: " + body);
            assertTrue(root.path("request_id").asText().startsWith("req_"), () -> "request_id: " + body);
            return root;
        }

        String errorMessage() {
            return json().path("error").path("message").asText();
        }
    }

    /** A request builder on {@code path} with the SDK-like headers. */
    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("x-api-key", CLIENT_KEY)
                .header("anthropic-version", VERSION);
    }

    Response post(String path, String json) {
        return send(request(path).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Response get(String path) {
        return send(request(path).GET());
    }

    Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    HttpClient http() {
        return http;
    }

    /** The {@code stats} object of {@code GET /pool/stats}. */
    JsonNode stats() {
        Response response = get("/pool/stats");
        assertEquals(200, response.status(), response.body());
        return response.json().path("stats");
    }

    long stat(String field) {
        JsonNode value = stats().get(field);
        if (value == null) {
            throw new AssertionError("/pool/stats has no field " + field);
        }
        return value.asLong();
    }

    /** Waits until {@code /pool/stats} shows {@code field == expected}. */
    void awaitStat(String field, long expected, Duration timeout) {
        Await.until("/pool/stats " + field + " == " + expected, timeout, this::stats,
                stats -> stats.path(field).asLong() == expected);
    }

    String metrics() {
        Response response = get("/metrics");
        assertEquals(200, response.status(), response.body());
        return response.body();
    }

    /** A {@code /v1/messages} body with one user message. */
    static String message(String text) {
        return message(text, 256, false);
    }

    static String message(String text, int maxTokens, boolean stream) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", MODEL);
        body.put("max_tokens", maxTokens);
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        if (stream) {
            body.put("stream", true);
        }
        return body.toString();
    }
}
