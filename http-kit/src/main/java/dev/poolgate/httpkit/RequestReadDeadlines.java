package dev.poolgate.httpkit;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Bounds how long a client may take to send one request, headers and body together, so that slow
 * or stalled clients (dribbling a byte at a time, or declaring more body than they send) cannot
 * hold the server's threads (and, in the gateway, never reach a pooled client). The gateway and
 * the stub both run their requests on it: it lives here so that neither keeps a copy.
 *
 * <p>It is the executor of the JDK's HTTP server: the server hands it one task per request once
 * the request's first bytes arrived, and that task reads the request line and headers before it
 * calls the handler, which then reads the body. {@link #execute} arms a deadline for the task's
 * thread; the handler ends it with {@link #requestRead()} once the body is read. A deadline that
 * passes first is cut off by interrupting its thread: the JDK's channels close on an interrupt, so
 * the blocked read fails and the connection is closed, without an answer (none can be written on
 * a closed connection). A request whose body is never read (an error answered early) keeps its
 * deadline to the end of the task, which bounds the few kilobytes the JDK drains after it.
 *
 * <p>The JDK's own {@code sun.net.httpserver.maxReqTime} does the same but once per process, in
 * whole seconds; this is per server, so the gateway and the stub it embeds (and tests) can differ.
 * One platform thread sweeps the deadlines: a virtual one could be starved by threads pinned in
 * the JDK server's {@code synchronized} reads on JDK versions before 24.
 */
public final class RequestReadDeadlines implements Executor, AutoCloseable {

    private static final long MIN_TICK_NANOS = Duration.ofMillis(10).toNanos();
    private static final long MAX_TICK_NANOS = Duration.ofSeconds(1).toNanos();

    /** A due time in {@link System#nanoTime()} terms; compared by identity. */
    private static final class Deadline {
        final long due;

        Deadline(long due) {
            this.due = due;
        }
    }

    /** Marks a request the sweeper cut off. */
    private static final Deadline CUT_OFF = new Deadline(0);

    private final long timeoutNanos;
    private final long tickNanos;
    private final Executor handlers;
    /**
     * The armed deadlines by handler thread. The sweeper swaps a passed one for {@link #CUT_OFF} and
     * {@link #requestRead()} removes one: both atomic, so exactly one of them decides a request.
     */
    private final Map<Thread, Deadline> deadlines = new ConcurrentHashMap<>();
    private final LongAdder cutOff = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread sweeper;

    /**
     * Starts the sweeper thread.
     *
     * @param timeout how long a request may take to arrive in full, from its first bytes
     * @param handlers runs the tasks (one thread per task, as a virtual-thread-per-task executor does)
     */
    /**
     * @param name the sweeper thread's name, e.g. "poolgate-request-read-deadlines"
     */
    public RequestReadDeadlines(Duration timeout, Executor handlers, String name) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0, but was " + timeout
                    + "; set the request read timeout (--request-read-timeout) to a positive duration");
        }
        if (handlers == null) {
            throw new IllegalArgumentException("handlers must not be null; pass the executor that runs requests");
        }
        this.timeoutNanos = timeout.toNanos();
        // A tenth of the timeout: a stalled request is cut off at most 10% late.
        this.tickNanos = Math.clamp(timeoutNanos / 10, MIN_TICK_NANOS, MAX_TICK_NANOS);
        this.handlers = handlers;
        this.sweeper = Thread.ofPlatform().daemon().name(name)
                .start(this::sweepUntilClosed);
    }

    /** Runs {@code task} on the handlers with a deadline armed from now for the thread that runs it. */
    @Override
    public void execute(Runnable task) {
        if (task == null) {
            throw new NullPointerException("task must not be null; pass the server's request task");
        }
        Deadline deadline = new Deadline(System.nanoTime() + timeoutNanos);
        handlers.execute(() -> {
            Thread self = Thread.currentThread();
            deadlines.put(self, deadline);
            try {
                task.run();
            } finally {
                deadlines.remove(self);
            }
        });
    }

    /**
     * Ends the current thread's deadline: its request has arrived in full.
     *
     * @throws IOException when the deadline passed first; the connection is being closed and the
     *         request must be abandoned
     */
    public void requestRead() throws IOException {
        if (deadlines.remove(Thread.currentThread()) == CUT_OFF) {
            throw new InterruptedIOException("the request did not arrive in full within " + timeoutNanos / 1_000_000
                    + " ms; its connection is closed");
        }
    }

    /**
     * Stops the current thread's deadline while the stub itself makes the client wait (the latency
     * fault), which must not count against the client.
     *
     * @return the time the request had left, to pass to {@link #resume}; -1 when it had no deadline
     *         running (already read, or cut off: then the thread is interrupted)
     */
    public long pause() {
        Deadline deadline = deadlines.get(Thread.currentThread());
        if (deadline == null || deadline == CUT_OFF || !deadlines.remove(Thread.currentThread(), deadline)) {
            return -1;
        }
        return Math.max(0, deadline.due - System.nanoTime());
    }

    /** Runs the current thread's deadline again with the {@code remaining} nanoseconds {@link #pause} returned. */
    public void resume(long remaining) {
        if (remaining >= 0) {
            deadlines.put(Thread.currentThread(), new Deadline(System.nanoTime() + remaining));
        }
    }

    /** Requests cut off so far. */
    public long cutOff() {
        return cutOff.sum();
    }

    /**
     * Cuts off every request whose deadline is at or before {@code now}.
     *
     * @return how many were cut off
     */
    int sweep(long now) {
        int count = 0;
        for (Map.Entry<Thread, Deadline> entry : deadlines.entrySet()) {
            Deadline deadline = entry.getValue();
            if (deadline != CUT_OFF && now - deadline.due >= 0
                    && deadlines.replace(entry.getKey(), deadline, CUT_OFF)) {
                cutOff.increment(); // first: the client may see its connection close before the next line returns
                entry.getKey().interrupt();
                count++;
            }
        }
        return count;
    }

    private void sweepUntilClosed() {
        while (!closed.get()) {
            sweep(System.nanoTime());
            LockSupport.parkNanos(this, tickNanos);
        }
    }

    /** Stops the sweeper; requests still in flight are no longer bounded. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LockSupport.unpark(sweeper);
        }
    }
}
