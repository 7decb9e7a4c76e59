package dev.poolgate.bench.gateway;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntConsumer;

/**
 * The fastest a JVM proxy of each design can be on this machine: a reference subject for
 * {@code bench/gateway/run.sh}, not a gateway. It passes each request to the upstream on a kept-alive
 * connection and the answer back, and does nothing else: no log, no checks, no metrics, no pool
 * limit, no timeouts. Two designs:
 * <ul>
 * <li>{@code threads}: a virtual thread per client connection with blocking sockets, the design of
 * poolgate's gateway;</li>
 * <li>{@code loop}: event loops over non-blocking channels (a {@link Selector} per loop thread), the
 * design of nginx.</li>
 * </ul>
 * What poolgate measures below the {@code threads} ceiling is its own work per request; what the
 * {@code threads} ceiling measures below the {@code loop} one is the cost of the design.
 *
 * <p>It speaks only what the benchmark's plain mode sends: HTTP/1.1 messages framed by
 * {@code content-length} (no chunked bodies, so no streams), a request of at most 16 KiB, and no
 * pipelining.
 *
 * <p>Usage: {@code ModelCeiling threads|loop PORT UPSTREAM_PORT [LOOPS]}; it serves on 127.0.0.1 and
 * reaches the upstream on 127.0.0.1; {@code LOOPS} defaults to the number of cores.
 */
public final class ModelCeiling {

    private static final int BUFFER_BYTES = 16 * 1024;

