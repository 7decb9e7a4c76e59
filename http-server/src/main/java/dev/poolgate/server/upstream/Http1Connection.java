package dev.poolgate.server.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 keep-alive connection upstream, over a blocking socket (TLS for {@code https}),
 * used by one request at a time: the pool hands its {@link ClaudeClient} to one holder.
 *
 * <p>Why not {@code java.net.http.HttpClient}: each of its clients runs a selector thread, and
 * every request crossed from the caller's virtual thread to that thread and back; here the
 * caller's virtual thread writes the request and reads the response itself, which is what a
 * pooled connection needs and nothing more (bench/gateway/run.sh measures the difference).
 *
 * <p>Framing follows RFC 9112: a response body is delimited by {@code transfer-encoding: chunked},
 * by {@code content-length}, or by the end of the connection; 1xx responses are skipped; HEAD,
 * 204 and 304 responses have no body. The connection is kept for the next request only when the
 * previous body was read to its end and neither side asked to close.
 *
 * <p>Timeouts: {@code connectTimeout} bounds the TCP (and TLS) handshake; {@code headersTimeout}
 * bounds the time from sending a request to the end of the response headers; {@code readTimeout}
 * bounds each wait for body bytes, so a stalled stream fails instead of holding its pooled
 * connection for ever.
 *
 * <p>A keep-alive connection that upstream closed while it was idle (its keep-alive timeout) is
 * replaced before the request goes out: a non-blocking read of the idle socket tells whether its
 * end arrived. Over TLS the raw socket may hold protocol records that are not the end (a session
 * ticket, a key update), so there a read through TLS with a 1 ms timeout tells instead, and only after a second
 * of idleness: a server that closes sooner than that is not worth a millisecond per request. A request is never sent twice here: one that fails after it went out is the
 * caller's failure (the gateway's retry policy decides whether to send it again).
 */
final class Http1Connection implements AutoCloseable {

    /** How long a TLS connection must have been idle before it is checked for upstream's close. */
    static final Duration TLS_CHECK_AFTER_IDLE = Duration.ofSeconds(1);
    /** Longest status line or header line accepted; longer means upstream is not speaking HTTP. */
    private static final int MAX_LINE = 64 * 1024;
    /** Most header lines accepted in one response. */
    private static final int MAX_HEADERS = 500;

    private final URI base;
    private final String host;
    private final int port;
    private final boolean tls;
    private final String hostHeader;
    private final int connectTimeoutMillis;
    private final long headersTimeoutNanos;
    private final int readTimeoutMillis;
    private final SSLSocketFactory tlsSockets;
    /** The egress proxy every connection tunnels through, or null to connect directly. */
    private final EgressProxy proxy;
    private final long tlsCheckAfterIdleNanos;

    // Not guarded: one holder at a time (the pool's lease); close() from another thread only
    // closes the socket, which fails the holder's blocked read or write.
    private volatile Socket socket;
    /** The plain TCP channel under {@link #socket} (which is a TLS socket over it for https). */
    private SocketChannel channel;
    private final ByteBuffer probe = ByteBuffer.allocate(1);
    /** When the connection last became idle (connected, or a response ended). */
    private long idleSinceNanos;
    private InputStream in;
    private OutputStream out;
    private final byte[] buffer = new byte[16 * 1024];
    private int position;
    private int limit;
    /** The body of the last response while it is being read; null once it ended or was closed. */
    private Body openBody;
    private volatile boolean closed;

    Http1Connection(URI base, Duration connectTimeout, Duration headersTimeout, Duration readTimeout) {
        this(base, connectTimeout, headersTimeout, readTimeout, null, TLS_CHECK_AFTER_IDLE);
    }

    /**
     * @param tlsSockets creates the TLS sockets of an {@code https} upstream; null for the JVM's
     *     default (its trust store: {@code javax.net.ssl.trustStore} and the JDK's CA certificates)
     * @param tlsCheckAfterIdle how long a TLS connection must have been idle before it is checked
     *     for upstream's close before a request
     */
    Http1Connection(URI base, Duration connectTimeout, Duration headersTimeout, Duration readTimeout,
            SSLSocketFactory tlsSockets, Duration tlsCheckAfterIdle) {
        this(base, connectTimeout, headersTimeout, readTimeout, tlsSockets, tlsCheckAfterIdle, null);
    }

