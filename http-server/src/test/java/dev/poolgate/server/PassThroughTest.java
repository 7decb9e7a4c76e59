package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.CapturingUpstream.Seen;
import dev.poolgate.server.GatewayClient.Response;
import dev.poolgate.server.upstream.AnthropicHeaders;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway passes the API through rather than re-implementing it: every {@code /v1/} path and
 * method goes upstream (which answers for paths it does not serve), the client's headers of the
 * API's families go with it (the user-agent with the gateway's token appended), hop-by-hop headers
 * and those the client's {@code Connection} names do not, and uploads and downloads are streamed
 * through, never held whole.
 */
@Timeout(60)
class PassThroughTest {

    private static final String UPSTREAM_KEY = "sk-ant-upstream-pass-through";

    private CapturingUpstream upstream;
    private Gateway gateway;
    private GatewayClient client;

    @BeforeEach
    void start() {
        upstream = CapturingUpstream.start();
        gateway = Gateways.start("--anthropic-base-url", upstream.baseUri().toString(),
                "--anthropic-api-key", UPSTREAM_KEY, "--max-request-bytes", "8000000");
        client = new GatewayClient(gateway);
    }

    @AfterEach
    void close() {
        upstream.releaseDownload();
        gateway.close();
        upstream.close();
    }

    @Test
    void clientHeadersOfTheApiGoUpstreamHopByHopOnesDoNot() throws Exception {
        String body = GatewayClient.message("headers of Claude Code", 16, false);
        String response = RawHttp.exchange(gateway.port(), "POST /v1/messages?beta=true HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "x-api-key: " + GatewayClient.CLIENT_KEY + "\r\n"
                + "anthropic-version: 2023-06-01\r\n"
                + "anthropic-beta: claude-code-20250219,interleaved-thinking-2025-05-14\r\n"
                + "anthropic-dangerous-direct-browser-access: true\r\n"
                + "user-agent: claude-cli/2.1.197 (external, cli)\r\n"
                + "x-app: cli\r\n"
                + "x-claude-code-session-id: 5b0d6a4e-session\r\n"
                + "x-stainless-lang: js\r\n"
                + "x-stainless-retry-count: 0\r\n"
                + "accept: application/json\r\n"
                + "accept-encoding: gzip, deflate, br\r\n"
                + "connection: close\r\n"
                + "connection: anthropic-hop\r\n"
                + "anthropic-hop: named in connection\r\n"
                + "keep-alive: timeout=5\r\n"
                + "te: trailers\r\n"
                + "proxy-connection: keep-alive\r\n"
                + "x-forwarded-for: 10.0.0.7\r\n"
                + "cookie: session=client\r\n"
                + "content-type: application/json\r\n"
                + "content-length: " + body.length() + "\r\n\r\n" + body);

        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        Seen seen = upstream.requestsTo("POST", "/v1/messages").get(0);
        assertEquals("/v1/messages?beta=true", seen.target(), "the query string as sent");
        assertEquals(List.of("claude-code-20250219,interleaved-thinking-2025-05-14"), seen.header("anthropic-beta"));
        assertEquals(List.of("true"), seen.header("anthropic-dangerous-direct-browser-access"));
        assertEquals(List.of("cli"), seen.header("x-app"));
        assertEquals(List.of("5b0d6a4e-session"), seen.header("x-claude-code-session-id"));
        assertEquals(List.of("js"), seen.header("x-stainless-lang"));
        assertEquals(List.of("0"), seen.header("x-stainless-retry-count"));
        assertEquals(List.of("application/json"), seen.header("accept"));
        assertEquals(List.of("claude-cli/2.1.197 (external, cli) " + AnthropicHeaders.PRODUCT),
                seen.header("user-agent"));
        assertTrue(AnthropicHeaders.PRODUCT.startsWith("poolgate/"), AnthropicHeaders.PRODUCT);
        assertEquals(List.of("identity"), seen.header("accept-encoding"), "compression is not asked of upstream");
        assertEquals(List.of(UPSTREAM_KEY), seen.header("x-api-key"));
        for (String absent : List.of("anthropic-hop", "keep-alive", "te", "proxy-connection", "x-forwarded-for",
                "cookie", "authorization")) {
            assertEquals(List.of(), seen.header(absent), () -> absent + " went upstream: " + seen.headers());
        }
        assertFalse(seen.headers().toString().contains("close"), () -> "the client's connection header: " + seen);
    }

    @Test
    void withoutAUserAgentUpstreamSeesTheGatewaysOwn() {
        Response response = client.post("/v1/messages", GatewayClient.message("no user-agent"));

        assertEquals(200, response.status(), response.body());
        String sent = upstream.requestsTo("POST", "/v1/messages").get(0).header("user-agent").get(0);
        // HttpClient sends its own user-agent; the gateway appends its token to it.
        assertTrue(sent.startsWith("Java-http-client/") && sent.endsWith(" " + AnthropicHeaders.PRODUCT), sent);
    }

