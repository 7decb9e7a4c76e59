package dev.poolgate.server.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 messages over an {@link UpstreamConnection}: encodes the request head (refusing line
 * breaks that would inject headers), reads the status line and headers within their budgets,
 * decides the response body's framing and whether the connection is kept afterwards, and hands out
 * the body as a {@link ResponseBody}.
 *
 * <p>Framing follows RFC 9112: a response body is delimited by {@code transfer-encoding: chunked},
 * by {@code content-length}, or by the end of the connection; 1xx responses (but 101) are skipped;
 * HEAD, 204 and 304 responses have no body. The connection is kept for the next request only when
 * the previous body was read to its end and neither side asked to close.
 */
final class Http1Codec {

    /** Longest status line or header line accepted; longer means upstream is not speaking HTTP. */
    static final int MAX_LINE = 64 * 1024;
    /** Most header lines accepted in one response. */
    static final int MAX_HEADERS = 500;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** How a response body is delimited. */
    enum Framing {
        /** No body: a response to HEAD, a 204 or a 304. */
        NONE,
        /** {@code transfer-encoding: chunked}. */
        CHUNKED,
        /** {@code content-length} bytes. */
        CONTENT_LENGTH,
        /** Until upstream closes the connection (no length, or a transfer coding other than chunked). */
        UNTIL_CLOSE
    }

    private final UpstreamConnection connection;
    /** The {@code host} header's value: the upstream's host, and its port unless the default. */
    private final String hostHeader;
    /** The body of the last response while it is being read; null once it ended or was closed. */
    private ResponseBody openBody;

    Http1Codec(UpstreamConnection connection) {
        this.connection = connection;
        this.hostHeader = hostHeader(connection.base().getPort(), connection.host(), connection.port(),
                connection.tls());
    }

    private static String hostHeader(int uriPort, String host, int port, boolean tls) {
        boolean defaultPort = uriPort == -1 || uriPort == (tls ? 443 : 80);
        String hostName = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return defaultPort ? hostName : hostName + ":" + port;
    }

    /**
     * Drops the socket when the last response's body was not read to its end: its bytes still sit
     * on the wire, so the next request needs a fresh connection.
     */
    void discardUnfinishedBody() {
        if (openBody != null) {
            closeSocket();
        }
    }

    /** Closes the socket (not the connection for good) and forgets the open body. */
    void closeSocket() {
        openBody = null;
        connection.closeSocket();
    }

    /**
     * The request head and, when there is one, its body with its {@code content-length}.
     *
     * @throws IllegalArgumentException when the method, target or a header has a line break or a
     *     character outside Latin-1: nothing is sent then
     */
    byte[] encode(String method, String target, List<String[]> headers, byte[] body) {
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

    /**
     * Copies a request body upstream as it is read from {@code body}: {@code length} bytes, or
     * chunked when {@code length} is -1.
     *
     * @throws IOException when {@code body} is longer or shorter than {@code length}, or fails
     */
    void writeBody(InputStream body, long length) throws IOException {
        OutputStream out = connection.out();
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

    /**
     * Writes {@code request} (what is left of it), then reads the response's status line and
     * headers until {@code deadline}, skipping 1xx responses. On any failure the socket is closed.
     *
     * @throws UpstreamTimeoutException when the response headers did not arrive by the deadline
     * @throws UpstreamProtocolException when upstream's answer is not HTTP/1.1 within the budgets
     */
    UpstreamResponse exchange(String method, byte[] request, long deadline) throws IOException {
        try {
            OutputStream out = connection.out();
            out.write(request);
            out.flush();
            while (true) {
                String statusLine = connection.readLine(deadline, MAX_LINE);
                int status = parseStatus(statusLine);
                Map<String, List<String>> headers = readHeaders(deadline);
                if (status >= 100 && status < 200 && status != 101) {
                    continue;
                }
                boolean closeAfter = closeAfter(statusLine, headers);
                ResponseBody body = body(method, status, headers, closeAfter);
                return new UpstreamResponse(status, headers, body);
            }
        } catch (SocketTimeoutException e) {
            closeSocket();
            throw new UpstreamTimeoutException("upstream sent no complete response headers within "
                    + connection.timeouts().headers().toMillis() + " ms");
        } catch (IOException | RuntimeException e) {
            closeSocket();
            throw e;
        }
    }

    static int parseStatus(String line) throws UpstreamProtocolException {
        // HTTP/1.1 200 OK
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || line.charAt(8) != ' ') {
            throw new UpstreamProtocolException("upstream sent a malformed status line");
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new UpstreamProtocolException("upstream sent a malformed status line");
            }
            status = status * 10 + (c - '0');
        }
        if (status < 100) {
            throw new UpstreamProtocolException("upstream sent a malformed status line");
        }
        return status;
    }

