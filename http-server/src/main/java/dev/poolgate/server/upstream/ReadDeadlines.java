package dev.poolgate.server.upstream;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Bounds the blocking reads of upstream connections without a timed wait per read. A timed socket
 * wait of a virtual thread schedules, and cancels, a task on the JDK's timer thread and wakes it
 * both times: under load that was two wake-ups of another thread per request (docs/performance.md).
 * Instead a connection enters {@link #reading} for the length of a read, with its deadline, and one
 * platform thread looks at the connections reading every {@link #TICK} and times out those whose
 * deadline passed ({@link UpstreamConnection#timeOutRead(long)} closes the socket, which fails the
 * blocked read). So a read times out up to one tick late; timeouts are whole milliseconds and
 * usually seconds.
 *
 * <p>The thread sleeps untimed while no connection reads, and the first reader wakes it. A platform
 * thread: a virtual one could wait behind busy carriers, which is when upstream stalls matter.
 */
final class ReadDeadlines {

    /** How often the deadlines are looked at while any connection reads. */
    static final Duration TICK = Duration.ofMillis(10);
    /** The one instance the gateway's upstream connections share. */
    static final ReadDeadlines SHARED = new ReadDeadlines();

    private final long tickNanos = TICK.toNanos();
    private final Set<UpstreamConnection> reading = ConcurrentHashMap.newKeySet();
    /** Set by the sweeper before it sleeps untimed; a reader that finds it set wakes the sweeper. */
    private volatile boolean resting;
    private final Thread sweeper;

    private ReadDeadlines() {
        sweeper = Thread.ofPlatform().daemon().name("poolgate-upstream-read-deadlines").unstarted(this::sweepForever);
        sweeper.start();
    }

    /** {@code connection} begins a read; its deadline is its own ({@link UpstreamConnection#readDeadlinePassed}). */
    void reading(UpstreamConnection connection) {
        reading.add(connection);
        if (resting) {
            LockSupport.unpark(sweeper);
        }
    }

    /** {@code connection}'s read ended. */
    void done(UpstreamConnection connection) {
        reading.remove(connection);
    }

    /** Times out the reads whose deadline passed at {@code now}; returns how many. */
    int sweep(long now) {
        int count = 0;
        for (UpstreamConnection connection : reading) {
            if (connection.timeOutRead(now)) {
                count++;
            }
        }
        return count;
    }

    private void sweepForever() {
        while (true) {
            if (reading.isEmpty()) {
                resting = true;
                // Checked again after saying so: a reader that added itself before it could see
                // the flag is seen here instead.
                if (reading.isEmpty()) {
                    LockSupport.park(this);
                }
                resting = false;
                continue;
            }
            LockSupport.parkNanos(this, tickNanos);
            sweep(System.nanoTime());
        }
    }
}
