package dev.poolgate.httpkit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One request and its response on a {@link Connection}, with the semantics of the JDK's exchange:
 * {@code sendResponseHeaders(code, n)} sends a body of exactly n bytes for n > 0, a chunked body
 * for 0, and none for -1 (nor for HEAD, 1xx, 204 and 304). It decides whether the connection may
 * carry another request: not after a request body left in doubt, a response body left short, or
 * {@code connection: close} on either side; then the response says {@code connection: close}.
 */
final class KitExchange extends HttpExchange {

    private final Connection connection;
    private final RequestParser.Head head;
    private final KitContext context;
    private final RequestBody requestBody;
    private final ResponseBody responseBody;
    private final Headers responseHeaders = new Headers();
    private Map<String, Object> attributes;
    private InputStream filteredIn;
    private OutputStream filteredOut;
    private HttpPrincipal principal;
    private int responseCode = -1;
    private boolean continueSent;
    private boolean complete;
    private boolean close;

    KitExchange(Connection connection, RequestParser.Head head, KitContext context) {
        this.connection = connection;
        this.head = head;
        this.context = context;
        this.requestBody = new RequestBody(connection.input, this, head.contentLength(),
                connection.server.options.maxHeaderCount());
        this.responseBody = new ResponseBody(connection.output, this);
        this.close = !head.keepAlive();
    }

    @Override
    public Headers getRequestHeaders() {
        return head.headers();
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return head.uri();
    }

    @Override
    public String getRequestMethod() {
        return head.method();
    }

    @Override
    public HttpContext getHttpContext() {
        return context;
    }

    /** Ends the response (a short body closes the connection); the request body is left to the connection. */
    @Override
    public void close() {
        try {
            if (responseCode < 0) {
                close = true; // nothing was answered: the client must not wait on this connection
                return;
            }
            responseBody.close();
        } catch (IOException e) {
            close = true;
        }
    }

    @Override
    public InputStream getRequestBody() {
        return filteredIn != null ? filteredIn : requestBody;
    }

    @Override
    public OutputStream getResponseBody() {
        return filteredOut != null ? filteredOut : responseBody;
    }

    @Override
    public void sendResponseHeaders(int code, long length) throws IOException {
        if (responseCode >= 0) {
            throw new IOException("the response headers were sent already (status " + responseCode + ")");
        }
        if (code < 100 || code > 999) {
            throw new IllegalArgumentException("code must be a 3-digit status, but was " + code);
        }
        if (code < 200) {
            throw new IllegalArgumentException("informational status " + code + " is not supported; the server sends "
                    + "100 Continue itself");
        }
        responseCode = code;
        boolean noBody = head.method().equals("HEAD") || code == 204 || code == 304;
        ResponseBody.Mode mode;
        if (noBody) {
            mode = ResponseBody.Mode.NONE;
            if (length > 0 && head.method().equals("HEAD")) {
                responseHeaders.set("Content-length", Long.toString(length));
            }
        } else if (length == -1) {
            mode = ResponseBody.Mode.NONE;
            responseHeaders.set("Content-length", "0");
        } else if (length == 0) {
            if (head.http11()) {
                mode = ResponseBody.Mode.CHUNKED;
                responseHeaders.set("Transfer-encoding", "chunked");
            } else {
                mode = ResponseBody.Mode.UNTIL_CLOSE; // HTTP/1.0 has no chunks: the body ends with the connection
                close = true;
            }
        } else if (length > 0) {
            mode = ResponseBody.Mode.FIXED;
            responseHeaders.set("Content-length", Long.toString(length));
        } else {
            throw new IllegalArgumentException("length must be > 0, 0 (chunked) or -1 (no body), but was " + length);
        }
        String connectionHeader = responseHeaders.getFirst("Connection");
        if (connectionHeader != null && connectionHeader.toLowerCase(java.util.Locale.ROOT).contains("close")) {
            close = true;
        }
        // A request body not read to its end when the answer starts: a fixed-length remainder is
        // drained afterwards when small, anything else leaves the connection's bytes in doubt.
        if (!requestBody.ended() && !requestBody.drainable(Connection.MAX_DRAINED_BYTES)) {
            close = true;
        }
        if (close) {
            responseHeaders.set("Connection", "close");
        }
        if (!responseHeaders.containsKey("Date")) {
            responseHeaders.set("Date", HttpDate.now());
        }
        connection.writeHead(code, responseHeaders);
        responseBody.start(mode, length == -1 ? 0 : length);
        if (mode == ResponseBody.Mode.NONE) {
            // As the JDK does: nothing can follow, so the response is complete and goes out now.
            responseComplete();
            connection.output.flush();
        } else if (mode == ResponseBody.Mode.CHUNKED) {
            connection.output.flush(); // a stream's client waits for its head
        }
    }

    /** Sends {@code 100 Continue} before the first read of a body the client waits to send. */
    void continueIfExpected() throws IOException {
        if (head.expectContinue() && !continueSent && responseCode < 0) {
            continueSent = true;
            connection.output.writeLatin1("HTTP/1.1 100 Continue\r\n\r\n");
            connection.output.flush();
        }
    }

    void mustClose() {
        close = true;
    }

    void responseComplete() {
        complete = true;
    }

    /** Whether the response was started, for the connection's error handling. */
    boolean responded() {
        return responseCode >= 0;
    }

    /**
     * Whether the connection may carry the next request: the response is complete and the request
     * body was read, or drained, to its exact end.
     */
    boolean reusable() {
        if (close || !complete || requestBody.broken()) {
            return false;
        }
        return requestBody.ended() || requestBody.drainable(Connection.MAX_DRAINED_BYTES) && requestBody.drain();
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return responseCode;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return connection.localAddress();
    }

    @Override
    public String getProtocol() {
        return head.http11() ? "HTTP/1.1" : "HTTP/1.0";
    }

    @Override
    public Object getAttribute(String name) {
        if (name == null) {
            throw new NullPointerException("name must not be null");
        }
        return attributes == null ? null : attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (name == null) {
            throw new NullPointerException("name must not be null");
        }
        if (attributes == null) {
            attributes = new ConcurrentHashMap<>();
        }
        if (value == null) {
            attributes.remove(name);
        } else {
            attributes.put(name, value);
        }
    }

    @Override
    public void setStreams(InputStream in, OutputStream out) {
        if (in != null) {
            filteredIn = in;
        }
        if (out != null) {
            filteredOut = out;
        }
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return principal;
    }

    void principal(HttpPrincipal principal) {
        this.principal = principal;
    }

}
