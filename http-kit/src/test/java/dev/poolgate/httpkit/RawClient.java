package dev.poolgate.httpkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A raw HTTP/1.1 client for the tests: writes bytes as given, reads responses strictly. */
final class RawClient implements AutoCloseable {

    /** One response; header names lower-cased. */
    record Response(int status, Map<String, String> headers, String body) {

        String header(String name) {
            return headers.get(name);
        }
    }

    private final Socket socket;
    private final InputStream in;

    RawClient(int port, Duration readTimeout) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout((int) readTimeout.toMillis());
        in = new BufferedInputStream(socket.getInputStream());
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    void write(String text) throws IOException {
        write(bytes(text));
    }

    void write(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    void halfClose() throws IOException {
        socket.shutdownOutput();
    }

    /** The next response (interim ones skipped), or null when the connection ends cleanly before one. */
    Response read(boolean head) throws IOException {
        while (true) {
            String status = line(true);
            if (status == null) {
                return null;
            }
            if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
                throw new IOException("not a status line: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line; !(line = line(false)).isEmpty(); ) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
            if (code < 200) {
                continue;
            }
            if (head || code == 204 || code == 304) {
                return new Response(code, headers, "");
            }
            return new Response(code, headers, body(headers));
        }
    }

    private String body(Map<String, String> headers) throws IOException {
        String length = headers.get("content-length");
        if (length != null) {
            byte[] body = in.readNBytes(Integer.parseInt(length));
            if (body.length < Integer.parseInt(length)) {
                throw new EOFException("the body ended early");
            }
            return new String(body, StandardCharsets.ISO_8859_1);
        }
        if ("chunked".equals(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                int size = Integer.parseInt(line(false), 16);
                if (size == 0) {
                    if (!line(false).isEmpty()) {
                        throw new IOException("trailers were not expected");
                    }
                    return body.toString(StandardCharsets.ISO_8859_1);
                }
                body.write(in.readNBytes(size));
                if (!line(false).isEmpty()) {
                    throw new IOException("a chunk longer than its size");
                }
            }
        }
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /** A CRLF-ended line; null at a clean end of the stream before its first byte when allowed. */
    private String line(boolean endAllowed) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (endAllowed && line.size() == 0) {
                    return null;
                }
                throw new EOFException("the connection ended inside a line: " + line);
            }
            if (c == '\n') {
                byte[] bytes = line.toByteArray();
                if (bytes.length == 0 || bytes[bytes.length - 1] != '\r') {
                    throw new IOException("a response line without CRLF");
                }
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
        }
    }

    /** All responses until the connection ends (a reset counts as the end). */
    List<Response> readAll() throws IOException {
        List<Response> responses = new ArrayList<>();
        try {
            for (Response response; (response = read(false)) != null; ) {
                responses.add(response);
            }
        } catch (java.net.SocketException e) {
            // reset after the last answer
        }
        return responses;
    }

    /** Whether the server closed the connection within the read timeout. */
    boolean closed() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
