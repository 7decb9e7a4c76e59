package dev.poolgate.pool.impl;

import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolEvent.DestroyReason;
import dev.poolgate.pool.PoolEvent.Purpose;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Creates connections: the minimum at start, then whatever waiters and the minimum need, never
 * past the maximum. Each creation reserves its room first ({@code pending++} under the lock), runs
 * the factory on its own virtual thread outside the lock, then announces the connection (its
 * Created event, so that line precedes any use) and hands it to the first waiter in line or the
 * idle stack. A failed creation is retried with backoff while it is still wanted, else frees its
 * room; waiters that time out get the last failure as the cause.
 */
final class Growth<T> {

    /** Max-lifetime jitter: each connection retires up to this fraction earlier, at random. */
    static final double LIFETIME_JITTER = 0.025;
    private static final long BACKOFF_FIRST_NANOS = Duration.ofMillis(10).toNanos();
    private static final long BACKOFF_MAX_NANOS = Duration.ofSeconds(2).toNanos();

    private final PoolState<T> state;
    private final ConnectionFactory<T> factory;
    private final Destroyer<T> destroyer;
    private final long lifetimeNanos;

    Growth(PoolState<T> state, ConnectionFactory<T> factory, Destroyer<T> destroyer, long lifetimeNanos) {
        this.state = state;
        this.factory = factory;
        this.destroyer = destroyer;
        this.lifetimeNanos = lifetimeNanos;
    }

    /** Creates the minimum in parallel and returns when each creation has ended; keeps an interrupt. */
    int fillMinimum() {
        int minSize = state.config.minSize();
        state.lock.lock();
        try {
            state.pending += minSize;
        } finally {
            state.lock.unlock();
        }
        List<Thread> creators = new ArrayList<>(minSize);
        for (int i = 0; i < minSize; i++) {
            creators.add(Thread.ofVirtual().name("poolgate-create").start(() -> create(Purpose.MINIMUM, false)));
        }
        boolean interrupted = false;
        for (Thread creator : creators) {
            while (true) {
                try {
                    creator.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        state.lock.lock();
        try {
            return state.live.size();
        } finally {
            state.lock.unlock();
        }
    }

    /**
     * Reserves room and starts a creator for each connection needed now: one per waiter without a
     * connection beyond the creations under way, and enough to reach min; never past max.
     */
    void reserve() {
        assert state.lock.isHeldByCurrentThread();
        if (!state.running()) {
            return;
        }
        while (state.pending < wanted()) {
            Purpose purpose = state.unserved - state.announcing > state.pending ? Purpose.GROWTH : Purpose.MINIMUM;
            state.pending++;
            // Starting a virtual thread only queues it; it takes the lock once we let go.
            Thread.ofVirtual().name("poolgate-create").start(() -> create(purpose, true));
        }
    }

    private int wanted() {
        int size = state.live.size();
        int unserved = state.unserved - state.announcing;
        return Math.min(Math.max(unserved, state.config.minSize() - size), state.room());
    }

    /** Runs on a creator thread, which owns one reserved room until it publishes or gives up. */
    private void create(Purpose purpose, boolean retry) {
        for (int failures = 1; ; failures++) {
            FactoryCalls.Created<T> outcome = FactoryCalls.create(factory);
            Throwable failure = outcome.failure();
            if (failure == null) {
                publish(outcome.connection(), purpose);
                return;
            }
            state.emit(new PoolEvent.CreationFailed(failure));
            state.lock.lock();
            try {
                state.lastCreationFailure = failure;
                if (!retry || !stillWanted()) {
                    giveUp();
                    return;
                }
                long backoff = Math.min(BACKOFF_FIRST_NANOS << Math.min(failures - 1, 20), BACKOFF_MAX_NANOS);
                while (backoff > 0 && state.running()) {
                    backoff = state.lifecycle.awaitNanos(backoff);
                }
                if (!stillWanted()) {
                    giveUp();
                    return;
                }
            } catch (InterruptedException e) {
                giveUp();
                return;
            } finally {
                state.lock.unlock();
            }
        }
    }

    /** Whether the caller's reserved room is still needed (it is one of {@code pending}). */
    private boolean stillWanted() {
        return state.running() && state.pending <= wanted();
    }

    private void giveUp() {
        assert state.lock.isHeldByCurrentThread();
        state.pending--;
        if (!state.running()) {
            state.lifecycle.signalAll();
        }
    }

    /** Adds a new connection: announced first (so its line precedes any use), then handed on. */
    private void publish(T created, Purpose purpose) {
        long now = state.clock.nanoTime();
        long lifetime = lifetimeNanos > 0
                ? lifetimeNanos - (long) (lifetimeNanos * LIFETIME_JITTER * ThreadLocalRandom.current().nextDouble())
                : 0;
        PooledConnection<T> connection = new PooledConnection<>(ConnectionIds.next(), created, now,
                state.clock.instant(), lifetime);
        PoolEvent announcement;
        state.lock.lock();
        try {
            state.pending--;
            state.announcing++;
            state.created++;
            state.lastCreationFailure = null;
            state.addLive(connection); // HELD by this creator until it is handed on
            announcement = new PoolEvent.Created(connection.id, purpose, state.live.size(), state.config.maxSize());
        } finally {
            state.lock.unlock();
        }
        state.emit(announcement);
        PoolEvent.Destroyed removal = null;
        state.lock.lock();
        try {
            state.announcing--;
            connection.fresh = true;
            removal = state.handBackOrRemove(connection);
        } finally {
            state.lock.unlock();
        }
        if (removal != null) {
            destroyer.destroyAndWait(connection, removal);
        }
    }
}
