package dev.poolgate.server.upstream;

import java.io.OutputStream;

/** Discards what is written: drains a response body so its connection can be reused. */
final class OutputStreamSink extends OutputStream {

    static final OutputStreamSink INSTANCE = new OutputStreamSink();

    @Override
    public void write(int b) {
    }

    @Override
    public void write(byte[] b, int off, int len) {
    }
}
