package dev.poolgate.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A hand-written HTTP/1.1 exchange over a plain socket, for what {@code HttpClient} cannot do:
 * reading a streamed response only up to its first event, or sending part of a body, then hanging
 * up.
 */
final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** Connects and sends a POST of {@code json} to {@code path}. */
    static RawHttp post(int port, String path, String json) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(15_000);
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "x-api-key: " + GatewayClient.CLIENT_KEY + "\r\n"
                + "anthropic-version: " + GatewayClient.VERSION + "\r\n"
                + "content-type: application/json\r\n"
                + "content-length: " + body.length + "\r\n"
                + "\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return new RawHttp(socket);
    }

    /**
     * Connects and sends the head of a POST to {@code path} declaring a {@code declaredLength}-byte
     * body, then only {@code sent} of it: a client still sending its body. The head asks for
     * {@code 100 Continue}, and the body follows only once the server answered it, so the server
     * has taken up the request before the client can hang up.
     */
    static RawHttp postPartly(int port, String path, int declaredLength, byte[] sent) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(15_000);
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "x-api-key: " + GatewayClient.CLIENT_KEY + "\r\n"
                + "anthropic-version: " + GatewayClient.VERSION + "\r\n"
                + "content-type: application/json\r\n"
                + "content-length: " + declaredLength + "\r\n"
                + "expect: 100-continue\r\n"
                + "\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        RawHttp raw = new RawHttp(socket);
        String interim = raw.readThrough("\r\n\r\n");
        if (!interim.startsWith("HTTP/1.1 100")) {
            raw.close();
            throw new IOException("Expected 100 Continue, got: " + interim);
        }
        out.write(sent);
        out.flush();
        return raw;
    }

    /**
     * Sends {@code request} as written (ISO-8859-1, so any byte can go into a header) on a connection
     * of its own and returns the whole response, read until the server closes the connection.
     */
    static String exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** Reads until what was received holds {@code marker}; returns everything read so far. */
    private String readThrough(String marker) throws IOException {
        byte[] buffer = new byte[1024];
        while (!received.toString(StandardCharsets.UTF_8).contains(marker)) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("The connection ended before \"" + marker + "\"; got: "
                        + received.toString(StandardCharsets.UTF_8));
            }
            received.write(buffer, 0, n);
        }
        return received.toString(StandardCharsets.UTF_8);
    }

    /**
     * Reads until the response holds {@code marker} and the blank line that ends the event it is
     * in; returns everything read so far (status line, headers, chunk sizes included).
     */
    String readThroughEventContaining(String marker) throws IOException {
        byte[] buffer = new byte[1024];
        while (true) {
            String text = received.toString(StandardCharsets.UTF_8);
            int at = text.indexOf(marker);
            if (at >= 0 && text.indexOf("\n\n", at) >= 0) {
                return text;
            }
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("The connection ended before \"" + marker + "\"; got: " + text);
            }
            received.write(buffer, 0, n);
        }
    }

    /** Hangs up at once: a reset rather than an orderly close, like a killed client. */
    @Override
    public void close() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }
}
