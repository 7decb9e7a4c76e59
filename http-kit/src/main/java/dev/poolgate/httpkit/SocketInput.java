package dev.poolgate.httpkit;

import java.io.IOException;
import java.io.InputStream;

/**
 * The buffered bytes of one connection, kept across requests so that pipelined requests are read
 * from exactly where the previous one ended. Used by the connection's current exchange only. Each
 * read from the socket records when it began, so that the server's sweeper can close a connection
 * whose client sent nothing for longer than the idle timeout: reads wait without a timeout of
 * their own, because each timed wait of a virtual thread costs a wake-up of the JDK's timer
 * thread, twice per request under load (docs/performance.md).
 */
final class SocketInput {

    private final InputStream in;
    final byte[] buffer = new byte[16 * 1024];
    int position;
    int limit;

    /** The socket read in progress, for the server's sweeper. */
    final BlockingCall reading = new BlockingCall();

    SocketInput(InputStream in) {
        this.in = in;
    }

    private int socketRead(byte[] target, int offset, int length) throws IOException {
        reading.begin();
        try {
            return in.read(target, offset, length);
        } finally {
            reading.end();
        }
    }

    /** Whether any byte is buffered or can be read; false at the end of the stream. */
    boolean awaitByte() throws IOException {
        return position < limit || fill();
    }

    /** Reads more into an empty buffer; false at the end of the stream. */
    boolean fill() throws IOException {
        assert position == limit;
        int n = socketRead(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    /** One byte, or -1 at the end of the stream. */
    int read() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        return buffer[position++] & 0xff;
    }

    /** Up to {@code length} bytes, from the buffer first; -1 at the end of the stream. */
    int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        int buffered = limit - position;
        if (buffered > 0) {
            int n = Math.min(buffered, length);
            System.arraycopy(buffer, position, target, offset, n);
            position += n;
            return n;
        }
        if (length >= buffer.length) {
            return socketRead(target, offset, length);
        }
        if (!fill()) {
            return -1;
        }
        return read(target, offset, length);
    }
}
