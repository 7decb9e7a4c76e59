package dev.poolgate.httpkit;

import java.io.IOException;
import java.io.InputStream;

/**
 * The buffered bytes of one connection, kept across requests so that pipelined requests are read
 * from exactly where the previous one ended. Used by the connection's current exchange only.
 */
final class SocketInput {

    private final InputStream in;
    final byte[] buffer = new byte[16 * 1024];
    int position;
    int limit;

    SocketInput(InputStream in) {
        this.in = in;
    }

    /** Whether any byte is buffered or can be read; false at the end of the stream. */
    boolean awaitByte() throws IOException {
        return position < limit || fill();
    }

    /** Reads more into an empty buffer; false at the end of the stream. */
    boolean fill() throws IOException {
        assert position == limit;
        int n = in.read(buffer, 0, buffer.length);
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
            return in.read(target, offset, length);
        }
        if (!fill()) {
            return -1;
        }
        return read(target, offset, length);
    }
}
