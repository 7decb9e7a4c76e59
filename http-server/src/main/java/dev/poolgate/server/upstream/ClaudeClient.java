package dev.poolgate.server.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;

/**
 * The pooled resource: a client of the Claude API that owns one upstream HTTP/1.1 keep-alive
 * connection ({@link Http1Connection}). Leased to one request at a time, it keeps that connection
 * warm, so a reuse skips the TCP and TLS handshakes. It sends the configured upstream key, never
 * a client's.
 */
public final class ClaudeClient implements AutoCloseable {

    private final Http1Connection connection;
    private final URI base;
    /** The base URL's path without its trailing slash, put before every request's path. */
    private final String pathPrefix;
    private final String apiKey;

    /**
     * @param timeouts the connect, response headers and body read timeouts
     * @param tlsSockets the TLS sockets of an https upstream; null for the JVM's default
     * @param proxy the egress proxy to tunnel through, or null
     */
    ClaudeClient(URI base, String apiKey, UpstreamTimeouts timeouts, SSLSocketFactory tlsSockets, EgressProxy proxy) {
        this.connection = new Http1Connection(base, timeouts, tlsSockets, Http1Connection.TLS_CHECK_AFTER_IDLE, proxy);
        this.base = base;
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        this.pathPrefix = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        this.apiKey = apiKey;
    }

    /**
     * Sends one request upstream and returns as soon as the status and headers arrived; the body
     * is read from the returned stream as it comes, and must be read to its end or closed before
     * the next request.
     *
     * @param pathAndQuery e.g. {@code /v1/messages}
     * @param headers the client's headers; {@link AnthropicHeaders#upstreamRequestHeaders} chooses
     *        what is sent
     * @param body the request body, or null for none
     * @throws UpstreamConnectException when no connection could be made: refused, or connecting took too long
     * @throws UpstreamTimeoutException when the response headers did not arrive in time
     * @throws UpstreamProtocolException when upstream's answer is not HTTP/1.1 the gateway can read
     * @throws IOException when the connection failed
     */
    public UpstreamResponse send(String method, String pathAndQuery, Map<String, List<String>> headers,
            byte[] body) throws IOException, InterruptedException {
        List<String[]> sent = AnthropicHeaders.upstreamRequestHeaders(headers, apiKey);
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before sending upstream");
        }
        return connection.send(method, pathPrefix + pathAndQuery, sent, body);
    }

    /**
     * Like {@link #send(String, String, Map, byte[])}, with a body copied upstream as it is read
     * from {@code body} (an upload), never held whole.
     *
     * @param length the body's length in bytes, or -1 when unknown: then it is sent chunked
     */
    public UpstreamResponse send(String method, String pathAndQuery, Map<String, List<String>> headers,
            InputStream body, long length) throws IOException, InterruptedException {
        List<String[]> sent = AnthropicHeaders.upstreamRequestHeaders(headers, apiKey);
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before sending upstream");
        }
        return connection.send(method, pathPrefix + pathAndQuery, sent, body, length);
    }

    /** One cheap request upstream, its body read to the end: true on a 2xx answer. */
    boolean ping(String pathAndQuery) throws IOException, InterruptedException {
        UpstreamResponse response = send("GET", pathAndQuery,
                Map.of("anthropic-version", List.of(AnthropicHeaders.VERSION)), null);
        try (InputStream body = response.body()) {
            body.transferTo(OutputStream.nullOutputStream());
        }
        return response.status() / 100 == 2;
    }

    /** Closes the upstream connection; a request using it fails with an IOException. */
    @Override
    public void close() {
        connection.close();
    }

    @Override
    public String toString() {
        return "ClaudeClient[" + base + "]";
    }
}