    /** @param proxy the egress proxy to tunnel through ({@code CONNECT}), or null to connect directly */
    Http1Connection(URI base, Duration connectTimeout, Duration headersTimeout, Duration readTimeout,
            SSLSocketFactory tlsSockets, Duration tlsCheckAfterIdle, EgressProxy proxy) {
        this.proxy = proxy;
        this.tlsSockets = tlsSockets;
        this.tlsCheckAfterIdleNanos = tlsCheckAfterIdle.toNanos();
        this.base = base;
        this.tls = "https".equalsIgnoreCase(base.getScheme());
        if (!tls && !"http".equalsIgnoreCase(base.getScheme())) {
            throw new IllegalArgumentException("upstream URL must start with http:// or https://, but was " + base);
        }
        this.host = base.getHost();
        if (host == null) {
            throw new IllegalArgumentException("upstream URL must name a host, but was " + base);
        }
        this.port = base.getPort() != -1 ? base.getPort() : tls ? 443 : 80;
        boolean defaultPort = base.getPort() == -1 || base.getPort() == (tls ? 443 : 80);
        String hostName = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        this.hostHeader = defaultPort ? hostName : hostName + ":" + port;
        this.connectTimeoutMillis = millis(connectTimeout);
        this.headersTimeoutNanos = headersTimeout.toNanos();
        this.readTimeoutMillis = millis(readTimeout);
    }

    private static int millis(Duration duration) {
        return (int) Math.clamp(duration.toMillis(), 1, Integer.MAX_VALUE);
    }

    /**
     * Sends one request and returns once the response headers arrived.
     *
     * @param target the path and query, e.g. {@code /v1/messages?beta=true}
     * @param headers header lines to send besides {@code host} and {@code content-length}
     * @param body the request body, or null for none
     * @throws ConnectException when no connection could be made
     * @throws HttpConnectTimeoutException when connecting took longer than the connect timeout
     * @throws HttpTimeoutException when the response headers did not arrive in time
     * @throws IOException when the connection failed; it is closed then
     */
    UpstreamResponse send(String method, String target, List<String[]> headers, byte[] body) throws IOException {
        if (closed) {
            throw new IOException("the upstream connection was closed");
        }
        if (openBody != null) {
            // The last response was not read to its end: its bytes still sit on the wire.
            closeSocket();
        }
        byte[] request = encode(method, target, headers, body);
        long deadline = System.nanoTime() + headersTimeoutNanos;
        if (socket != null && !idleAndOpen()) {
            closeSocket();
        }
        if (socket == null) {
            connect();
        }
        return exchange(method, request, deadline);
    }

