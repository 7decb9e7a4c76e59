package dev.poolgate.pool.impl;

import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.PoolEvent;
import java.time.Duration;

/**
 * Destroys the connections the pool removed, never on an acquirer's or releaser's thread and
 * never under the lock: each {@link ConnectionFactory#destroy} call runs on its own virtual
 * thread. A removed connection keeps counting against the maximum (in
 * {@link PoolState#destroying}) until its destroy returns or the destroy timeout passes; then its
 * room is given to growth, which creates a replacement if one is wanted.
 */
final class Destroyer<T> {

    private final PoolState<T> state;
    private final ConnectionFactory<T> factory;
    /** Called under the lock when a destroy ended and its room below max is free: growth's reserve. */
    private final Runnable roomFreed;

    Destroyer(PoolState<T> state, ConnectionFactory<T> factory, Runnable roomFreed) {
        this.state = state;
        this.factory = factory;
        this.roomFreed = roomFreed;
    }

    /** Destroys a removed connection in the background; returns at once. */
    void destroyLater(PooledConnection<T> connection, PoolEvent.Destroyed removal) {
        Thread.ofVirtual().name("poolgate-destroy").start(() -> destroyAndWait(connection, removal));
    }

    /**
     * Destroys a removed connection and waits until its destroy returns or the destroy timeout
     * passes (then the call goes on by itself). Keeps an interrupt: it stops the wait, not the
     * destroy.
     */
    void destroyAndWait(PooledConnection<T> connection, PoolEvent.Destroyed removal) {
        Thread worker = Thread.ofVirtual().name("poolgate-destroy").start(() -> destroy(connection, removal));
        Duration timeout = state.config.destroyTimeout();
        boolean ended;
        try {
            ended = worker.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!ended && release(connection)) {
            state.emit(new PoolEvent.DestroyTimedOut(connection.id, timeout));
        }
    }

    /** The factory's call, then the event, then the room freed (unless the timeout freed it first). */
    private void destroy(PooledConnection<T> connection, PoolEvent.Destroyed removal) {
        try {
            try {
                factory.destroy(connection.connection);
            } catch (Throwable e) {
                state.emit(new PoolEvent.DestroyFailed(connection.id, e));
            }
            state.emit(removal);
        } finally {
            release(connection);
        }
    }

    /** Frees the connection's room below max once; returns whether this call freed it. */
    private boolean release(PooledConnection<T> connection) {
        state.lock.lock();
        try {
            if (connection.roomFreed) {
                return false;
            }
            connection.roomFreed = true;
            state.destroying--;
            if (state.running()) {
                roomFreed.run();
            } else {
                state.lifecycle.signalAll();
            }
            return true;
        } finally {
            state.lock.unlock();
        }
    }
}
