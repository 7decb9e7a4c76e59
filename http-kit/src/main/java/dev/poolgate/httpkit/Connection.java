package dev.poolgate.httpkit;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * One client connection, served on its own virtual thread: waits for a request's first byte (at
 * most the idle timeout, which the server's sweeper enforces by closing the socket), then runs the
 * exchange on the server's executor (as the JDK's server does, so that an executor that bounds its
 * tasks bounds the reading of the head too), waits for
 * it, and goes on with the next request only when the last one left the byte stream exact.
 * Requests pipelined behind it wait in the connection's buffer and are answered in order.
 */
final class Connection implements Runnable {

    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    /** The most bytes of an unread fixed-length request body read and dropped to keep the connection. */
    static final long MAX_DRAINED_BYTES = 64 * 1024;
    /** The most bytes read and dropped while closing after an error, so that the answer is not reset away. */
    private static final int MAX_LINGER_BYTES = 64 * 1024;
    private static final int LINGER_MILLIS = 1000;

    final KitServer server;
    private final Socket socket;
    final SocketInput input;
    final SocketOutput output;
    private final RequestParser parser;
    /** Released by an exchange's task when it ends; the connection's thread waits on it. */
    private final Semaphore exchangeDone = new Semaphore(0);
    /** Whether an exchange is running (it may not be closed as idle). */
    private volatile boolean inExchange;
    // Written by the exchange's task, read by the connection's thread after exchangeDone.
    private boolean keepAlive;
    private boolean linger;

