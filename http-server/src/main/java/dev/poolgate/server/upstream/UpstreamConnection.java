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
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The transport under {@link Http1Connection}: one blocking socket upstream (TLS for
 * {@code https}, through the egress proxy's {@code CONNECT} tunnel when there is one), opened on
 * demand within the connect timeout, with buffered reads bounded by timeouts (enforced by
 * {@link ReadDeadlines}, not by the socket). It knows nothing of HTTP messages; {@link Http1Codec}
 * writes and reads those over it.
 *
 * <p>A keep-alive connection that upstream closed while it was idle (its keep-alive timeout) is
 * replaced before the next request goes out: a non-blocking read of the idle socket tells whether
 * its end arrived. Over TLS the raw socket may hold protocol records that are not the end (a
 * session ticket, a key update), so there a read through TLS with a 1 ms timeout tells instead,
 * and only after {@code tlsCheckAfterIdle} of idleness: a server that closes sooner than that is
 * not worth a millisecond per request.
 *
 * <p>Not guarded: one holder at a time (the pool's lease); {@link #close()} from another thread
 * only closes the socket, which fails the holder's blocked read or write.
 */
final class UpstreamConnection {

    private final URI base;
    private final String host;
    private final int port;
    private final boolean tls;
    private final UpstreamTimeouts timeouts;
    private final SSLSocketFactory tlsSockets;
    /** The egress proxy every connection tunnels through, or null to connect directly. */
    private final EgressProxy proxy;
    private final long tlsCheckAfterIdleNanos;

    private volatile Socket socket;
    /** The plain TCP channel under {@link #socket} (which is a TLS socket over it for https). */
    private SocketChannel channel;
    private final ByteBuffer probe = ByteBuffer.allocate(1);
    /** When the connection last became idle (connected, or a response ended). */
    private long idleSinceNanos;
    private InputStream in;
    /** The TCP socket's own input (under TLS's, for https): asked what arrived unread ({@link #moreArrived()}). */
    private InputStream raw;
    private OutputStream out;
    private final byte[] buffer = new byte[16 * 1024];
    private int position;
    private int limit;
    private volatile boolean closed;
    /**
     * The deadline of the socket read in progress ({@link System#nanoTime()}), {@link #NOT_READING},
     * or {@link #TIMED_OUT} once {@link ReadDeadlines} ended it.
     */
    private final AtomicLong readDeadline = new AtomicLong(NOT_READING);
    private static final long NOT_READING = 0;
    private static final long TIMED_OUT = Long.MIN_VALUE;

    /**
     * @param base the upstream's {@code http} or {@code https} URL
     * @param tlsSockets creates the TLS sockets of an {@code https} upstream; null for the JVM's
     *     default (its trust store: {@code javax.net.ssl.trustStore} and the JDK's CA certificates)
     * @param tlsCheckAfterIdle how long a TLS connection must have been idle before it is checked
     *     for upstream's close before a request
     * @param proxy the egress proxy to tunnel through ({@code CONNECT}), or null to connect directly
     * @throws IllegalArgumentException when {@code base} is not an http(s) URL with a host
     */
    UpstreamConnection(URI base, UpstreamTimeouts timeouts, SSLSocketFactory tlsSockets, Duration tlsCheckAfterIdle,
            EgressProxy proxy) {
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
        this.timeouts = timeouts;
    }

    URI base() {
        return base;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    boolean tls() {
        return tls;
    }

    UpstreamTimeouts timeouts() {
        return timeouts;
    }

    /** Whether {@link #close()} was called: the connection takes no more requests. */
    boolean isClosed() {
        return closed;
    }

    /**
     * Makes sure a socket is open for the next request: an idle one that upstream closed is
     * replaced, a missing one is connected.
     *
     * @throws UpstreamConnectException when no connection could be made (refused, or timed out)
     * @throws IOException when connecting failed otherwise, or the connection was closed meanwhile
     */
    void ensureOpen() throws IOException {
        if (socket != null && !idleAndOpen()) {
            closeSocket();
        }
        if (socket == null) {
            connect();
        }
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
                return restoreUntimedReads();
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

    /** Sets the socket's reads back to untimed after the probe's; true, or false when that failed. */
    private boolean restoreUntimedReads() {
        try {
            socket.setSoTimeout(0);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void connect() throws IOException {
        int connectTimeoutMillis = timeouts.connectMillis();
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
                parameters.setCipherSuites(CipherOrder.offered(parameters.getCipherSuites()));
                secure.setSSLParameters(parameters);
                secure.startHandshake();
                connected = secure;
            }
            plain.setSoTimeout(0); // reads wait untimed; ReadDeadlines bounds them
            socket = connected;
            channel = tcp;
            idleSinceNanos = System.nanoTime();
            in = connected.getInputStream();
            raw = plain.getInputStream();
            out = connected.getOutputStream();
            position = 0;
            limit = 0;
            if (closed) {
                closeSocket();
                throw new IOException("the upstream connection was closed");
            }
        } catch (SocketTimeoutException e) {
            closeQuietly(plain);
            throw new UpstreamConnectException("connecting upstream took longer than " + connectTimeoutMillis + " ms",
                    e);
        } catch (ConnectException e) {
            closeQuietly(plain);
            throw new UpstreamConnectException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            closeQuietly(plain);
            throw e;
        }
    }

    /** The open socket's output; call {@link #ensureOpen()} first. */
    OutputStream out() {
        return out;
    }

    /** Marks the connection idle from now on: a response ended, the next request may follow. */
    void markIdle() {
        idleSinceNanos = System.nanoTime();
    }

    /** How many bytes are buffered: readable without waiting. */
    int buffered() {
        return limit - position;
    }

    /**
     * Whether bytes that no read took yet wait in the socket (one {@code FIONREAD} call): when
     * {@link #buffered()} is 0, the next read then returns without waiting for upstream, or waits
     * only for the rest of a TLS record that is arriving.
     */
    boolean moreArrived() {
        InputStream current = raw;
        try {
            return current != null && socket != null && current.available() > 0;
        } catch (IOException e) {
            return false; // closed: the next read fails at once
        }
    }

    /** Whether {@code lines} line ends are buffered, with at least one byte after the last of them. */
    boolean bufferedLines(int lines) {
        int found = 0;
        for (int i = position; i < limit; i++) {
            if (buffer[i] == '\n' && ++found == lines) {
                return i + 1 < limit;
            }
        }
        return false;
    }

    /**
     * Reads one CRLF- (or LF-) terminated line as ISO-8859-1, waiting until {@code deadline}
     * ({@link System#nanoTime()}).
     *
     * @param maxLength the longest line accepted; longer means upstream is not speaking HTTP
     * @throws SocketTimeoutException when the deadline passed first
     * @throws EOFException when upstream closed the connection first
     * @throws UpstreamProtocolException when the line is longer than {@code maxLength}
     */
    String readLine(long deadline, int maxLength) throws IOException {
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
            if (length > maxLength) {
                throw new UpstreamProtocolException("upstream sent a header line longer than " + maxLength + " bytes");
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

    /**
     * Reads one line in the middle of a response (e.g. a chunk size), waiting at most the read
     * timeout, as {@link #readLine(long, int)}.
     *
     * @throws SocketTimeoutException when nothing came for the read timeout
     */
    String readLineWithinReadTimeout(int maxLength) throws IOException {
        int readTimeoutMillis = timeouts.readMillis();
        long deadline = System.nanoTime() + readTimeoutMillis * 1_000_000L;
        try {
            return readLine(deadline, maxLength);
        } catch (SocketTimeoutException e) {
            throw silentFor(readTimeoutMillis, e);
        }
    }

    /**
     * Reads bytes of a response body: from the buffer, else one socket read bounded by the read
     * timeout.
     *
     * @return the bytes read, or -1 when upstream closed the connection
     * @throws SocketTimeoutException when nothing came for the read timeout
     */
    int read(byte[] target, int offset, int length) throws IOException {
        if (position == limit) {
            int readTimeoutMillis = timeouts.readMillis();
            int n;
            try {
                n = fill(readTimeoutMillis);
            } catch (SocketTimeoutException e) {
                throw silentFor(readTimeoutMillis, e);
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

    private static SocketTimeoutException silentFor(int readTimeoutMillis, SocketTimeoutException cause) {
        SocketTimeoutException gap = new SocketTimeoutException("upstream sent nothing for " + readTimeoutMillis
                + " ms mid-response");
        gap.initCause(cause);
        return gap;
    }

    /**
     * Reads more bytes into the empty buffer, waiting at most {@code timeoutMillis} (and up to one
     * {@link ReadDeadlines#TICK} more: the read itself waits untimed, {@link ReadDeadlines} ends it).
     *
     * @throws SocketTimeoutException when the deadline passed first; the socket is closed then
     */
    private int fill(int timeoutMillis) throws IOException {
        Socket current = socket;
        if (current == null) {
            throw new IOException("the upstream connection was closed");
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        if (deadline == NOT_READING || deadline == TIMED_OUT) {
            deadline++;
        }
        readDeadline.set(deadline);
        ReadDeadlines.SHARED.reading(this);
        int n;
        try {
            n = in.read(buffer, 0, buffer.length);
        } catch (IOException e) {
            if (endRead()) {
                SocketTimeoutException timeout = new SocketTimeoutException("Read timed out");
                timeout.initCause(e);
                throw timeout;
            }
            throw e;
        } catch (RuntimeException | Error e) {
            endRead();
            throw e;
        }
        if (endRead()) {
            // The deadline passed as the bytes came: the socket is being closed, so they are the last.
            throw new SocketTimeoutException("Read timed out");
        }
        if (n > 0) {
            position = 0;
            limit = n;
        }
        return n;
    }

    /** Ends the read in progress; true when {@link ReadDeadlines} timed it out first. */
    private boolean endRead() {
        ReadDeadlines.SHARED.done(this);
        return readDeadline.getAndSet(NOT_READING) == TIMED_OUT;
    }

    /**
     * Called by {@link ReadDeadlines}: when the read in progress is past its deadline at {@code now},
     * marks it timed out and closes the TCP channel, which fails the read. Exactly one of this and
     * the reader's own end of the read decides, by compare-and-set. The channel, not the TLS socket
     * over it: closing that one would try to send TLS's close message, which the sweeper must not
     * wait for; a timed-out connection is not reused anyway.
     *
     * @return whether the read was timed out
     */
    boolean timeOutRead(long now) {
        long deadline = readDeadline.get();
        if (deadline == NOT_READING || deadline == TIMED_OUT || now - deadline < 0
                || !readDeadline.compareAndSet(deadline, TIMED_OUT)) {
            return false;
        }
        SocketChannel current = channel; // written before the read began, so before its deadline
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                // Closed already, or failing to: the read fails or ends either way.
            }
        }
        return true;
    }

    /** Closes the socket only: the next {@link #ensureOpen()} connects again. */
    void closeSocket() {
        Socket current = socket;
        socket = null;
        if (current != null) {
            closeQuietly(current);
        }
    }

    /** Closes the connection for good; a holder blocked on it fails with an IOException. */
    void close() {
        closed = true;
        closeSocket();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing was pending on it that anyone waits for; the socket is gone either way.
        }
    }
}