    private Map<String, List<String>> readHeaders(long deadline) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int count = 0; ; count++) {
            String line = connection.readLine(deadline, MAX_LINE);
            if (line.isEmpty()) {
                return headers;
            }
            if (count == MAX_HEADERS) {
                throw new UpstreamProtocolException("upstream sent more than " + MAX_HEADERS + " header lines");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new UpstreamProtocolException("upstream sent a malformed header line");
            }
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            headers.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
        }
    }

    /** Whether the connection must be closed after this response: HTTP/1.0, or {@code connection: close}. */
    static boolean closeAfter(String statusLine, Map<String, List<String>> headers) {
        return statusLine.startsWith("HTTP/1.0") || headerHasToken(headers, "connection", "close");
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

    /** How the body of a (final, not 1xx) response to {@code method} is delimited. */
    static Framing framing(String method, int status, Map<String, List<String>> headers) {
        if ("HEAD".equals(method) || status == 204 || status == 304) {
            return Framing.NONE;
        }
        if (headers.containsKey("transfer-encoding")) {
            return headerHasToken(headers, "transfer-encoding", "chunked") ? Framing.CHUNKED : Framing.UNTIL_CLOSE;
        }
        return headers.containsKey("content-length") ? Framing.CONTENT_LENGTH : Framing.UNTIL_CLOSE;
    }

    /**
     * The {@code content-length} of a response framed by it.
     *
     * @throws UpstreamProtocolException when it is malformed, negative, or given twice differently
     */
    static long contentLength(Map<String, List<String>> headers) throws UpstreamProtocolException {
        List<String> lengths = headers.get("content-length");
        long length;
        try {
            length = Long.parseLong(lengths.get(0).strip());
        } catch (NumberFormatException e) {
            throw new UpstreamProtocolException("upstream sent a malformed content-length");
        }
        for (String other : lengths) {
            if (!other.strip().equals(lengths.get(0).strip())) {
                throw new UpstreamProtocolException("upstream sent conflicting content-length headers");
            }
        }
        if (length < 0) {
            throw new UpstreamProtocolException("upstream sent a negative content-length");
        }
        return length;
    }

    private ResponseBody body(String method, int status, Map<String, List<String>> headers, boolean closeAfter)
            throws IOException {
        ResponseBody body = switch (framing(method, status, headers)) {
            case NONE -> new ResponseBody.FixedLength(this, connection, 0, closeAfter);
            case CHUNKED -> new ResponseBody.Chunked(this, connection, closeAfter);
            case CONTENT_LENGTH -> new ResponseBody.FixedLength(this, connection, contentLength(headers), closeAfter);
            case UNTIL_CLOSE -> new ResponseBody.UntilClose(this, connection);
        };
        openBody = body;
        body.finishIfEmpty();
        return body;
    }

    /**
     * A body stopped being read (it ended, failed or was closed): it no longer holds the
     * connection, which is closed when {@code closeConnection}.
     */
    void released(ResponseBody body, boolean closeConnection) {
        if (openBody == body) {
            openBody = null;
        }
        if (closeConnection) {
            closeSocket();
        }
    }
}