    private ModelCeiling() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3 || !(args[0].equals("threads") || args[0].equals("loop"))) {
            System.err.println("usage: ModelCeiling threads|loop PORT UPSTREAM_PORT [LOOPS]");
            System.exit(2);
        }
        int loops = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        run(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]), loops, port -> { });
    }

    /**
     * Serves until the JVM ends: {@code design} is {@code threads} or {@code loop}; {@code listening}
     * is told the bound port (the free one chosen for port 0) once connections are accepted.
     */
    static void run(String design, int port, int upstreamPort, int loops, IntConsumer listening) throws IOException {
        InetSocketAddress upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort);
        if (design.equals("threads")) {
            new Threads(upstream).serve(port, listening);
        } else {
            serveLoops(port, upstream, loops, listening);
        }
    }

    // --- a virtual thread per connection ---------------------------------------------------------

    /** A kept-alive upstream connection of the {@code threads} design. */
    private record Upstream(Socket socket, InputStream in, OutputStream out) {
    }

    /** The {@code threads} design: one virtual thread per client, upstream connections shared. */
    private static final class Threads {
        private final InetSocketAddress upstream;
        private final ConcurrentLinkedQueue<Upstream> idle = new ConcurrentLinkedQueue<>();

        Threads(InetSocketAddress upstream) {
            this.upstream = upstream;
        }

        void serve(int port, IntConsumer listening) throws IOException {
            try (ServerSocket server = new ServerSocket(port, 1024, InetAddress.getLoopbackAddress())) {
                listening.accept(server.getLocalPort());
                while (true) {
                    Socket client = server.accept();
                    client.setTcpNoDelay(true);
                    Thread.ofVirtual().start(() -> relay(client));
                }
            }
        }

        private void relay(Socket client) {
            try (client) {
                InputStream in = new BufferedInputStream(client.getInputStream(), BUFFER_BYTES);
                OutputStream out = client.getOutputStream();
                for (byte[] request; (request = readMessage(in)) != null; ) {
                    Upstream up = idle.poll();
                    if (up == null) {
                        Socket socket = new Socket(upstream.getAddress(), upstream.getPort());
                        socket.setTcpNoDelay(true);
                        up = new Upstream(socket, new BufferedInputStream(socket.getInputStream(), BUFFER_BYTES),
                                socket.getOutputStream());
                    }
                    up.out().write(request);
                    byte[] answer = readMessage(up.in());
                    if (answer == null) {
                        up.socket().close();
                        return;
                    }
                    idle.offer(up);
                    out.write(answer);
                }
            } catch (IOException e) {
                // the client or the upstream went away: this connection ends
            }
        }

        /** One whole message (head and body), or null at the end of the stream. */
        private static byte[] readMessage(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream(512);
            int matched = 0; // how much of CR LF CR LF was seen last
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
            }
            byte[] bytes = head.toByteArray();
            int length = contentLength(bytes, bytes.length);
            byte[] message = Arrays.copyOf(bytes, bytes.length + length);
            if (in.readNBytes(message, bytes.length, length) < length) {
                return null;
            }
            return message;
        }
    }

    // --- event loops -----------------------------------------------------------------------------

    private static void serveLoops(int port, InetSocketAddress upstream, int count, IntConsumer listening)
            throws IOException {
        Loop[] loops = new Loop[count];
        for (int i = 0; i < count; i++) {
            loops[i] = new Loop(upstream);
            Thread.ofPlatform().name("loop-" + i).daemon().start(loops[i]);
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
            listening.accept(((InetSocketAddress) server.getLocalAddress()).getPort());
            for (int next = 0; ; next = (next + 1) % count) {
                SocketChannel client = server.accept();
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                client.configureBlocking(false);
                loops[next].adopt(client);
            }
        }
    }

    /** One side of an exchange on an event loop: a client or an upstream connection. */
    private static final class Peer {
        final SocketChannel channel;
        final boolean upstream;
        final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_BYTES);
        SelectionKey key;
        /** What is still to be written to this side, or null. */
        ByteBuffer pending;
        /** The other side while an exchange is under way, or null. */
        Peer partner;

        Peer(SocketChannel channel, boolean upstream) {
            this.channel = channel;
            this.upstream = upstream;
        }
    }

    /** One event loop: its clients, and the upstream connections it keeps for them. */
    private static final class Loop implements Runnable {
        private final InetSocketAddress upstream;
        private final Selector selector;
        private final ConcurrentLinkedQueue<SocketChannel> adopted = new ConcurrentLinkedQueue<>();
        private final ArrayDeque<Peer> idle = new ArrayDeque<>();

        Loop(InetSocketAddress upstream) throws IOException {
            this.upstream = upstream;
            this.selector = Selector.open();
        }

        void adopt(SocketChannel client) {
            adopted.add(client);
            selector.wakeup();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    selector.select();
                    for (SocketChannel client; (client = adopted.poll()) != null; ) {
                        Peer peer = new Peer(client, false);
                        peer.key = client.register(selector, SelectionKey.OP_READ, peer);
                    }
                    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext()) {
                        SelectionKey key = keys.next();
                        keys.remove();
                        Peer peer = (Peer) key.attachment();
                        if (!key.isValid()) {
                            continue; // closed by an earlier key of this round
                        }
                        try {
                            if (key.isWritable()) {
                                writePending(peer);
                            }
                            if (key.isValid() && key.isReadable()) {
                                read(peer);
                            }
                        } catch (IOException e) {
                            close(peer);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void read(Peer peer) throws IOException {
            if (peer.channel.read(peer.in) < 0) {
                close(peer);
                return;
            }
            ByteBuffer message = takeMessage(peer.in);
            if (message == null) {
                if (!peer.in.hasRemaining()) {
                    close(peer); // a message larger than the buffer: not what this subject speaks
                }
                return;
            }
            if (peer.upstream) {
                Peer client = peer.partner;
                peer.partner = null;
                idle.push(peer);
                if (client != null) { // null: the client left before its answer came
                    client.partner = null;
                    write(client, message);
                }
            } else {
                Peer up = idle.poll();
                if (up == null) {
                    SocketChannel channel = SocketChannel.open(upstream);
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    channel.configureBlocking(false);
                    up = new Peer(channel, true);
                    up.key = channel.register(selector, SelectionKey.OP_READ, up);
                }
                up.partner = peer;
                peer.partner = up;
                write(up, message);
            }
        }

        private static void write(Peer peer, ByteBuffer message) throws IOException {
            peer.channel.write(message);
            if (message.hasRemaining()) {
                peer.pending = message;
                peer.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        }

        private static void writePending(Peer peer) throws IOException {
            peer.channel.write(peer.pending);
            if (!peer.pending.hasRemaining()) {
                peer.pending = null;
                peer.key.interestOps(SelectionKey.OP_READ);
            }
        }

        private void close(Peer peer) {
            try {
                peer.channel.close();
            } catch (IOException e) {
                // closing anyway
            }
            if (peer.upstream) {
                idle.remove(peer);
            }
            if (peer.partner != null) {
                Peer other = peer.partner;
                other.partner = null;
                if (!other.upstream) {
                    close(other); // its answer can no longer come
                }
            }
        }

        /** Removes the first whole message from {@code in} (in write mode), or returns null. */
        private static ByteBuffer takeMessage(ByteBuffer in) {
            int filled = in.position();
            int headEnd = -1;
            for (int i = 3; i < filled; i++) {
                if (in.get(i) == '\n' && in.get(i - 1) == '\r' && in.get(i - 2) == '\n' && in.get(i - 3) == '\r') {
                    headEnd = i + 1;
                    break;
                }
            }
            if (headEnd < 0) {
                return null;
            }
            byte[] head = new byte[headEnd];
            in.get(0, head);
            int total = headEnd + contentLength(head, headEnd);
            if (filled < total) {
                return null;
            }
            ByteBuffer message = ByteBuffer.allocate(total);
            message.put(0, in, 0, total);
            in.position(total).limit(filled);
            in.compact();
            return message;
        }
    }

    /** The {@code content-length} of a message head, 0 without one. */
    private static int contentLength(byte[] head, int length) {
        String text = new String(head, 0, length, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        int at = text.indexOf("\ncontent-length:");
        if (at < 0) {
            return 0;
        }
        int end = text.indexOf('\r', at);
        return Integer.parseInt(text.substring(at + "\ncontent-length:".length(), end).trim());
    }
}
