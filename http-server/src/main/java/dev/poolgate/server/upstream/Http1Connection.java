package dev.poolgate.server.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 keep-alive connection upstream, over a blocking socket (TLS for {@code https}),
 * used by one request at a time: the pool hands its {@link ClaudeClient} to one holder. It sends a
 * request and returns the response once its headers arrived, putting together the transport
 * ({@link UpstreamConnection}: socket, TLS, egress proxy tunnel, staleness probe, timed reads) and
 * the HTTP/1.1 messages over it ({@link Http1Codec}: request head, status and headers, body
 * framing, keep-alive).
 *
 * <p>Why not {@code java.net.http.HttpClient}: each of its clients runs a selector thread, and
 * every request crossed from the caller's virtual thread to that thread and back; here the
 * caller's virtual thread writes the request and reads the response itself, which is what a
 * pooled connection needs and nothing more (bench/gateway/run.sh measures the difference).
 *
 * <p>Timeouts ({@link UpstreamTimeouts}): {@code connect} bounds the TCP (and TLS) handshake;
 * {@code headers} bounds the time from sending a request to the end of the response headers;
 * {@code read} bounds each wait for body bytes, so a stalled stream fails instead of holding its
 * pooled connection for ever.
 *
 * <p>A keep-alive connection that upstream closed while it was idle is replaced before the request
 * goes out (see {@link UpstreamConnection}). A request is never sent twice here: one that fails
 * after it went out is the caller's failure (the gateway's retry policy decides whether to send it
 * again).
 */
final class Http1Connection implements AutoCloseable {

    /** How long a TLS connection must have been idle before it is checked for upstream's close. */
    static final Duration TLS_CHECK_AFTER_IDLE = Duration.ofSeconds(1);

    private final URI base;
    private final UpstreamConnection connection;
    private final Http1Codec codec;

    Http1Connection(URI base, UpstreamTimeouts timeouts) {
        this(base, timeouts, null, TLS_CHECK_AFTER_IDLE);
    }

    /**
     * @param tlsSockets creates the TLS sockets of an {@code https} upstream; null for the JVM's
     *     default (its trust store: {@code javax.net.ssl.trustStore} and the JDK's CA certificates)
     * @param tlsCheckAfterIdle how long a TLS connection must have been idle before it is checked
     *     for upstream's close before a request
     */
    Http1Connection(URI base, UpstreamTimeouts timeouts, SSLSocketFactory tlsSockets, Duration tlsCheckAfterIdle) {
        this(base, timeouts, tlsSockets, tlsCheckAfterIdle, null);
    }

    /** @param proxy the egress proxy to tunnel through ({@code CONNECT}), or null to connect directly */
    Http1Connection(URI base, UpstreamTimeouts timeouts, SSLSocketFactory tlsSockets, Duration tlsCheckAfterIdle,
            EgressProxy proxy) {
        this.base = base;
        this.connection = new UpstreamConnection(base, timeouts, tlsSockets, tlsCheckAfterIdle, proxy);
        this.codec = new Http1Codec(connection);
    }

    /**
     * Sends one request and returns once the response headers arrived.
     *
     * @param target the path and query, e.g. {@code /v1/messages?beta=true}
     * @param headers header lines to send besides {@code host} and {@code content-length}
     * @param body the request body, or null for none
     * @throws UpstreamConnectException when no connection could be made (refused, or connecting
     *     took longer than the connect timeout)
     * @throws UpstreamTimeoutException when the response headers did not arrive in time
     * @throws UpstreamProtocolException when upstream's answer is not HTTP/1.1 within the budgets
     * @throws IOException when the connection failed; it is closed then
     */
    UpstreamResponse send(String method, String target, List<String[]> headers, byte[] body) throws IOException {
        requireOpen();
        codec.discardUnfinishedBody();
        byte[] request = codec.encode(method, target, headers, body);
        long deadline = System.nanoTime() + connection.timeouts().headers().toNanos();
        connection.ensureOpen();
        return codec.exchange(method, request, deadline);
    }

    /**
     * Sends one request whose body is copied from {@code body} as it is read (an upload), with
     * {@code content-length} when {@code length} is known, else chunked. The headers timeout runs
     * from the body's end, so that a long upload is not mistaken for a silent upstream.
     *
     * @param length the body's length, or -1 when unknown
     * @throws IOException as {@link #send(String, String, List, byte[])}, and when reading
     *     {@code body} fails (the connection is closed then: the request is cut)
     */
    UpstreamResponse send(String method, String target, List<String[]> headers, InputStream body, long length)
            throws IOException {
        requireOpen();
        codec.discardUnfinishedBody();
        List<String[]> framed = new ArrayList<>(headers);
        framed.add(length >= 0 ? new String[] {"content-length", Long.toString(length)}
                : new String[] {"transfer-encoding", "chunked"});
        byte[] head = codec.encode(method, target, framed, null);
        connection.ensureOpen();
        try {
            connection.out().write(head);
            codec.writeBody(body, length);
        } catch (IOException | RuntimeException e) {
            codec.closeSocket();
            throw e;
        }
        return codec.exchange(method, new byte[0], System.nanoTime() + connection.timeouts().headers().toNanos());
    }

    private void requireOpen() throws IOException {
        if (connection.isClosed()) {
            throw new IOException("the upstream connection was closed");
        }
    }

    /** Closes the connection; a holder blocked on it fails with an IOException. */
    @Override
    public void close() {
        connection.close();
    }

    @Override
    public String toString() {
        return "Http1Connection[" + base + "]";
    }
}
