package dev.poolgate.pool.impl;

import java.util.concurrent.locks.Condition;

/**
 * The acquirers waiting for a connection, first come first served: an intrusive doubly linked
 * list, so that a waiter that times out leaves in O(1). Guarded by the pool's lock, like each
 * waiter's fields.
 */
final class WaiterQueue<T> {

    /** One waiting acquirer. */
    static final class Waiter<T> {
        /** Signalled when this waiter is handed a connection or the pool closes. */
        final Condition ready;
        PooledConnection<T> connection;
        boolean closed;
        private Waiter<T> prev;
        private Waiter<T> next;
        private boolean queued;

        Waiter(Condition ready) {
            this.ready = ready;
        }
    }

    private Waiter<T> head;
    private Waiter<T> tail;
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void addLast(Waiter<T> waiter) {
        assert !waiter.queued;
        waiter.prev = tail;
        waiter.next = null;
        if (tail == null) {
            head = waiter;
        } else {
            tail.next = waiter;
        }
        tail = waiter;
        waiter.queued = true;
        size++;
    }

    void addFirst(Waiter<T> waiter) {
        assert !waiter.queued;
        waiter.prev = null;
        waiter.next = head;
        if (head == null) {
            tail = waiter;
        } else {
            head.prev = waiter;
        }
        head = waiter;
        waiter.queued = true;
        size++;
    }

    /** The longest waiter, removed; null if none. */
    Waiter<T> pollFirst() {
        Waiter<T> first = head;
        if (first != null) {
            remove(first);
        }
        return first;
    }

    /** Removes the waiter if it is queued. */
    void remove(Waiter<T> waiter) {
        if (!waiter.queued) {
            return;
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
    }
}
