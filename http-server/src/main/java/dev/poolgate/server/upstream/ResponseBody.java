package dev.poolgate.server.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * A response body as {@link Http1Codec} reads it off its {@link UpstreamConnection}, one reader
 * per framing. Once it ended, the connection serves the next request (or is closed when upstream
 * asked for that); closed early or failed, the connection is closed, since the rest of the body is
 * still on its way.
 */
abstract sealed class ResponseBody extends InputStream {

    /** Where a body stands; only {@link #READING} reads on. */
    enum State {
        /** More of the body may come. */
        READING,
        /** Read to its end: the connection was handed back. */
        DONE,
        /** Closed by its reader before its end: the connection was closed. */
        CLOSED,
        /** A read failed: the connection was closed. */
        FAILED
    }

    private final Http1Codec codec;
    final UpstreamConnection connection;
    private final boolean closeAfter;
    private State state = State.READING;

    ResponseBody(Http1Codec codec, UpstreamConnection connection, boolean closeAfter) {
        this.codec = codec;
        this.connection = connection;
        this.closeAfter = closeAfter;
    }

    State state() {
        return state;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, target.length);
        switch (state) {
            case DONE -> {
                return -1;
            }
            case CLOSED, FAILED -> throw new IOException("the response body was closed");
            case READING -> {
                // reads on below
            }
        }
        if (length == 0) {
            return 0;
        }
        try {
            int n = readSome(target, offset, length);
            if (n < 0 || exhausted()) {
                finish();
            }
            return n;
        } catch (IOException | RuntimeException e) {
            state = State.FAILED;
            codec.released(this, true);
            throw e;
        }
    }

    /** Reads at least one byte of the body, or returns -1 at its end. */
    abstract int readSome(byte[] target, int offset, int length) throws IOException;

    /**
     * More than 0 when the next read returns without waiting for upstream: some of the body (or its
     * end) is buffered already, or arrived in the socket. A stream's relay flushes to its client
     * only when this is 0, so that events that arrived together leave together, and none waits
     * for a later one.
     */
    @Override
    public int available() {
        if (state != State.READING) {
            return 0;
        }
        int buffered = availableNow();
        return buffered > 0 ? buffered : connection.moreArrived() ? 1 : 0;
    }

    /**
     * See {@link #available()}: what this framing can read from the connection's buffer alone;
     * when 0, {@link #available()} asks whether more arrived in the socket.
     */
    abstract int availableNow();

    /** Whether the body's last byte was read, before a read returned -1 (a known length). */
    boolean exhausted() {
        return false;
    }

    /** How many bytes of the body are still to come, when its framing says; -1 when it does not. */
    long lengthLeft() {
        return -1;
    }

    /** Ends a body that has no bytes at all right away, handing the connection back. */
    final void finishIfEmpty() {
        if (state == State.READING && exhausted()) {
            finish();
        }
    }

    /** The body ended: the connection takes the next request, unless upstream asked to close. */
    private void finish() {
        state = State.DONE;
        codec.released(this, closeAfter);
        connection.markIdle();
    }

    @Override
    public void close() {
        if (state == State.READING) {
            state = State.CLOSED;
            codec.released(this, true);
        }
    }

    /** A body of {@code content-length} bytes. */
    static final class FixedLength extends ResponseBody {
        private long remaining;

        FixedLength(Http1Codec codec, UpstreamConnection connection, long length, boolean closeAfter) {
            super(codec, connection, closeAfter);
            this.remaining = length;
        }

        @Override
        int readSome(byte[] target, int offset, int length) throws IOException {
            int n = connection.read(target, offset, (int) Math.min(length, remaining));
            if (n < 0) {
                throw new EOFException("upstream closed the connection " + remaining + " bytes before the end of "
                        + "the response body");
            }
            remaining -= n;
            return n;
        }

        @Override
        boolean exhausted() {
            return remaining == 0;
        }

        @Override
        long lengthLeft() {
            return remaining;
        }

        @Override
        int availableNow() {
            return (int) Math.min(connection.buffered(), remaining);
        }
    }

    /** A body that ends when upstream closes the connection; the connection is not reused. */
    static final class UntilClose extends ResponseBody {
        UntilClose(Http1Codec codec, UpstreamConnection connection) {
            super(codec, connection, true);
        }

        @Override
        int readSome(byte[] target, int offset, int length) throws IOException {
            return connection.read(target, offset, length);
        }

        @Override
        int availableNow() {
            return connection.buffered();
        }
    }

    /** A {@code transfer-encoding: chunked} body; each read returns what one chunk has at hand. */
    static final class Chunked extends ResponseBody {

        /** What comes next on the wire. */
        enum Phase {
            /** A chunk's size line: before the first chunk and after a chunk's line end. */
            SIZE,
            /** A chunk's data, {@link #chunkRemaining} bytes of it. */
            DATA,
            /**
             * The line end after a chunk's data: it is read with the next chunk's size, so that a
             * read returns an event as soon as its data is here.
             */
            LINE_END
        }

        private Phase phase = Phase.SIZE;
        /** Bytes left in the current chunk while in {@link Phase#DATA}. */
        private long chunkRemaining;

        Chunked(Http1Codec codec, UpstreamConnection connection, boolean closeAfter) {
            super(codec, connection, closeAfter);
        }

        @Override
        int readSome(byte[] target, int offset, int length) throws IOException {
            if (phase == Phase.LINE_END) {
                if (!line().isEmpty()) {
                    throw new UpstreamProtocolException("upstream sent a malformed chunk: no line end after its data");
                }
                phase = Phase.SIZE;
            }
            if (phase == Phase.SIZE) {
                long size = chunkSize(line());
                if (size == 0) {
                    // Trailers, then the blank line that ends the message.
                    while (!line().isEmpty()) {
                        // Trailer fields are not passed on.
                    }
                    return -1;
                }
                chunkRemaining = size;
                phase = Phase.DATA;
            }
            int n = connection.read(target, offset, (int) Math.min(length, chunkRemaining));
            if (n < 0) {
                throw new EOFException("upstream closed the connection in the middle of a chunked response body");
            }
            chunkRemaining -= n;
            if (chunkRemaining == 0) {
                phase = Phase.LINE_END;
            }
            return n;
        }

        @Override
        int availableNow() {
            return switch (phase) {
                case DATA -> (int) Math.min(connection.buffered(), chunkRemaining);
                // The size line (after the last chunk's line end), and a byte of what follows it.
                case SIZE -> connection.bufferedLines(1) ? 1 : 0;
                case LINE_END -> connection.bufferedLines(2) ? 1 : 0;
            };
        }

        private String line() throws IOException {
            return connection.readLineWithinReadTimeout(Http1Codec.MAX_LINE);
        }

        static long chunkSize(String line) throws UpstreamProtocolException {
            int end = line.indexOf(';');
            String hex = (end < 0 ? line : line.substring(0, end)).strip();
            // Hex digits only: Long.parseLong would also take a sign, and "-1" is not a size.
            if (hex.isEmpty() || hex.length() > 15 || hex.charAt(0) == '-' || hex.charAt(0) == '+') {
                throw new UpstreamProtocolException("upstream sent a malformed chunk size");
            }
            try {
                return Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new UpstreamProtocolException("upstream sent a malformed chunk size");
            }
        }
    }
}
