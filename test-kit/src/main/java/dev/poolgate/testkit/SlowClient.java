package dev.poolgate.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that sends the start of a request, then one byte more each time it is told to, and
 * never finishes: the slow client a server's read timeout must cut off. It records when it started
 * and when the server closed its connection, and anything the server answered before.
 */
public final class SlowClient implements AutoCloseable {

    private final Socket socket = new Socket();
    private final byte[] start;
    private final byte filler;
    private volatile long startNanos;
    /** When the server closed the connection; 0 while it is open. */
    private final AtomicLong closedNanos = new AtomicLong();
    private volatile int bytesDribbled;
    private volatile String answer = "";

    /**
     * @param start the first bytes, sent at once (a request line and some headers, say)
     * @param filler the byte sent at each {@link #dribble()}
     */
    public SlowClient(String start, char filler) {
        this.start = start.getBytes(StandardCharsets.ISO_8859_1);
        this.filler = (byte) filler;
    }

    /** Connects to {@code 127.0.0.1:port} and sends the start. */
    public void open(int port) throws IOException {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(60_000);
        startNanos = System.nanoTime();
        socket.getOutputStream().write(start);
    }

    /** Sends one more byte, unless the server closed the connection. */
    public void dribble() {
        if (closedNanos.get() != 0) {
            return;
        }
        try {
            socket.getOutputStream().write(filler);
            bytesDribbled++;
        } catch (IOException e) {
            markClosed();
        }
    }

    /** Blocks until the server closes the connection (an orderly close or a reset), keeping what it sent. */
    public void awaitClose() {
        try (InputStream in = socket.getInputStream()) {
            byte[] sent = in.readNBytes(200);
            answer = new String(sent, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            // a reset: closed as well
        }
        markClosed();
    }

    private void markClosed() {
        closedNanos.compareAndSet(0, System.nanoTime());
    }

    public boolean closed() {
        return closedNanos.get() != 0;
    }

    /** From sending the start to the server's close, in nanoseconds; 0 while open. */
    public long lifetimeNanos() {
        long closed = closedNanos.get();
        return closed == 0 ? 0 : closed - startNanos;
    }

    public int bytesDribbled() {
        return bytesDribbled;
    }

    /** What the server sent before it closed the connection (up to 200 bytes): nothing, for a cut-off. */
    public String answer() {
        return answer;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
