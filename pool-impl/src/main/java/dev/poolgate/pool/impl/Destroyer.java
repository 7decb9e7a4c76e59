package dev.poolgate.pool.impl;

import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.PoolEvent;
import java.time.Duration;

/**
 * Destroys the connections a pool removed, never on an acquirer's or releaser's thread and never
 * under a lock: each {@link ConnectionFactory#destroy} call runs on its own virtual thread. A
 * removed connection keeps counting against the maximum until its destroy returns or the destroy
 * timeout passes, whichever comes first; then its owner frees its room (and may create a
 * replacement). A destroy that times out is reported and left to finish on its own.
 */
final class Destroyer<T> {

    /** The pool a destroyer works for. */
    interface Owner<T> {

        /** The current destroy timeout. */
        Duration destroyTimeout();

        /** Delivers an event to the pool's listeners, which never throw at the caller. */
        void emit(PoolEvent event);

        /**
         * Frees a removed connection's room below max, once: called when its destroy returned and
         * when the timeout passed, and returns whether this call freed it.
         */
        boolean freeRoom(PooledConnection<T> connection);
    }

    private final ConnectionFactory<T> factory;
    private final Owner<T> owner;

    Destroyer(ConnectionFactory<T> factory, Owner<T> owner) {
        this.factory = factory;
        this.owner = owner;
    }

    /** Destroys a removed connection in the background; returns at once. */
    void destroyLater(PooledConnection<T> connection, PoolEvent removal) {
        Thread.ofVirtual().name("poolgate-destroy").start(() -> destroyAndWait(connection, removal));
    }

    /**
     * Destroys a removed connection and waits until its destroy returns or the destroy timeout
     * passes (then the call goes on by itself). An interrupt stops the wait, not the destroy, and
     * is kept.
     */
    void destroyAndWait(PooledConnection<T> connection, PoolEvent removal) {
        Thread worker = Thread.ofVirtual().name("poolgate-destroy").start(() -> destroy(connection, removal));
        Duration timeout = owner.destroyTimeout();
        boolean ended;
        try {
            ended = worker.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!ended) {
            // Reported before the room is freed, so that a listener learns of it before a
            // replacement can exist; if the destroy returns in between, freeRoom does nothing.
            owner.emit(new PoolEvent.DestroyTimedOut(connection.id, timeout));
            owner.freeRoom(connection);
        }
    }

    /** The factory's call, then the event, then the room freed (unless the timeout freed it first). */
    private void destroy(PooledConnection<T> connection, PoolEvent removal) {
        try {
            try {
                factory.destroy(connection.connection);
            } catch (Throwable e) {
                owner.emit(new PoolEvent.DestroyFailed(connection.id, e));
            }
            owner.emit(removal);
        } finally {
            owner.freeRoom(connection);
        }
    }
}