    /**
     * Whether the idle connection is still open at upstream's end: a non-blocking read finds
     * nothing to read. Its end of stream (upstream closed it) or any unexpected byte means it
     * cannot carry another request.
     */
    private boolean idleAndOpen() {
        if (tls) {
            if (System.nanoTime() - idleSinceNanos < tlsCheckAfterIdleNanos) {
                return true;
            }
            try {
                socket.setSoTimeout(1);
                in.read();
                return false; // the end of the stream, or a byte nobody asked for
            } catch (SocketTimeoutException e) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        try {
            channel.configureBlocking(false);
            probe.clear();
            int n = channel.read(probe);
            channel.configureBlocking(true);
            return n == 0;
        } catch (IOException e) {
            return false;
        }
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
        if (closed) {
            throw new IOException("the upstream connection was closed");
        }
        if (openBody != null) {
            closeSocket();
        }
        List<String[]> framed = new ArrayList<>(headers);
        framed.add(length >= 0 ? new String[] {"content-length", Long.toString(length)}
                : new String[] {"transfer-encoding", "chunked"});
        byte[] head = encode(method, target, framed, null);
        if (socket != null && !idleAndOpen()) {
            closeSocket();
        }
        if (socket == null) {
            connect();
        }
        try {
            out.write(head);
            copyBody(body, length);
        } catch (IOException | RuntimeException e) {
            closeSocket();
            throw e;
        }
        return exchange(method, new byte[0], System.nanoTime() + headersTimeoutNanos);
    }

    private void copyBody(InputStream body, long length) throws IOException {
        byte[] chunk = new byte[16 * 1024];
        long sent = 0;
        for (int n; (n = body.read(chunk)) > 0; ) {
            if (length >= 0 && sent + n > length) {
                throw new IOException("the request body is longer than its content-length");
            }
            if (length < 0) {
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            out.write(chunk, 0, n);
            if (length < 0) {
                out.write(CRLF);
            }
            sent += n;
        }
        if (length >= 0 && sent != length) {
            throw new EOFException("the request body ended " + (length - sent) + " bytes before its content-length");
        }
        if (length < 0) {
            out.write(LAST_CHUNK);
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private UpstreamResponse exchange(String method, byte[] request, long deadline) throws IOException {
        try {
            out.write(request);
            out.flush();
            while (true) {
                String statusLine = readLine(deadline);
                int status = parseStatus(statusLine);
                Map<String, List<String>> headers = readHeaders(deadline);
                if (status >= 100 && status < 200 && status != 101) {
                    continue;
                }
                boolean closeAfter = statusLine.startsWith("HTTP/1.0")
                        || headerHasToken(headers, "connection", "close");
                Body body = body(method, status, headers, closeAfter);
                return new UpstreamResponse(status, headers, body);
            }
        } catch (SocketTimeoutException e) {
            closeSocket();
            throw new HttpTimeoutException("upstream sent no complete response headers within "
                    + Duration.ofNanos(headersTimeoutNanos).toMillis() + " ms");
        } catch (IOException | RuntimeException e) {
            closeSocket();
            throw e;
        }
    }

    private byte[] encode(String method, String target, List<String[]> headers, byte[] body) {
        requireNoLineBreak("method", method);
        requireNoLineBreak("target", target);
        StringBuilder head = new StringBuilder(256);
        head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        head.append("host: ").append(hostHeader).append("\r\n");
        for (String[] header : headers) {
            requireNoLineBreak("header name", header[0]);
            requireNoLineBreak("header " + header[0], header[1]);
            head.append(header[0]).append(": ").append(header[1]).append("\r\n");
        }
        if (body != null) {
            head.append("content-length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body == null || body.length == 0) {
            return headBytes;
        }
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    /** A line break in the request head would let its sender add headers or a request of its own. */
    private static void requireNoLineBreak(String what, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 0xff) {
                throw new IllegalArgumentException(what + " has a control or non-Latin-1 character at position " + i
                        + "; send printable characters only");
            }
        }
    }

    private void connect() throws IOException {
        SocketChannel tcp = SocketChannel.open();
        Socket plain = tcp.socket();
        try {
            plain.setTcpNoDelay(true);
            if (proxy == null) {
                plain.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            } else {
                plain.connect(new InetSocketAddress(proxy.host(), proxy.port()), connectTimeoutMillis);
                plain.setSoTimeout(connectTimeoutMillis);
                proxy.tunnel(plain, host, port);
            }
            Socket connected = plain;
            if (tls) {
                plain.setSoTimeout(connectTimeoutMillis);
                SSLSocketFactory factory = tlsSockets != null ? tlsSockets
                        : (SSLSocketFactory) SSLSocketFactory.getDefault();
                SSLSocket secure = (SSLSocket) factory.createSocket(plain, host, port, true);
                SSLParameters parameters = secure.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                secure.setSSLParameters(parameters);
                secure.startHandshake();
                connected = secure;
            }
            socket = connected;
            channel = tcp;
            idleSinceNanos = System.nanoTime();
            in = connected.getInputStream();
            out = connected.getOutputStream();
            position = 0;
            limit = 0;
            if (closed) {
                closeSocket();
                throw new IOException("the upstream connection was closed");
            }
        } catch (SocketTimeoutException e) {
            closeQuietly(plain);
            HttpConnectTimeoutException timeout = new HttpConnectTimeoutException("connecting upstream took longer "
                    + "than " + connectTimeoutMillis + " ms");
            timeout.initCause(e);
            throw timeout;
        } catch (IOException | RuntimeException e) {
            closeQuietly(plain);
            throw e;
        }
    }

    private static int parseStatus(String line) throws IOException {
        // HTTP/1.1 200 OK
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || line.charAt(8) != ' ') {
            throw new IOException("upstream sent a malformed status line");
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new IOException("upstream sent a malformed status line");
            }
            status = status * 10 + (c - '0');
        }
        if (status < 100) {
            throw new IOException("upstream sent a malformed status line");
        }
        return status;
    }

    private Map<String, List<String>> readHeaders(long deadline) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int count = 0; ; count++) {
            String line = readLine(deadline);
            if (line.isEmpty()) {
                return headers;
            }
            if (count == MAX_HEADERS) {
                throw new IOException("upstream sent more than " + MAX_HEADERS + " header lines");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("upstream sent a malformed header line");
            }
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            headers.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
        }
    }

