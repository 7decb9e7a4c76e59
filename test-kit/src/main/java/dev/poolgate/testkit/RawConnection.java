package dev.poolgate.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written and read by hand over a socket, for what {@code HttpClient} refuses to send:
 * any bytes in a method, path or header, broken framing, partial requests, slow writes. Shared by
 * the stub's tests and the gateway's (through this module's test jar).
 */
public final class RawConnection implements AutoCloseable {

    /** One response: the status, the headers (names in lower case), the decoded body. */
    public record Response(int status, Map<String, List<String>> headers, byte[] body) {

        /** The first value of a header, or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            String text = bodyText();
            return status + " " + headers + " " + (text.length() > 500 ? text.substring(0, 500) + "..." : text);
        }
    }

    /**
     * What came back on a connection: the response, or null when the server closed the connection
     * (or reset it) before a whole one arrived; and how the connection ended, if it did.
     */
    public record Outcome(Response response, String ending) {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code 127.0.0.1:port}; reads give up after {@code readTimeout}. */
    public static RawConnection connect(int port, Duration readTimeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout((int) readTimeout.toMillis());
            return new RawConnection(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Sends {@code request} on a connection of its own and reads one response.
     *
     * @param head whether the request is a HEAD (its response has no body)
     */
    public static Outcome exchange(int port, byte[] request, boolean head, Duration readTimeout) throws IOException {
        try (RawConnection http = connect(port, readTimeout)) {
            try {
                http.write(request);
            } catch (IOException e) {
                // The server may close before it read everything (a refused request): read what it said.
                return new Outcome(http.tryReadResponse(head), "write failed: " + e.getMessage());
            }
            Response response = http.tryReadResponse(head);
            return new Outcome(response, response == null ? "closed without a response" : "");
        }
    }

    /** Text as ISO-8859-1, so that every char is one byte, as written. */
    public static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Ends what this side sends (a half-close): the server reads the end of the stream. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /**
     * Reads one response (skipping interim 1xx ones).
     *
     * @throws EOFException when the connection ends before a whole response
     * @throws SocketTimeoutException when none arrives within the read timeout
     */
    public Response readResponse(boolean head) throws IOException {
        while (true) {
            String statusLine = line();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not a status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String line; !(line = line()).isEmpty(); ) {
                int colon = line.indexOf(':');
                headers.computeIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
            }
            if (status >= 100 && status < 200) {
                continue;
            }
            Response response = new Response(status, headers, new byte[0]);
            if (head || status == 204 || status == 304) {
                return response;
            }
            return new Response(status, headers, body(response));
        }
    }

    /** {@link #readResponse}, or null when the connection ends (or is reset) first. */
    public Response tryReadResponse(boolean head) throws IOException {
        try {
            return readResponse(head);
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Waits until the server closes the connection, reading and dropping whatever it sends.
     *
     * @return whether it closed (or reset) within the read timeout
     */
    public boolean awaitClosed() throws IOException {
        byte[] buffer = new byte[4096];
        try {
            while (in.read(buffer) >= 0) {
                // keep draining
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private byte[] body(Response response) throws IOException {
        String length = response.header("content-length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length));
        }
        String encoding = response.header("transfer-encoding");
        if (encoding != null && encoding.equalsIgnoreCase("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = line();
                int semicolon = size.indexOf(';');
                int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
                if (n == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    return body.toByteArray();
                }
                byte[] chunk = in.readNBytes(n);
                if (chunk.length < n) {
                    throw new EOFException("the connection ended inside a chunk");
                }
                body.write(chunk);
                line();
            }
        }
        return in.readAllBytes(); // delimited by the end of the connection
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the connection ended; read so far: "
                        + line.toString(StandardCharsets.ISO_8859_1));
            }
            if (c == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(c);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