    Connection(KitServer server, Socket socket) {
        this.server = server;
        this.socket = socket;
        SocketInput in;
        SocketOutput out;
        try {
            in = new SocketInput(socket.getInputStream());
            out = new SocketOutput(socket.getOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.input = in;
        this.output = out;
        this.parser = new RequestParser(input, server.options);
    }

    @Override
    public void run() {
        try {
            socket.setTcpNoDelay(true);
            while (awaitRequest()) {
                if (!server.exchangeBegins()) {
                    break;
                }
                inExchange = true;
                try {
                    if (!dispatch()) {
                        break;
                    }
                } finally {
                    inExchange = false;
                    server.exchangeEnds();
                }
                if (!keepAlive) {
                    break;
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "A connection failed: " + e);
        } finally {
            if (linger) {
                lingeringClose();
            } else {
                closeNow();
            }
            server.forget(this);
        }
    }

    /** Waits for the next request's first byte; false when the client closed or stayed idle too long. */
    private boolean awaitRequest() {
        try {
            return server.running() && input.awaitByte();
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs one exchange on the executor and waits for it; false when it could not run. */
    private boolean dispatch() {
        keepAlive = false;
        linger = false;
        Executor executor = server.getExecutor();
        if (executor == null) {
            exchange();
            return true;
        }
        try {
            executor.execute(() -> {
                try {
                    exchange();
                } finally {
                    exchangeDone.release();
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "The executor refused a request; its connection is closed: " + e);
            return false;
        }
        exchangeDone.acquireUninterruptibly();
        return true;
    }

    /** Reads one request, runs its handler, finishes its response; sets {@link #keepAlive}. */
    private void exchange() {
        RequestParser.Head head;
        try {
            head = parser.read();
        } catch (BadRequest e) {
            LOG.log(System.Logger.Level.DEBUG, "Refused a malformed request: " + e.getMessage());
            answerError(e.status, e.type, e.getMessage());
            return;
        } catch (IOException e) {
            return; // the connection failed or was closed under the read: nothing can be answered
        }
        String path = head.uri().getPath();
        KitContext context = server.contextFor(path == null || path.isEmpty() ? "/" : path);
        KitExchange exchange = new KitExchange(this, head, context);
        try {
            if (context == null || context.getHandler() == null) {
                answer(exchange, 404, "not_found_error", "No endpoint " + RequestParser.shown(head.uri().getPath()));
            } else if (authenticated(exchange, context)) {
                List<Filter> filters = context.getFilters();
                if (filters.isEmpty()) {
                    context.getHandler().handle(exchange);
                } else {
                    new Filter.Chain(filters, context.getHandler()).doFilter(exchange);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "An exchange ended with an I/O error: " + e);
            exchange.mustClose();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "A handler failed on " + RequestParser.shown(head.method()) + " "
                    + RequestParser.shown(head.uri().getPath()), e);
            exchange.mustClose();
            if (!exchange.responded()) {
                try {
                    answer(exchange, 500, "api_error", "The server failed to handle the request; retry it");
                } catch (IOException | RuntimeException ignored) {
                    // The connection is closed below: the client sees that instead.
                }
            }
        }
        exchange.close();
        keepAlive = exchange.reusable();
        linger = !keepAlive && exchange.responded();
    }

    private boolean authenticated(KitExchange exchange, KitContext context) throws IOException {
        Authenticator authenticator = context.getAuthenticator();
        if (authenticator == null) {
            return true;
        }
        Authenticator.Result result = authenticator.authenticate(exchange);
        if (result instanceof Authenticator.Success success) {
            exchange.principal(success.getPrincipal());
            return true;
        }
        int status = result instanceof Authenticator.Failure failure ? failure.getResponseCode()
                : ((Authenticator.Retry) result).getResponseCode();
        answer(exchange, status, status == 401 ? "authentication_error" : "permission_error",
                "The request was not authenticated");
        return false;
    }

    private static void answer(KitExchange exchange, int status, String type, String message) throws IOException {
        String requestId = requestId();
        byte[] body = errorBody(type, message, requestId);
        exchange.getResponseHeaders().set("Content-type", "application/json");
        exchange.getResponseHeaders().set("Request-id", requestId);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    /** Answers a request the server refused itself, then lets the connection close. */
    private void answerError(int status, String type, String message) {
        keepAlive = false;
        linger = true;
        String requestId = requestId();
        byte[] body = errorBody(type, message, requestId);
        try {
            output.writeLatin1("HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-type: application/json\r\n"
                    + "Request-id: " + requestId + "\r\n"
                    + "Content-length: " + body.length + "\r\nConnection: close\r\nDate: " + HttpDate.now()
                    + "\r\n\r\n");
            output.write(body, 0, body.length);
            output.flush();
        } catch (IOException e) {
            linger = false;
        }
    }

    /** A request id in the gateway's format, for an answer the server makes itself. */
    static String requestId() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        return "req_" + java.util.HexFormat.of().toHexDigits(random.nextLong())
                + java.util.HexFormat.of().toHexDigits(random.nextInt());
    }

    static byte[] errorBody(String type, String message, String requestId) {
        StringBuilder json = new StringBuilder(64 + message.length());
        json.append("{\"type\":\"error\",\"error\":{\"type\":\"").append(type).append("\",\"message\":\"");
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7f) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        json.append("\"},\"request_id\":\"").append(requestId).append("\"}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Writes a response's status line and headers into the buffer. */
    void writeHead(int code, Headers headers) throws IOException {
        output.writeLatin1("HTTP/1.1 "); // the version the server supports, as RFC 9110 6.2 asks
        output.writeDecimal(code);
        output.write(' ');
        output.writeLatin1(reason(code));
        output.writeCrlf();
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            String name = header.getKey();
            checkHeaderText(name, name);
            for (String value : header.getValue()) {
                checkHeaderText(name, value);
                output.writeLatin1(name);
                output.write(':');
                output.write(' ');
                output.writeLatin1(value);
                output.writeCrlf();
            }
        }
        output.writeCrlf();
    }

    private static void checkHeaderText(String name, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException("the response header " + RequestParser.shown(name)
                        + " has a character a header cannot carry at position " + i + "; remove it");
            }
        }
    }

    static String reason(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 417 -> "Expectation Failed";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            case 529 -> "Overloaded";
            default -> "Status";
        };
    }

    InetSocketAddress remoteAddress() {
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Cut off by the write deadline: the blocked write fails, the exchange's handler sees an I/O error. */
    void cutOff() {
        LOG.log(System.Logger.Level.DEBUG, "Cut off a client that accepted no bytes within the write timeout");
        closeNow();
    }

    /** Closed by the idle timeout: the blocked read fails, as the end of the stream or an I/O error. */
    void closeSilent() {
        LOG.log(System.Logger.Level.DEBUG, "Closed a connection whose client sent nothing within the idle timeout");
        closeNow();
    }

    void closeIfIdle() {
        if (!inExchange) {
            closeNow();
        }
    }

    void closeNow() {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "Closing a connection failed: " + e);
        }
    }

    /**
     * Closes after an answer that ends the connection: our side first, then what the client still
     * sends is read and dropped for a moment, so that its unread bytes do not make the kernel reset
     * the connection before the client read the answer.
     */
    private void lingeringClose() {
        try {
            socket.shutdownOutput();
            socket.setSoTimeout(LINGER_MILLIS);
            int dropped = 0;
            while (dropped < MAX_LINGER_BYTES) {
                if (input.position < input.limit) {
                    dropped += input.limit - input.position;
                    input.position = input.limit;
                }
                if (!input.fill()) {
                    break;
                }
            }
        } catch (IOException e) {
            // Reset, timed out, or closed: the connection is closed below in any case.
        } finally {
            closeNow();
        }
    }
}
