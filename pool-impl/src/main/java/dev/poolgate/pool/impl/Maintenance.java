package dev.poolgate.pool.impl;

import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolEvent.DestroyReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's housekeeping, on one virtual thread: closes idle connections past the idle timeout
 * while more than min exist, retires those past their max lifetime, reports leases held past the
 * leak threshold, health-checks idle connections when a round is due, and refills to min. Each
 * pass ({@link #maintain(long)}) takes the time as an argument and returns when the next is due,
 * so tests drive it with their own clock.
 */
final class Maintenance<T> {

    private static final Logger LOG = LoggerFactory.getLogger(FairPool.class);

    /** The longest sleep when every timed feature is off. */
    private static final long MAX_PERIOD_NANOS = Duration.ofSeconds(60).toNanos();

    private final PoolState<T> state;
    private final ConnectionFactory<T> factory;
    private final Growth<T> growth;
    private final Destroyer<T> destroyer;
    private final long idleTimeoutNanos;
    private final long healthCheckNanos;
    private final long leakThresholdNanos;
    /** No pass sleeps longer: any deadline born later is at least this far away. */
    private final long periodNanos;

    /** Held for a whole pass, so that passes never overlap. */
    private final ReentrantLock passLock = new ReentrantLock();
    /** When the next health-check round is due; guarded by the state's lock. */
    private long nextHealthCheckNanos;
    private Thread thread;

    Maintenance(PoolState<T> state, ConnectionFactory<T> factory, Growth<T> growth, Destroyer<T> destroyer,
            double lifetimeJitter) {
        this.state = state;
        this.factory = factory;
        this.growth = growth;
        this.destroyer = destroyer;
        this.idleTimeoutNanos = state.config.idleTimeout().toNanos();
        this.healthCheckNanos = state.config.healthCheckInterval().toNanos();
        this.leakThresholdNanos = state.config.leakDetectionThreshold().toNanos();
        long lifetimeNanos = state.config.maxLifetime().toNanos();
        long period = MAX_PERIOD_NANOS;
        for (long candidate : new long[] {idleTimeoutNanos, healthCheckNanos, leakThresholdNanos,
                (long) (lifetimeNanos * (1 - lifetimeJitter))}) {
            if (candidate > 0) {
                period = Math.min(period, candidate);
            }
        }
        this.periodNanos = period;
    }

    /** Schedules the first health-check round from now and starts the thread. */
    void start() {
        state.lock.lock();
        try {
            nextHealthCheckNanos = state.clock.nanoTime() + healthCheckNanos;
        } finally {
            state.lock.unlock();
        }
        thread = Thread.ofVirtual().name("poolgate-maintenance-" + state.config.name()).start(this::run);
    }

    Thread thread() {
        return thread;
    }

    private void run() {
        while (true) {
            long next;
            try {
                next = maintain(state.clock.nanoTime());
            } catch (RuntimeException e) {
                LOG.error("[POOL] Maintenance of the {} pool failed; retrying at its next period", state.config.name(), e);
                next = state.clock.nanoTime() + periodNanos;
            }
            state.lock.lock();
            try {
                while (state.running()) {
                    long wait = next - state.clock.nanoTime();
                    if (wait <= 0) {
                        break;
                    }
                    state.lifecycle.awaitNanos(wait);
                }
                if (!state.running()) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                state.lock.unlock();
            }
        }
    }

    /**
     * One pass at time {@code now} (on the pool's clock).
     *
     * @return when the next pass is due, on the same clock
     */
    long maintain(long now) {
        passLock.lock();
        try {
            List<PooledConnection<T>> victims = new ArrayList<>();
            List<PoolEvent.Destroyed> removals = new ArrayList<>();
            List<PoolEvent> leaks = new ArrayList<>();
            List<PooledConnection<T>> toCheck = List.of();
            state.lock.lock();
            try {
                if (!state.running()) {
                    return now + periodNanos;
                }
                List<PooledConnection<T>> idle = state.idle.drain(); // most recent first
                for (int i = idle.size() - 1; i >= 0; i--) { // least recently used first
                    PooledConnection<T> connection = idle.get(i);
                    DestroyReason reason = connection.expiredAt(now) ? DestroyReason.EXPIRED
                            : idleTimeoutNanos > 0 && state.live.size() > state.config.minSize()
                                    && now - connection.lastReturnedNanos >= idleTimeoutNanos ? DestroyReason.IDLE
                            : null;
                    if (reason != null) {
                        idle.remove(i);
                        removals.add(state.remove(connection, reason));
                        victims.add(connection);
                    }
                }
                state.idle.restore(idle);
                if (leakThresholdNanos > 0) {
                    for (PooledConnection<T> connection : state.live) {
                        if (connection.state() == PooledConnection.State.LEASED && !connection.leakReported
                                && now - connection.acquiredNanos >= leakThresholdNanos) {
                            connection.leakReported = true;
                            leaks.add(new PoolEvent.LeakSuspected(connection.id,
                                    Duration.ofNanos(now - connection.acquiredNanos), connection.acquiredAt));
                        }
                    }
                }
                if (healthCheckNanos > 0 && now - nextHealthCheckNanos >= 0) {
                    toCheck = idleNow();
                    nextHealthCheckNanos = now + healthCheckNanos;
                }
                growth.reserve();
            } finally {
                state.lock.unlock();
            }
            for (int i = 0; i < victims.size(); i++) {
                destroyer.destroyAndWait(victims.get(i), removals.get(i));
            }
            leaks.forEach(state::emit);
            for (PooledConnection<T> connection : toCheck) {
                checkHealth(connection);
            }
            return nextDue(now);
        } finally {
            passLock.unlock();
        }
    }

    /** Health-checks one connection if it is still idle, taking it out of the idle stack meanwhile. */
    private void checkHealth(PooledConnection<T> connection) {
        state.lock.lock();
        try {
            if (!state.running() || !takeIdle(connection)) {
                return;
            }
        } finally {
            state.lock.unlock();
        }
        boolean healthy;
        Throwable cause = null;
        try {
            healthy = factory.isHealthy(connection.connection);
        } catch (Throwable e) {
            healthy = false;
            cause = e;
        }
        PoolEvent.Destroyed removal = null;
        state.lock.lock();
        try {
            if (!healthy) {
                state.healthCheckFailures++;
                removal = state.remove(connection, DestroyReason.UNHEALTHY);
            } else if (!state.running()) {
                removal = state.remove(connection, DestroyReason.SHUTDOWN);
            } else if (state.waiters.firstTaker() != null) {
                state.handBack(connection);
            } else {
                // Back at the bottom of the stack: a check is not a use.
                List<PooledConnection<T>> idle = state.idle.drain();
                idle.add(connection);
                state.idle.restore(idle);
            }
        } finally {
            state.lock.unlock();
        }
        if (!healthy) {
            state.emit(new PoolEvent.HealthCheckFailed(connection.id, cause));
        }
        if (removal != null) {
            // The replacement is reserved when its room is free (the destroy ended or timed
            // out), so the lines read in order: failed, destroyed, created.
            destroyer.destroyAndWait(connection, removal);
        }
    }

    /** The connections idle at this moment, in no particular order; under the pool's lock. */
    private List<PooledConnection<T>> idleNow() {
        List<PooledConnection<T>> idle = new ArrayList<>();
        for (PooledConnection<T> connection : state.live) {
            if (connection.idle()) {
                idle.add(connection);
            }
        }
        return idle;
    }

    /** Takes one connection off the idle stack if it is still there (then HELD); under the pool's lock. */
    private boolean takeIdle(PooledConnection<T> connection) {
        List<PooledConnection<T>> idle = state.idle.drain();
        boolean taken = idle.remove(connection);
        state.idle.restore(idle);
        return taken;
    }

    /** The earliest deadline of any timed duty after {@code now}, and no later than one period away. */
    private long nextDue(long now) {
        state.lock.lock();
        try {
            long next = now + periodNanos;
            if (healthCheckNanos > 0) {
                next = earlier(next, nextHealthCheckNanos);
            }
            for (PooledConnection<T> connection : idleNow()) {
                if (connection.expires) {
                    next = earlier(next, connection.expiresAtNanos);
                }
                if (idleTimeoutNanos > 0 && state.live.size() > state.config.minSize()) {
                    next = earlier(next, connection.lastReturnedNanos + idleTimeoutNanos);
                }
            }
            if (leakThresholdNanos > 0) {
                for (PooledConnection<T> connection : state.live) {
                    if (connection.state() == PooledConnection.State.LEASED && !connection.leakReported) {
                        next = earlier(next, connection.acquiredNanos + leakThresholdNanos);
                    }
                }
            }
            return next;
        } finally {
            state.lock.unlock();
        }
    }

    private static long earlier(long a, long b) {
        return b - a < 0 ? b : a;
    }
}
