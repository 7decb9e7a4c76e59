package dev.poolgate.pool.impl;

import dev.poolgate.pool.PoolEvent;
import java.util.concurrent.locks.LockSupport;

/**
 * The acquirers waiting for a connection, in order of arrival: an intrusive doubly linked list
 * ordered by each waiter's ticket, so that a waiter that gives up leaves in O(1) and one whose
 * hand-out failed validation goes back to its place. Guarded by the pool's lock, like each
 * waiter's fields.
 *
 * <p>A waiter stays in the queue until it has a lease or gives up, so that while it validates
 * the connection it was handed, the next connection released is kept for it (its
 * {@link Waiter#spare spare}) instead of going to someone who came later.
 */
final class WaiterQueue<T> {

    /**
     * One waiting acquirer. It parks without the pool's lock and reads its {@link #status}; whoever
     * changes the status (under the lock) unparks it. A waiter served outright ({@link #SERVED})
     * leaves with its lease without taking the lock again.
     */
    static final class Waiter<T> {
        /** In line, nothing handed to it yet. */
        static final int WAITING = 0;
        /** Handed a connection it must still make its lease of, under the lock (after validating it, if it must). */
        static final int HANDED = 1;
        /** Served: its lease is ready in {@link #lease}, and it has left the line. */
        static final int SERVED = 2;
        /** The pool closed while it waited; it was taken out of the line. */
        static final int CLOSED = 3;

        /** Its place in line: the pool's arrival count when it called acquire. */
        final long ticket;
        /** The acquiring thread, unparked when the status changes. */
        final Thread thread;
        /** Whether the acquirer reports its hand-out as events. */
        final boolean observed;
        /** Where it is; written under the pool's lock, read by its thread without it. */
        volatile int status = WAITING;
        /** Once {@link #SERVED}: its lease, and the Reused event to report (or null); published by the status. */
        PooledLease<T> lease;
        PoolEvent reused;
        /** The connection handed to it, HELD for it; null while it waits for one. */
        PooledConnection<T> connection;
        /** {@link #connection} must be validated before it becomes a lease. */
        boolean validating;
        /** A connection handed to it while it validates, taken if the validation fails. */
        PooledConnection<T> spare;
        /** The pool closed while it waited; it was taken out of the queue. */
        boolean closed;
        private Waiter<T> prev;
        private Waiter<T> next;
        private boolean queued;

        Waiter(long ticket, boolean observed) {
            this.ticket = ticket;
            this.thread = Thread.currentThread();
            this.observed = observed;
        }

        /** Sets its status and wakes its thread (unless that is the caller). */
        void signal(int newStatus) {
            status = newStatus;
            if (thread != Thread.currentThread()) {
                LockSupport.unpark(thread);
            }
        }

        /** Whether a released connection may go to it: it has none, or validates one and has no spare. */
        boolean takes() {
            return connection == null || (validating && spare == null);
        }
    }

    private Waiter<T> head;
    private Waiter<T> tail;
    /** Volatile: the fast path reads it without the lock to see whether anyone waits. */
    private volatile int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Queues the waiter at its ticket's place: at the tail, unless it comes back after others arrived. */
    void add(Waiter<T> waiter) {
        assert !waiter.queued;
        Waiter<T> after = tail;
        while (after != null && after.ticket > waiter.ticket) {
            after = after.prev;
        }
        Waiter<T> before = after == null ? head : after.next;
        waiter.prev = after;
        waiter.next = before;
        if (after == null) {
            head = waiter;
        } else {
            after.next = waiter;
        }
        if (before == null) {
            tail = waiter;
        } else {
            before.prev = waiter;
        }
        waiter.queued = true;
        size++;
    }

    /** The first waiter in line that {@linkplain Waiter#takes() takes} a connection; null if none. */
    Waiter<T> firstTaker() {
        for (Waiter<T> waiter = head; waiter != null; waiter = waiter.next) {
            if (waiter.takes()) {
                return waiter;
            }
        }
        return null;
    }

    /** The longest waiter, removed; null if none. */
    Waiter<T> pollFirst() {
        Waiter<T> first = head;
        if (first != null) {
            remove(first);
        }
        return first;
    }

    /** Removes the waiter; returns false if it was not queued. */
    boolean remove(Waiter<T> waiter) {
        if (!waiter.queued) {
            return false;
        }
        if (waiter.prev == null) {
            head = waiter.next;
        } else {
            waiter.prev.next = waiter.next;
        }
        if (waiter.next == null) {
            tail = waiter.prev;
        } else {
            waiter.next.prev = waiter.prev;
        }
        waiter.prev = null;
        waiter.next = null;
        waiter.queued = false;
        size--;
        return true;
    }
}
