package dev.poolgate.httpkit;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The buffered output of one connection. Each write to the socket records when it began, so that
 * the server's sweeper can cut off a client that accepts no bytes for longer than the write
 * timeout (closing the socket fails the blocked write).
 */
final class SocketOutput {

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final byte[] buffer = new byte[16 * 1024];
    private int count;
    /** The socket write in progress, for the server's sweeper. */
    final BlockingCall writing = new BlockingCall();

    SocketOutput(OutputStream out) {
        this.out = out;
    }

    private void socketWrite(byte[] bytes, int offset, int length) throws IOException {
        writing.begin();
        try {
            out.write(bytes, offset, length);
        } finally {
            writing.end();
        }
    }

    void write(int b) throws IOException {
        if (count == buffer.length) {
            flushBuffer();
        }
        buffer[count++] = (byte) b;
    }

    void write(byte[] bytes, int offset, int length) throws IOException {
        if (length >= buffer.length) {
            flushBuffer();
            socketWrite(bytes, offset, length);
            return;
        }
        if (length > buffer.length - count) {
            flushBuffer();
        }
        System.arraycopy(bytes, offset, buffer, count, length);
        count += length;
    }

    /** Writes {@code text}'s characters as ISO-8859-1 bytes (header text is checked before). */
    void writeLatin1(String text) throws IOException {
        int length = text.length();
        for (int i = 0; i < length; i++) {
            if (count == buffer.length) {
                flushBuffer();
            }
            buffer[count++] = (byte) text.charAt(i);
        }
    }

    void writeCrlf() throws IOException {
        write('\r');
        write('\n');
    }

    void writeHex(long value) throws IOException {
        int shift = (63 - Long.numberOfLeadingZeros(value | 1)) & ~3;
        for (; shift >= 0; shift -= 4) {
            write(HEX[(int) (value >>> shift) & 0xf]);
        }
    }

    void writeDecimal(long value) throws IOException {
        writeLatin1(Long.toString(value));
    }

    private void flushBuffer() throws IOException {
        if (count > 0) {
            int n = count;
            count = 0;
            socketWrite(buffer, 0, n);
        }
    }

    void flush() throws IOException {
        flushBuffer();
        out.flush();
    }
}
