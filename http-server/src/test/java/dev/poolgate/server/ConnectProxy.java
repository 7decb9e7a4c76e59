package dev.poolgate.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small HTTP CONNECT proxy on loopback, as a corporate egress proxy behaves: it answers
 * {@code CONNECT host:port} with 200 and then copies bytes both ways, or 407 when it requires
 * credentials that the request did not bring. It records each CONNECT's target and
 * {@code Proxy-Authorization}, so a test sees what went through it.
 */
final class ConnectProxy implements AutoCloseable {

    /** One CONNECT it was asked for. */
    record Tunnel(String target, String authorization) {
    }

    private final ServerSocket server;
    private final String requiredAuthorization;
    private final List<Tunnel> tunnels = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    /** @param requiredAuthorization the Proxy-Authorization to insist on, or null for none */
    ConnectProxy(String requiredAuthorization) throws IOException {
        this.requiredAuthorization = requiredAuthorization;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    List<Tunnel> tunnels() {
        return List.copyOf(tunnels);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            String head = readHead(client.getInputStream());
            String[] lines = head.split("\r\n");
            String[] request = lines[0].split(" ");
            String authorization = null;
            for (String line : lines) {
                if (line.regionMatches(true, 0, "Proxy-Authorization:", 0, 20)) {
                    authorization = line.substring(20).strip();
                }
            }
            OutputStream toClient = client.getOutputStream();
            if (!request[0].equals("CONNECT")) {
                toClient.write("HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            tunnels.add(new Tunnel(request[1], authorization));
            if (requiredAuthorization != null && !requiredAuthorization.equals(authorization)) {
                toClient.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n"
                        + "content-length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                return;
            }
            int colon = request[1].lastIndexOf(':');
            try (Socket upstream = new Socket(request[1].substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(request[1].substring(colon + 1)))) {
                open.add(upstream);
                toClient.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                toClient.flush();
                Thread back = Thread.ofVirtual().start(() -> copy(upstream, client));
                copy(client, upstream);
                back.join();
            }
        } catch (IOException | RuntimeException e) {
            // The tunnel ends when either side closes.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void copy(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // closed
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the end of the head");
            }
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
    }
}
