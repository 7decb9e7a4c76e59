package dev.poolgate.httpkit;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A response's body: before {@code sendResponseHeaders} it refuses bytes; after, it writes exactly
 * the declared length, or chunks, or nothing. Closing it ends the body (the last chunk, or a check
 * that the declared length was written) and flushes.
 */
final class ResponseBody extends OutputStream {

    /** UNTIL_CLOSE: an HTTP/1.0 answer of unknown length, ended by closing the connection. */
    enum Mode { NOT_STARTED, FIXED, CHUNKED, UNTIL_CLOSE, NONE }

    private final SocketOutput out;
    private final KitExchange exchange;
    private Mode mode = Mode.NOT_STARTED;
    private long remaining;
    private boolean closed;

    ResponseBody(SocketOutput out, KitExchange exchange) {
        this.out = out;
        this.exchange = exchange;
    }

    void start(Mode mode, long length) {
        this.mode = mode;
        this.remaining = length;
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        if (closed) {
            throw new IOException("the response body is closed");
        }
        switch (mode) {
            case NOT_STARTED -> throw new IOException("call sendResponseHeaders before writing the response body");
            case NONE -> {
                if (length > 0) {
                    throw new IOException("this response has no body (sent with length -1, or to HEAD, or a "
                            + "status without a body)");
                }
            }
            case FIXED -> {
                if (length > remaining) {
                    exchange.mustClose();
                    throw new IOException("too many bytes for the response's content-length (" + remaining
                            + " left, " + length + " written)");
                }
                out.write(bytes, offset, length);
                remaining -= length;
            }
            case UNTIL_CLOSE -> out.write(bytes, offset, length);
            case CHUNKED -> {
                if (length > 0) {
                    out.writeHex(length);
                    out.writeCrlf();
                    out.write(bytes, offset, length);
                    out.writeCrlf();
                }
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (mode != Mode.NOT_STARTED) {
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        if (mode == Mode.NOT_STARTED) {
            throw new IOException("call sendResponseHeaders before closing the response body");
        }
        closed = true;
        if (mode == Mode.CHUNKED) {
            out.write('0');
            out.writeCrlf();
            out.writeCrlf();
        }
        if (mode == Mode.FIXED && remaining > 0) {
            exchange.mustClose();
            out.flush();
            throw new IOException("the response body ended " + remaining + " bytes short of its content-length; "
                    + "the connection is closed");
        }
        exchange.responseComplete();
        out.flush();
    }
}