    private static boolean headerHasToken(Map<String, List<String>> headers, String name, String token) {
        for (String value : headers.getOrDefault(name, List.of())) {
            for (String part : value.split(",")) {
                if (part.strip().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    private Body body(String method, int status, Map<String, List<String>> headers, boolean closeAfter)
            throws IOException {
        Body body;
        if ("HEAD".equals(method) || status == 204 || status == 304) {
            body = new FixedLengthBody(0, closeAfter);
        } else if (headers.containsKey("transfer-encoding")) {
            if (!headerHasToken(headers, "transfer-encoding", "chunked")) {
                body = new UntilCloseBody();
            } else {
                body = new ChunkedBody(closeAfter);
            }
        } else if (headers.containsKey("content-length")) {
            List<String> lengths = headers.get("content-length");
            long length;
            try {
                length = Long.parseLong(lengths.get(0).strip());
            } catch (NumberFormatException e) {
                throw new IOException("upstream sent a malformed content-length");
            }
            for (String other : lengths) {
                if (!other.strip().equals(lengths.get(0).strip())) {
                    throw new IOException("upstream sent conflicting content-length headers");
                }
            }
            if (length < 0) {
                throw new IOException("upstream sent a negative content-length");
            }
            body = new FixedLengthBody(length, closeAfter);
        } else {
            body = new UntilCloseBody();
        }
        openBody = body;
        if (body.ended) {
            body.finish();
        }
        return body;
    }

    /** Reads one CRLF- (or LF-) terminated line as ISO-8859-1, waiting until {@code deadline}. */
    private String readLine(long deadline) throws IOException {
        StringBuilder line = null;
        while (true) {
            if (position == limit) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new SocketTimeoutException("response headers timed out");
                }
                int n = fill((int) Math.clamp(Math.ceilDiv(remaining, 1_000_000L), 1, Integer.MAX_VALUE));
                if (n < 0) {
                    throw new EOFException("upstream closed the connection before the response headers ended");
                }
            }
            int start = position;
            while (position < limit && buffer[position] != '\n') {
                position++;
            }
            int end = position;
            boolean complete = position < limit;
            if (complete) {
                position++;
            }
            int length = end - start + (line == null ? 0 : line.length());
            if (length > MAX_LINE) {
                throw new IOException("upstream sent a header line longer than " + MAX_LINE + " bytes");
            }
            if (complete && line == null) {
                if (end > start && buffer[end - 1] == '\r') {
                    end--;
                }
                return new String(buffer, start, end - start, StandardCharsets.ISO_8859_1);
            }
            if (line == null) {
                line = new StringBuilder();
            }
            line.append(new String(buffer, start, end - start, StandardCharsets.ISO_8859_1));
            if (complete) {
                if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r') {
                    line.setLength(line.length() - 1);
                }
                return line.toString();
            }
        }
    }

    /** Reads more bytes into the empty buffer, waiting at most {@code timeoutMillis}. */
    private int fill(int timeoutMillis) throws IOException {
        Socket current = socket;
        if (current == null) {
            throw new IOException("the upstream connection was closed");
        }
        current.setSoTimeout(timeoutMillis);
        int n = in.read(buffer, 0, buffer.length);
        if (n > 0) {
            position = 0;
            limit = n;
        }
        return n;
    }

    /** Reads body bytes: from the buffer, else one socket read bounded by the read timeout. */
    private int readBody(byte[] target, int offset, int length) throws IOException {
        if (position == limit) {
            int n;
            try {
                n = fill(readTimeoutMillis);
            } catch (SocketTimeoutException e) {
                SocketTimeoutException gap = new SocketTimeoutException("upstream sent nothing for "
                        + readTimeoutMillis + " ms mid-response");
                gap.initCause(e);
                throw gap;
            }
            if (n < 0) {
                return -1;
            }
        }
        int n = Math.min(length, limit - position);
        System.arraycopy(buffer, position, target, offset, n);
        position += n;
        return n;
    }

    /** Closes the connection; a holder blocked on it fails with an IOException. */
    @Override
    public void close() {
        closed = true;
        closeSocket();
    }

    private void closeSocket() {
        Socket current = socket;
        socket = null;
        openBody = null;
        if (current != null) {
            closeQuietly(current);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing was pending on it that anyone waits for; the socket is gone either way.
        }
    }

    @Override
    public String toString() {
        return "Http1Connection[" + base + "]";
    }

    /**
     * A response body. Once it ended, the connection serves the next request (or is closed when
     * upstream asked for that); closed early, the connection is closed, since the rest of the
     * body is still on its way.
     */
    private abstract class Body extends InputStream {
        boolean ended;
        private boolean released;
        private final boolean closeAfter;

        Body(boolean closeAfter) {
            this.closeAfter = closeAfter;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            java.util.Objects.checkFromIndexSize(offset, length, target.length);
            if (ended) {
                return -1;
            }
            if (released) {
                throw new IOException("the response body was closed");
            }
            if (length == 0) {
                return 0;
            }
            try {
                int n = readSome(target, offset, length);
                if (ended) {
                    finish();
                }
                return n;
            } catch (IOException | RuntimeException e) {
                release(true);
                throw e;
            }
        }

        abstract int readSome(byte[] target, int offset, int length) throws IOException;

        /** The body ended: the connection takes the next request, unless upstream asked to close. */
        final void finish() {
            ended = true;
            if (!released) {
                release(closeAfter);
                idleSinceNanos = System.nanoTime();
            }
        }

        private void release(boolean closeConnection) {
            released = true;
            if (openBody == this) {
                openBody = null;
            }
            if (closeConnection) {
                closeSocket();
            }
        }

        @Override
        public void close() {
            if (!released) {
                release(!ended);
            }
        }
    }

    /** A body of {@code content-length} bytes. */
    private final class FixedLengthBody extends Body {
        private long remaining;

        FixedLengthBody(long length, boolean closeAfter) {
            super(closeAfter);
            this.remaining = length;
            this.ended = length == 0;
        }

        @Override
        int readSome(byte[] target, int offset, int length) throws IOException {
            int n = readBody(target, offset, (int) Math.min(length, remaining));
            if (n < 0) {
                throw new EOFException("upstream closed the connection " + remaining + " bytes before the end of "
                        + "the response body");
            }
            remaining -= n;
            ended = remaining == 0;
            return n;
        }
    }

    /** A body that ends when upstream closes the connection; the connection is not reused. */
    private final class UntilCloseBody extends Body {
        UntilCloseBody() {
            super(true);
        }

        @Override
        int readSome(byte[] target, int offset, int length) throws IOException {
            int n = readBody(target, offset, length);
            if (n < 0) {
                ended = true;
                return -1;
            }
            return n;
        }
    }

    /** A {@code transfer-encoding: chunked} body; each read returns what one chunk has at hand. */
    private final class ChunkedBody extends Body {
        /** Bytes left in the current chunk; 0 before the first and between chunks. */
        private long chunkRemaining;
        /**
         * Whether the line end after a chunk's data is still to be read: it is read with the next
         * chunk's size, so that a read returns an event as soon as its data is here.
         */
        private boolean lineEndPending;

        ChunkedBody(boolean closeAfter) {
            super(closeAfter);
        }

        @Override
        int readSome(byte[] target, int offset, int length) throws IOException {
            while (chunkRemaining == 0) {
                if (lineEndPending) {
                    if (!bodyLine().isEmpty()) {
                        throw new IOException("upstream sent a malformed chunk: no line end after its data");
                    }
                    lineEndPending = false;
                }
                long size = chunkSize(bodyLine());
                if (size == 0) {
                    // Trailers, then the blank line that ends the message.
                    while (!bodyLine().isEmpty()) {
                        // Trailer fields are not passed on.
                    }
                    ended = true;
                    return -1;
                }
                chunkRemaining = size;
            }
            int n = readBody(target, offset, (int) Math.min(length, chunkRemaining));
            if (n < 0) {
                throw new EOFException("upstream closed the connection in the middle of a chunked response body");
            }
            chunkRemaining -= n;
            lineEndPending = chunkRemaining == 0;
            return n;
        }

        private String bodyLine() throws IOException {
            long deadline = System.nanoTime() + readTimeoutMillis * 1_000_000L;
            try {
                return readLine(deadline);
            } catch (SocketTimeoutException e) {
                SocketTimeoutException gap = new SocketTimeoutException("upstream sent nothing for "
                        + readTimeoutMillis + " ms mid-response");
                gap.initCause(e);
                throw gap;
            }
        }

        private static long chunkSize(String line) throws IOException {
            int end = line.indexOf(';');
            String hex = (end < 0 ? line : line.substring(0, end)).strip();
            if (hex.isEmpty() || hex.length() > 15) {
                throw new IOException("upstream sent a malformed chunk size");
            }
            try {
                return Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("upstream sent a malformed chunk size");
            }
        }
    }
}
