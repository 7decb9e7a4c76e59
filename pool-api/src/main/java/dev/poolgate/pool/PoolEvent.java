package dev.poolgate.pool;

import java.time.Duration;

/**
 * Something that happened in a pool, as seen by a {@link PoolListener}.
 *
 * <p>Counts in an event were taken at the moment of the event, under the pool's lock, so they are
 * exact even under concurrency. Connections are named by their {@link Lease#id() id}. The events of
 * every acquire and release ({@link Acquiring}, {@link Reused}, {@link Acquired}, {@link Releasing},
 * {@link Released}) are made only while someone observes them: a listener of the caller's, or
 * the pool's log at INFO.
 */
public sealed interface PoolEvent {

    /** The pool starts creating its minimum. */
    record Starting(int minSize, int maxSize) implements PoolEvent {
    }

    /** The pool is ready; {@code connections} of its minimum could be created. */
    record Started(int connections) implements PoolEvent {
    }

    /** A connection was created, to keep the minimum or to serve an acquirer. */
    record Created(String connectionId, Purpose purpose, int total, int maxSize) implements PoolEvent {
    }

    /** A caller starts to acquire (before anything is decided); the first event of every acquire. */
    record Acquiring() implements PoolEvent {
    }

    /**
     * A caller got its lease, reused ({@link Reused} came first) or fresh from a creation;
     * {@code useCount} includes this hand-out.
     */
    record Acquired(String connectionId, long useCount) implements PoolEvent {
    }

    /** A caller starts to give its lease back to the pool (not an invalidation); {@link Released} follows. */
    record Releasing(String connectionId) implements PoolEvent {
    }

    /** The minimum and maximum were changed at run time ({@link Pool#resize}). */
    record Resized(int minSize, int maxSize) implements PoolEvent {
    }

    /** An idle connection was handed out; {@code useCount} includes this hand-out. */
    record Reused(String connectionId, long useCount, int total) implements PoolEvent {
    }

    /** A lease was returned; the counts are those after the return. */
    record Released(String connectionId, long useCount, int available, int inUse) implements PoolEvent {
    }

    /**
     * A connection was removed from the pool and destroyed: the factory's destroy call returned
     * (or threw, reported first by {@link DestroyFailed}).
     */
    record Destroyed(String connectionId, DestroyReason reason, int totalRemaining) implements PoolEvent {
    }

    /** An acquire gave up; {@code stats} is the pool at that moment. */
    record AcquireTimedOut(Duration timeout, PoolStats stats) implements PoolEvent {
    }

    /** A health check said unhealthy; {@code cause} is what it threw, or null if it returned false. */
    record HealthCheckFailed(String connectionId, Throwable cause) implements PoolEvent {
    }

    /** The factory could not create a connection. */
    record CreationFailed(Throwable cause) implements PoolEvent {
    }

    /** The factory threw while destroying a connection; the connection is gone from the pool anyway. */
    record DestroyFailed(String connectionId, Throwable cause) implements PoolEvent {
    }

    /**
     * {@link ConnectionFactory#destroy} of a removed connection did not return within the
     * destroy timeout: the connection no longer counts against the maximum (a replacement may be
     * created) while the call goes on on its own thread. Its {@link Destroyed} event follows
     * when the call returns.
     */
    record DestroyTimedOut(String connectionId, Duration timeout) implements PoolEvent {
    }

    /**
     * A lease has been held longer than the leak-detection threshold; {@code acquiredAt} carries
     * the stack of the thread that acquired it. Reported once per lease.
     */
    record LeakSuspected(String connectionId, Duration heldFor, Throwable acquiredAt) implements PoolEvent {
    }

    /** A lease earlier reported as a possible leak came back. */
    record LeakReturned(String connectionId, Duration heldFor) implements PoolEvent {
    }

    /** The pool is closing; {@code connections} exist at that moment and will be destroyed. */
    record ShuttingDown(int connections) implements PoolEvent {
    }

    /** The pool is closed: every connection is destroyed. */
    record ShutDown() implements PoolEvent {
    }

    /** Why a connection was {@linkplain Created created}. */
    enum Purpose {
        /** To reach the configured minimum, at start or after a connection was destroyed. */
        MINIMUM,
        /** For an acquirer that found no idle connection. */
        GROWTH,
        /** Pooling is disabled: created for one acquire, destroyed on its release. */
        UNPOOLED
    }

    /** Why a connection was {@linkplain Destroyed destroyed}. */
    enum DestroyReason {
        /** Idle for the idle timeout while more than the minimum existed. */
        IDLE,
        /** Its health check failed. */
        UNHEALTHY,
        /** It reached its max lifetime. */
        EXPIRED,
        /** Its holder {@linkplain Lease#invalidate() invalidated} it. */
        INVALIDATED,
        /** It failed {@link ConnectionFactory#isValid} on its way out. */
        FAILED_VALIDATION,
        /** The pool closed. */
        SHUTDOWN,
        /** Above the maximum after it was lowered ({@link Pool#resize}). */
        RESIZED,
        /** Pooling is disabled: every connection is destroyed on release. */
        UNPOOLED
    }
}
