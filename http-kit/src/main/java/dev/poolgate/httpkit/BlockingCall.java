package dev.poolgate.httpkit;

/**
 * When the blocking socket call in progress on one connection's side began, so that the server's
 * sweeper can close a connection whose read or write has waited past its timeout. The calls
 * themselves wait untimed (a timed wait of a virtual thread wakes the JDK's timer thread twice).
 * Written by the connection's thread, read by the sweeper.
 */
final class BlockingCall {

    /** When the call in progress began ({@link System#nanoTime()}), or 0 when none is. */
    private volatile long since;

    /** Marks a call's start; call {@link #end()} in a {@code finally}. */
    void begin() {
        long now = System.nanoTime();
        since = now == 0 ? 1 : now;
    }

    void end() {
        since = 0;
    }

    /** How long the call in progress has waited at {@code now}, or a negative number when none is. */
    long waitedAt(long now) {
        long began = since;
        return began == 0 ? -1 : now - began;
    }
}
