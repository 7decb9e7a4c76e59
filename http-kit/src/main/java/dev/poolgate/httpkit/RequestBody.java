package dev.poolgate.httpkit;

import java.io.IOException;
import java.io.InputStream;

/**
 * A request's body, read from the connection's buffer and never past the request's end: exactly
 * {@code Content-Length} bytes, or chunks up to the last chunk and its trailer section. A chunk
 * size is hex digits only, at most 15 significant ones (no overflow), optionally followed by
 * extensions; every line ends in CRLF and every chunk's data in CRLF. Any violation, and the
 * connection ending early, throws a {@link MalformedBodyException} and leaves the body broken:
 * the connection is closed after the response.
 */
final class RequestBody extends InputStream {

    private static final int MAX_CHUNK_LINE = 4096;
    private static final int MAX_TRAILER_BYTES = 16 * 1024;
    private static final int MAX_SIGNIFICANT_HEX_DIGITS = 15;

    private final SocketInput in;
    private final KitExchange exchange;
    private final boolean chunked;
    private final int maxTrailerLines;
    /** Bytes left in the body (fixed length) or in the current chunk. */
    private long remaining;
    /** Chunked: whether the next read starts with a chunk-size line. */
    private boolean atChunkStart;
    private boolean ended;
    private boolean broken;
    private boolean closed;
    private byte[] one;

    RequestBody(SocketInput in, KitExchange exchange, long contentLength, int maxTrailerLines) {
        this.in = in;
        this.exchange = exchange;
        this.chunked = contentLength < 0;
        this.maxTrailerLines = maxTrailerLines;
        this.remaining = chunked ? 0 : contentLength;
        this.atChunkStart = chunked;
        this.ended = !chunked && contentLength == 0;
    }

    /** Whether the body was read to its exact end. */
    boolean ended() {
        return ended;
    }

    /** Whether reading it failed, leaving the connection's bytes in doubt. */
    boolean broken() {
        return broken;
    }

    /** Whether it is of fixed length with at most {@code bytes} left to read. */
    boolean drainable(long bytes) {
        return !chunked && !broken && remaining <= bytes;
    }

    @Override
    public int read() throws IOException {
        if (one == null) {
            one = new byte[1];
        }
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, target.length);
        if (closed) {
            throw new IOException("the request body is closed");
        }
        if (broken) {
            throw new MalformedBodyException("the request body is malformed; it cannot be read further");
        }
        if (ended) {
            return -1;
        }
        if (length == 0) {
            return 0;
        }
        exchange.continueIfExpected();
        try {
            if (chunked && remaining == 0) {
                if (!atChunkStart) {
                    expectCrlf();
                    atChunkStart = true;
                }
                remaining = chunkSize();
                atChunkStart = false;
                if (remaining == 0) {
                    trailers();
                    ended = true;
                    return -1;
                }
            }
            int n = in.read(target, offset, (int) Math.min(length, remaining));
            if (n < 0) {
                throw fail("The connection ended " + remaining + " bytes before the end of the "
                        + (chunked ? "chunk" : "body (content-length)"));
            }
            remaining -= n;
            if (!chunked && remaining == 0) {
                ended = true;
            }
            return n;
        } catch (MalformedBodyException e) {
            broken = true;
            throw e;
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    private MalformedBodyException fail(String message) {
        broken = true;
        return new MalformedBodyException(message);
    }

    private int next() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw fail("The connection ended inside the chunked body");
        }
        return b;
    }

    private void expectCrlf() throws IOException {
        if (next() != '\r' || next() != '\n') {
            throw fail("A chunk's data is not followed by CRLF (the chunk is longer than its size)");
        }
    }

    private long chunkSize() throws IOException {
        long size = 0;
        int digits = 0;
        int significant = 0;
        int b;
        int used = 0;
        while (true) {
            b = next();
            used++;
            int value = Character.digit(b, 16);
            if (value < 0 || b > 'f') {
                break;
            }
            digits++;
            if (size != 0 || value != 0) {
                if (++significant > MAX_SIGNIFICANT_HEX_DIGITS) {
                    throw fail("A chunk size has more than " + MAX_SIGNIFICANT_HEX_DIGITS + " hex digits");
                }
            }
            size = (size << 4) | value;
            if (used > MAX_CHUNK_LINE) {
                throw fail("A chunk-size line is longer than " + MAX_CHUNK_LINE + " bytes");
            }
        }
        if (digits == 0) {
            throw fail("A chunk size must be hex digits");
        }
        while (b == ' ' || b == '\t') {
            b = next();
            used++;
        }
        if (b == ';') {
            do {
                b = next();
                if (++used > MAX_CHUNK_LINE) {
                    throw fail("A chunk-size line is longer than " + MAX_CHUNK_LINE + " bytes");
                }
            } while (b != '\r' && b != '\n' && RequestParser.FIELD_CHAR[b]);
        }
        if (b != '\r' || next() != '\n') {
            throw fail("A chunk-size line must be hex digits, optional extensions, then CRLF");
        }
        return size;
    }

    /** Reads the trailer section to its empty line; the trailers are checked, then dropped. */
    private void trailers() throws IOException {
        byte[] line = new byte[128];
        int total = 0;
        int lines = 0;
        while (true) {
            int length = 0;
            while (true) {
                int b = next();
                if (++total > MAX_TRAILER_BYTES) {
                    throw fail("The trailer section is longer than " + MAX_TRAILER_BYTES + " bytes");
                }
                if (b == '\n') {
                    if (length == 0 || line[length - 1] != '\r') {
                        throw fail("A bare LF in the trailer section");
                    }
                    length--;
                    break;
                }
                if (length == line.length) {
                    line = java.util.Arrays.copyOf(line, length * 2);
                }
                line[length++] = (byte) b;
            }
            if (length == 0) {
                return;
            }
            if (++lines > maxTrailerLines) {
                throw fail("More than " + maxTrailerLines + " trailer lines");
            }
            try {
                int colon = RequestParser.fieldName(line, length, "trailer");
                RequestParser.fieldValue(line, colon + 1, length, "a trailer");
            } catch (BadRequest e) {
                throw fail(e.getMessage());
            }
        }
    }

    @Override
    public int available() {
        if (ended || broken || closed || remaining == 0) {
            return 0;
        }
        return (int) Math.min(Math.min(remaining, in.limit - in.position), Integer.MAX_VALUE);
    }

    /** Closing leaves what is unread for the exchange to drain or to close the connection over. */
    @Override
    public void close() {
        closed = true;
    }

    /**
     * Reads and drops the rest of a fixed-length body; returns whether it ended cleanly. Called
     * once the response is out.
     */
    boolean drain() {
        if (ended) {
            return true;
        }
        if (chunked || broken) {
            return false;
        }
        byte[] scratch = new byte[(int) Math.min(remaining, 8192)];
        try {
            while (remaining > 0) {
                int n = in.read(scratch, 0, (int) Math.min(remaining, scratch.length));
                if (n < 0) {
                    broken = true;
                    return false;
                }
                remaining -= n;
            }
            ended = true;
            return true;
        } catch (IOException e) {
            broken = true;
            return false;
        }
    }
}
