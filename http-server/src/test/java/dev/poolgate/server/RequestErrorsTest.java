package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.server.GatewayClient.Response;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's own error answers to bad requests (400, 404, 405, 413), each an Anthropic-style
 * body; a request refused here never reaches upstream.
 */
@Timeout(30)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestErrorsTest {

    private Gateway gateway;
    private GatewayClient client;

    @BeforeAll
    void startGateway() {
        gateway = Gateways.start("--max-request-bytes", "2000");
        client = new GatewayClient(gateway);
    }

    @AfterAll
    void closeGateway() {
        gateway.close();
    }

    /** Asserts a 400 naming {@code field}, and that upstream saw none of it. */
    private void assertInvalid(String path, String body, String field) {
        long upstreamBefore = gateway.embeddedStub().requestCount(path);

        Response response = client.post(path, body);

        response.assertError(400, "invalid_request_error");
        assertTrue(response.errorMessage().contains(field), () -> "names " + field + ": " + response.body());
        assertEquals(response.header("request-id"), response.json().path("request_id").asText());
        assertEquals(upstreamBefore, gateway.embeddedStub().requestCount(path), "not forwarded");
    }

    @Test
    void malformedJsonIsAnInvalidRequest() {
        assertInvalid("/v1/messages", "{\"model\":", "not valid JSON");
        assertInvalid("/v1/messages", "", "empty");
        assertInvalid("/v1/messages", "[1, 2]", "JSON object");
        assertInvalid("/v1/messages/count_tokens", "{not json}", "not valid JSON");
    }

    /**
     * Asserts a 400 naming {@code field} that upstream made: the request was forwarded once, and
     * upstream's answer reached the client as it was.
     */
    private void assertRefusedUpstream(String path, String body, String field) {
        long upstreamBefore = gateway.embeddedStub().requestCount(path);

        Response response = client.post(path, body);

        response.assertError(400, "invalid_request_error");
        assertTrue(response.errorMessage().contains(field), () -> "names " + field + ": " + response.body());
        assertEquals(upstreamBefore + 1, gateway.embeddedStub().requestCount(path), "forwarded once");
    }

    @Test
    void aMissingModelIsTheGatewaysInvalidRequestTheRestUpstreams() {
        // The gateway reads model itself; the other required fields are upstream's to check.
        assertInvalid("/v1/messages", "{\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "model");
        assertInvalid("/v1/messages/count_tokens", "{\"messages\":[]}", "model");
        assertRefusedUpstream("/v1/messages", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "max_tokens");
        assertRefusedUpstream("/v1/messages", "{\"model\":\"m\",\"max_tokens\":10}", "messages");
        assertRefusedUpstream("/v1/messages/count_tokens", "{\"model\":\"m\"}", "messages");
    }

    @Test
    void fieldsTheGatewayReadsOfTheWrongTypeAreItsInvalidRequestsTheRestUpstreams() {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        assertInvalid("/v1/messages", "{\"model\":42,\"max_tokens\":10," + messages + "}", "model");
        assertInvalid("/v1/messages", "{\"model\":\"m\",\"max_tokens\":10,\"stream\":\"yes\"," + messages + "}",
                "stream");
        assertRefusedUpstream("/v1/messages", "{\"model\":\"m\",\"max_tokens\":\"ten\"," + messages + "}",
                "max_tokens");
        assertRefusedUpstream("/v1/messages", "{\"model\":\"m\",\"max_tokens\":1.5," + messages + "}", "max_tokens");
        assertRefusedUpstream("/v1/messages", "{\"model\":\"m\",\"max_tokens\":0," + messages + "}", "max_tokens");
        assertRefusedUpstream("/v1/messages", "{\"model\":\"m\",\"max_tokens\":10,\"messages\":\"hi\"}", "messages");
        assertRefusedUpstream("/v1/messages", "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[\"hi\"]}",
                "messages.0");
        assertRefusedUpstream("/v1/messages",
                "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":5}]}",
                "messages.0.content");
    }

    @Test
    void aForwardedHeaderWithAControlCharacterIsAnInvalidRequestNotAFault() throws Exception {
        String body = GatewayClient.message("hi");
        for (String beta : new String[] {"tools\u0001-2024", "tools\u007f"}) {
            // HttpClient refuses to send such a header, so the request is written by hand.
            String response = RawHttp.exchange(gateway.port(), "POST /v1/messages HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nanthropic-version: 2023-06-01\r\nanthropic-beta: " + beta + "\r\n"
                    + "content-type: application/json\r\ncontent-length: " + body.length() + "\r\n"
                    + "connection: close\r\n\r\n" + body);

            assertTrue(response.startsWith("HTTP/1.1 400 "), response);
            JsonNode error = GatewayClient.JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertEquals("invalid_request_error", error.path("error").path("type").asText(), response);
            assertTrue(error.path("error").path("message").asText().startsWith("anthropic-beta"), response);
        }
        // obs-text (bytes 0x80-0xff) stays allowed, as in HTTP.
        String latin = RawHttp.exchange(gateway.port(), "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "anthropic-version: 2023-06-01\r\nanthropic-beta: caf\u00e9\r\ncontent-type: application/json\r\n"
                + "content-length: " + body.length() + "\r\nconnection: close\r\n\r\n" + body);
        assertTrue(latin.startsWith("HTTP/1.1 200 "), latin);
    }

    @Test
    void unknownFieldsAreForwardedNotRefused() {
        Response response = client.post("/v1/messages", "{\"model\":\"m\",\"max_tokens\":10,\"some_new_field\":{\"a\":1},"
                + "\"temperature\":0.5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertEquals(200, response.status(), response.body());
    }

    @Test
    void anUnknownPathIsNotFound() {
        client.get("/v2/messages").assertError(404, "not_found_error");
        client.get("/pool/unknown").assertError(404, "not_found_error");
        // Under /v1 upstream answers for its paths: its own 404 comes back.
        client.post("/v1/no-such-endpoint", GatewayClient.message("hi")).assertError(404, "not_found_error");
    }

    @Test
    void aWrongMethodIsRefusedWithTheAllowedOnes() {
        Response get = client.get("/v1/messages");
        get.assertError(405, "invalid_request_error");
        assertEquals("POST", get.header("allow"));

        // Every GET route answers HEAD too, so the allowed methods name it.
        Response delete = client.send(client.request("/pool/stats").DELETE());
        delete.assertError(405, "invalid_request_error");
        assertEquals("GET, HEAD", delete.header("allow"));

        // Under /v1/ a method the gateway has no route for goes upstream, whose 405 passes through.
        Response post = client.post("/v1/models", "{}");
        post.assertError(405, "invalid_request_error");
        assertEquals("GET", post.header("allow"));
    }

    @Test
    void aBodyOverTheLimitIsTooLargeWithOrWithoutContentLength() {
        char[] filler = new char[3000];
        Arrays.fill(filler, 'x');
        String big = GatewayClient.message(new String(filler));
        long upstreamBefore = gateway.embeddedStub().requestCount("/v1/messages");

        Response declared = client.post("/v1/messages", big);
        JsonNode error = declared.assertError(413, "request_too_large");
        assertTrue(error.path("error").path("message").asText().contains("2000"), declared.body());

        Response chunked = client.send(client.request("/v1/messages").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes()))));
        chunked.assertError(413, "request_too_large");

        assertEquals(upstreamBefore, gateway.embeddedStub().requestCount("/v1/messages"), "not forwarded");
        assertEquals(200, client.post("/v1/messages", GatewayClient.message("small")).status(),
                "a body under the limit still passes");
    }

    @Test
    void upstreamsOwnInvalidRequestIsPassedThrough() {
        // The gateway does not check anthropic-version itself; upstream does.
        Response response = client.send(client.request("/v1/messages").setHeader("anthropic-version", "1999-01-01")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.message("hi"))));

        response.assertError(400, "invalid_request_error");
        assertTrue(response.errorMessage().contains("anthropic-version"), response.body());
        assertEquals(response.header("request-id"), response.json().path("request_id").asText());
    }
}
