package dev.poolgate.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.ErrorStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The gateway's console appender: every event becomes one line on stderr, in order, and none is
 * ever dropped. It differs from logback's {@link ConsoleAppender} in two ways, both for speed
 * (docs/performance.md):
 * <ul>
 *   <li>No preparation of the event for deferred processing: the encoder formats the line at once,
 *       on the logging thread, so nothing is deferred; skipping that step saves finding the
 *       thread's name (by reflection, for a virtual thread) and copying the MDC for every line.
 *   <li>Lines below WARN are written in batches: the logging thread appends its encoded line to a
 *       buffer and returns; a writer thread writes everything appended within the flush interval
 *       ({@value #FLUSH_MS_SETTING}, default {@value #DEFAULT_FLUSH_MS} ms) in one system call.
 *       Under load the gateway writes seven INFO lines per request; one write each cost a fifth of
 *       its CPU. A line at WARN or above, a line that does not fit the buffer, a full buffer and
 *       every line once the JVM shuts down are written at once by the logging thread, after
 *       whatever was buffered before them; the buffer is written when the appender stops and when
 *       the JVM shuts down. What a crash of the JVM itself can lose is at most the flush
 *       interval's INFO lines. A flush interval of 0 writes every line at once.
 * </ul>
 */
public final class LineAppender extends ConsoleAppender<ILoggingEvent> {

    /** The system property (or environment variable) that sets the flush interval in milliseconds. */
    static final String FLUSH_MS_SETTING = "poolgate.log.flush-ms";
    static final long DEFAULT_FLUSH_MS = 5;
    private static final int BUFFER_BYTES = 64 * 1024;

    /**
     * Guards the order of writes to the stream and {@link #spare}: held while anything is written,
     * so that buffered lines always reach the stream before a line written after them.
     */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Guards {@link #pending}, {@link #size} and {@link #firstPendingAt}; never held while writing. */
    private final ReentrantLock bufferLock = new ReentrantLock();
    private byte[] pending = new byte[BUFFER_BYTES];
    private int size;
    private long firstPendingAt;
    /** The buffer being written; swapped with {@link #pending} under both locks. */
    private byte[] spare = new byte[BUFFER_BYTES];
    private long flushNanos = Duration.ofMillis(DEFAULT_FLUSH_MS).toNanos();
    /** Set once the JVM shuts down: from then on every line is written at once. */
    private volatile boolean writeThrough;
    private Thread writer;
    private Thread shutdownHook;

    /** Sets the flush interval; 0 writes every line at once. Call before {@link #start()}. */
    public void setFlushInterval(Duration interval) {
        if (interval == null || interval.isNegative()) {
            throw new IllegalArgumentException("the flush interval must be 0 or more, not " + interval
                    + "; 0 writes every line at once");
        }
        this.flushNanos = interval.toNanos();
    }

    @Override
    public void start() {
        super.start();
        if (!isStarted()) {
            return;
        }
        writeThrough = flushNanos == 0;
        if (!writeThrough) {
            writer = Thread.ofPlatform().daemon().name("poolgate-log-writer").start(this::writeUntilStopped);
            shutdownHook = new Thread(this::shutDown, "poolgate-log-flush");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        shutDown();
        if (writer != null) {
            LockSupport.unpark(writer);
        }
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down: the hook runs or ran, and found everything written.
            }
        }
        super.stop();
    }

    @Override
    protected void subAppend(ILoggingEvent event) {
        if (!isStarted()) {
            return;
        }
        byte[] line = getEncoder().encode(event);
        // buffered() also refuses a line larger than the buffer, and checks writeThrough again under its lock.
        if (writeThrough || event.getLevel().isGreaterOrEqual(Level.WARN) || !buffered(line)) {
            write(line);
        }
    }

    /** Appends {@code line} to the buffer; false when it does not fit and must be written now. */
    private boolean buffered(byte[] line) {
        boolean wasEmpty;
        bufferLock.lock();
        try {
            if (writeThrough || line.length > pending.length - size) {
                return false; // shutting down (checked under the lock that shutDown's flush takes), or full
            }
            wasEmpty = size == 0;
            if (wasEmpty) {
                firstPendingAt = System.nanoTime();
            }
            System.arraycopy(line, 0, pending, size, line.length);
            size += line.length;
        } finally {
            bufferLock.unlock();
        }
        if (wasEmpty) {
            LockSupport.unpark(writer);
        }
        return true;
    }

    /** Writes everything buffered, then {@code line} (or nothing more when null). */
    private void write(byte[] line) {
        writeLock.lock();
        try {
            int n = takePending();
            OutputStream out = getOutputStream();
            if (n > 0) {
                out.write(spare, 0, n);
            }
            if (line != null) {
                out.write(line);
            }
            if (n > 0 || line != null) {
                out.flush();
            }
        } catch (IOException e) {
            started = false;
            addStatus(new ErrorStatus("IO failure in appender", this, e));
        } finally {
            writeLock.unlock();
        }
    }

    /** Moves the buffered bytes to {@link #spare}; returns how many. Call with {@link #writeLock} held. */
    private int takePending() {
        bufferLock.lock();
        try {
            int n = size;
            if (n > 0) {
                byte[] full = pending;
                pending = spare;
                spare = full;
                size = 0;
            }
            return n;
        } finally {
            bufferLock.unlock();
        }
    }

    /** Writes whatever is buffered now. */
    public void flush() {
        write(null);
    }

    /** When the oldest buffered line was appended ({@link System#nanoTime()}), or empty when none is. */
    private long oldestPending(long none) {
        bufferLock.lock();
        try {
            return size == 0 ? none : firstPendingAt;
        } finally {
            bufferLock.unlock();
        }
    }

    /**
     * The writer thread: sleeps until a line is buffered, lets the flush interval pass from the
     * first one, writes the batch, and again. A platform thread: a virtual one could wait behind
     * busy carriers, which is exactly when lines pile up.
     */
    private void writeUntilStopped() {
        while (isStarted() && !writeThrough) {
            long oldest = oldestPending(Long.MIN_VALUE);
            if (oldest == Long.MIN_VALUE) {
                LockSupport.park(this);
                continue;
            }
            long wait = oldest + flushNanos - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            flush();
        }
    }

    /** On stop and at JVM shutdown: every later line is written at once, and what is buffered now is written. */
    private void shutDown() {
        writeThrough = true;
        flush();
    }
}
