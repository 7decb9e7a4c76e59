package dev.poolgate.server.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.upstream.Http1Codec.Framing;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The codec's decisions without a socket: status lines, body framing, keep-alive, the request head. */
class Http1CodecTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    private static Http1Codec codec(String url) {
        return new Http1Codec(new UpstreamConnection(URI.create(url), new UpstreamTimeouts(SECOND, SECOND, SECOND),
                null, Http1Connection.TLS_CHECK_AFTER_IDLE, null));
    }

    @Test
    void framingFollowsRfc9112() {
        assertEquals(Framing.NONE, Http1Codec.framing("HEAD", 200, Map.of("content-length", List.of("10"))));
        assertEquals(Framing.NONE, Http1Codec.framing("GET", 204, Map.of()));
        assertEquals(Framing.NONE, Http1Codec.framing("GET", 304, Map.of("transfer-encoding", List.of("chunked"))));
        assertEquals(Framing.CHUNKED, Http1Codec.framing("GET", 200,
                Map.of("transfer-encoding", List.of("gzip, Chunked"), "content-length", List.of("3"))));
        assertEquals(Framing.UNTIL_CLOSE, Http1Codec.framing("GET", 200, Map.of("transfer-encoding", List.of("gzip"))));
        assertEquals(Framing.CONTENT_LENGTH, Http1Codec.framing("POST", 200, Map.of("content-length", List.of("3"))));
        assertEquals(Framing.UNTIL_CLOSE, Http1Codec.framing("GET", 200, Map.of()));
        assertEquals(Framing.UNTIL_CLOSE, Http1Codec.framing("GET", 101, Map.of()));
    }

    @Test
    void contentLengthMustBeOneNonNegativeNumber() throws Exception {
        assertEquals(42, Http1Codec.contentLength(Map.of("content-length", List.of(" 42 ", "42"))));
        for (List<String> bad : List.of(List.of("x"), List.of("-5"), List.of("1", "2"))) {
            assertThrows(UpstreamProtocolException.class,
                    () -> Http1Codec.contentLength(Map.of("content-length", bad)), bad.toString());
        }
    }

    @Test
    void statusLinesAreParsedOrRefused() throws Exception {
        assertEquals(200, Http1Codec.parseStatus("HTTP/1.1 200 OK"));
        assertEquals(529, Http1Codec.parseStatus("HTTP/1.0 529"));
        for (String bad : List.of("SSH-2.0-OpenSSH", "HTTP/1.1 2x0 OK", "HTTP/1.1 099 Low", "HTTP/2 200 OK")) {
            assertThrows(UpstreamProtocolException.class, () -> Http1Codec.parseStatus(bad), bad);
        }
    }

    @Test
    void theConnectionIsClosedAfterHttp10OrConnectionClose() {
        assertTrue(Http1Codec.closeAfter("HTTP/1.0 200 OK", Map.of()));
        assertTrue(Http1Codec.closeAfter("HTTP/1.1 200 OK", Map.of("connection", List.of("keep-alive, Close"))));
        assertFalse(Http1Codec.closeAfter("HTTP/1.1 200 OK", Map.of("connection", List.of("keep-alive"))));
    }

    @Test
    void chunkSizesAreHexWithOptionalExtensions() throws Exception {
        assertEquals(0x1a, ResponseBody.Chunked.chunkSize("1A;name=value"));
        assertEquals(0, ResponseBody.Chunked.chunkSize("0"));
        for (String bad : List.of("", "zz", "1234567890abcdef", "-1", "+1")) {
            assertThrows(UpstreamProtocolException.class, () -> ResponseBody.Chunked.chunkSize(bad), bad);
        }
    }

    @Test
    void theRequestHeadCarriesHostAndContentLengthAndRefusesLineBreaks() {
        String head = new String(codec("https://api.example.com:8443/base").encode("POST", "/v1/messages",
                List.<String[]>of(new String[] {"x-a", "1"}), new byte[] {'{', '}'}), StandardCharsets.ISO_8859_1);
        assertEquals("POST /v1/messages HTTP/1.1\r\nhost: api.example.com:8443\r\nx-a: 1\r\ncontent-length: 2\r\n\r\n{}",
                head);
        String defaultPort = new String(codec("https://[::1]:443").encode("GET", "/", List.of(), null),
                StandardCharsets.ISO_8859_1);
        assertEquals("GET / HTTP/1.1\r\nhost: [::1]\r\n\r\n", defaultPort);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> codec("http://localhost").encode("GET", "/\r\nx: y", List.of(), null));
        assertTrue(refused.getMessage().startsWith("target has a control"), refused.getMessage());
    }
}
