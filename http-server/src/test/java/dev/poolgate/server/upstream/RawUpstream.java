package dev.poolgate.server.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;

/**
 * A test upstream that speaks HTTP/1.1 by hand over a server socket, so that a test can send
 * exactly the bytes (and the pauses, resets and silences) that a real server might: each accepted
 * connection runs {@link Script#run} on a virtual thread of its own.
 */
final class RawUpstream implements AutoCloseable {

    /** What one accepted connection does. */
    interface Script {
        void run(Peer peer) throws Exception;
    }

    /** One accepted connection as a script sees it. */
    static final class Peer {
        final Socket socket;
        final int connectionNumber;
        private final InputStream in;
        private final OutputStream out;

        Peer(Socket socket, int connectionNumber) throws IOException {
            this.socket = socket;
            this.connectionNumber = connectionNumber;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** Reads one request (head, then a content-length body); null when the client closed first. */
        String readRequest() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return head.size() == 0 ? null : head.toString(StandardCharsets.ISO_8859_1);
                }
                head.write(b);
                matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : 0;
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            for (String line : text.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    int length = Integer.parseInt(line.substring(15).strip());
                    text += new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
                }
            }
            return text;
        }

        void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** Waits until the client closes the connection (or the test ends it). */
        void awaitClientClose() throws IOException {
            while (in.read() >= 0) {
                // Discards whatever else arrives.
            }
        }
    }

    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    RawUpstream(Script script) throws IOException {
        this(ServerSocketFactory.getDefault(), script);
    }

    RawUpstream(ServerSocketFactory sockets, Script script) throws IOException {
        server = sockets.createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("scripted-upstream-accept").start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    accepted.add(socket);
                    int number = connections.incrementAndGet();
                    Thread.ofVirtual().name("scripted-upstream-" + number).start(() -> {
                        try (socket) {
                            script.run(new Peer(socket, number));
                        } catch (Exception e) {
                            // The client hung up or the test closed the upstream: the script ends.
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    URI uri(String scheme) {
        return URI.create(scheme + "://localhost:" + server.getLocalPort());
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : accepted) {
            socket.close();
        }
    }
}
