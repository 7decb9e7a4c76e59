package dev.poolgate.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One client of the soak: a single keep-alive HTTP/1.1 connection over a plain blocking socket,
 * used by one virtual thread for request after request, so that each client is exactly one socket
 * on each side (which the soak counts) and costs no more than its thread and buffers. It reads
 * fixed-length and chunked answers; a 200's body is read and dropped, an error's kept.
 */
final class SoakClient implements AutoCloseable {

    /** One answer: its status, the error type of a non-200 (from its JSON), and retry-after if sent. */
    record Answer(int status, String errorType, String retryAfter) {
    }

    private static final int LIMIT = 1 << 20;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean closedByServer;

    SoakClient(int port, Duration connectTimeout, Duration readTimeout) throws IOException {
        socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) connectTimeout.toMillis());
            socket.setSoTimeout((int) readTimeout.toMillis());
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 8 * 1024);
            out = socket.getOutputStream();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** The head and body of a {@code POST /v1/messages} to the gateway on {@code port}. */
    static byte[] messageRequest(int port, String text) {
        byte[] body = Api.messageBody(text, false).getBytes(StandardCharsets.UTF_8);
        String head = "POST /v1/messages HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "x-api-key: " + Api.CLIENT_KEY + "\r\n"
                + "anthropic-version: 2023-06-01\r\n"
                + "content-type: application/json\r\n"
                + "content-length: " + body.length + "\r\n"
                + "\r\n";
        byte[] head8 = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head8.length + body.length];
        System.arraycopy(head8, 0, request, 0, head8.length);
        System.arraycopy(body, 0, request, head8.length, body.length);
        return request;
    }

    /** Whether the server said {@code connection: close}: this client cannot send again. */
    boolean closedByServer() {
        return closedByServer;
    }

    /** Sends {@code request} and reads the whole answer. */
    Answer send(byte[] request) throws IOException {
        out.write(request);
        out.flush();
        String statusLine = line();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("Not an HTTP status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        long length = -1;
        boolean chunked = false;
        String retryAfter = null;
        for (String header; !(header = line()).isEmpty(); ) {
            int colon = header.indexOf(':');
            String name = header.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).strip();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "retry-after" -> retryAfter = value;
                case "connection" -> closedByServer = value.equalsIgnoreCase("close");
                default -> {
                }
            }
        }
        ByteArrayOutputStream body = status == 200 ? null : new ByteArrayOutputStream();
        if (chunked) {
            for (long size; (size = Long.parseLong(line().split(";", 2)[0].strip(), 16)) > 0; ) {
                copy(size, body);
                if (!line().isEmpty()) {
                    throw new IOException("A chunk did not end with CRLF");
                }
            }
            while (!line().isEmpty()) {
                // trailers: none expected, skipped
            }
        } else if (length > 0) {
            copy(length, body);
        }
        String errorType = body == null ? null
                : Json.parse(body.toString(StandardCharsets.UTF_8)).path("error").path("type").asText(null);
        return new Answer(status, errorType, retryAfter);
    }

    private void copy(long count, ByteArrayOutputStream sink) throws IOException {
        byte[] buffer = new byte[4096];
        long left = count;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new EOFException("The connection closed " + left + " bytes before the end of a body");
            }
            if (sink != null && sink.size() < LIMIT) {
                sink.write(buffer, 0, n);
            }
            left -= n;
        }
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("The connection closed mid-answer" + (line.isEmpty() ? "" : " after '"
                        + line + "'"));
            }
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() > 8192) {
                throw new IOException("A header line longer than 8 KiB");
            }
            line.append((char) c);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