    @Test
    void anyPathAndMethodUnderV1IsUpstreamsToAnswer() {
        Response unknown = client.get("/v1/no-such-resource?x=1");
        Response wrongMethod = client.send(client.request("/v1/messages").DELETE());
        Response legacy = client.post("/v1/complete", "{\"model\":\"claude-2.1\",\"prompt\":\"\\n\\nHuman: hi\"}");

        for (Response response : List.of(unknown, wrongMethod, legacy)) {
            assertEquals(404, response.status(), response.body());
            assertEquals("req_upstream404", response.json().path("request_id").asText(), "upstream's own answer");
        }
        assertEquals(1, upstream.requestsTo("GET", "/v1/no-such-resource").size());
        assertEquals("/v1/no-such-resource?x=1", upstream.requestsTo("GET", "/v1/no-such-resource").get(0).target());
        assertEquals(1, upstream.requestsTo("DELETE", "/v1/messages").size());
        assertEquals(1, upstream.requestsTo("POST", "/v1/complete").size());
        // Outside /v1 the paths are the gateway's own.
        client.get("/v2/messages").assertError(404, "not_found_error");
        assertEquals(0, upstream.requestsTo("GET", "/v2/messages").size());
    }

    @Test
    void anUploadGoesUpstreamWholeChunkedOrWithItsLength() {
        byte[] content = new byte[5 * 1024 * 1024];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7 + 3);
        }
        byte[] multipart = multipart(content);

        // ofInputStream has no length: HttpClient sends it chunked.
        Response chunked = client.send(client.request("/v1/files")
                .header("content-type", "multipart/form-data; boundary=poolgate-boundary")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(multipart))));
        Response sized = client.send(client.request("/v1/files")
                .header("content-type", "multipart/form-data; boundary=poolgate-boundary")
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart)));

        for (Response response : List.of(chunked, sized)) {
            assertEquals(200, response.status(), response.body());
            assertEquals(multipart.length, response.json().path("size_bytes").asLong());
        }
        for (Seen seen : upstream.requestsTo("POST", "/v1/files")) {
            assertArrayEquals(multipart, seen.body().getBytes(StandardCharsets.ISO_8859_1), "byte for byte");
            assertEquals(List.of("multipart/form-data; boundary=poolgate-boundary"), seen.header("content-type"));
        }
        client.awaitStat("in_use_connections", 0, Duration.ofSeconds(10));
    }

    @Test
    void anUploadOverTheBodyLimitIsRefusedAndItsClientNotKept() {
        byte[] tooLarge = new byte[9_000_000];

        Response response = client.send(client.request("/v1/files")
                .header("content-type", "multipart/form-data; boundary=poolgate-boundary")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooLarge))));

        response.assertError(413, "request_too_large");
        client.awaitStat("in_use_connections", 0, Duration.ofSeconds(10));
        assertEquals(0, upstream.requestsTo("POST", "/v1/files").size(), "upstream never saw a whole request");
    }

    @Test
    void aDownloadIsStreamedBackAsItArrives() throws Exception {
        HttpResponse<InputStream> response = client.http().send(client.request("/v1/files/file_capture/content")
                .GET().build(), HttpResponse.BodyHandlers.ofInputStream());

        assertEquals(200, response.statusCode());
        assertEquals("application/octet-stream", response.headers().firstValue("content-type").orElseThrow());
        assertEquals("attachment; filename=\"capture.bin\"",
                response.headers().firstValue("content-disposition").orElseThrow());
        byte[] expected = CapturingUpstream.downloadContent();
        try (InputStream body = response.body()) {
            // The first half arrives while upstream holds the second back: nothing waited for the whole.
            byte[] firstHalf = body.readNBytes(expected.length / 2);
            assertArrayEquals(Arrays.copyOf(expected, expected.length / 2), firstHalf);
            upstream.releaseDownload();
            byte[] rest = body.readAllBytes();
            assertArrayEquals(Arrays.copyOfRange(expected, expected.length / 2, expected.length), rest);
        }
        client.awaitStat("in_use_connections", 0, Duration.ofSeconds(10));
        assertEquals(0, client.stat("connections_destroyed"), "a download read to its end keeps its client");
    }

    private static byte[] multipart(byte[] content) {
        byte[] head = ("--poolgate-boundary\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
                + "content-type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\r\n--poolgate-boundary--\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + content.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(content, 0, all, head.length, content.length);
        System.arraycopy(tail, 0, all, head.length + content.length, tail.length);
        return all;
    }
}
