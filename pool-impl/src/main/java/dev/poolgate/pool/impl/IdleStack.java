package dev.poolgate.pool.impl;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The idle connections, most recently returned on top: a lock-free stack (a fresh node per push,
 * so no node is ever reused and a pop cannot be fooled by one that left and came back), used
 * without the pool's lock by the fast path and with it by everything else.
 *
 * <p>Who takes a connection is decided by its state, not by the stack: {@link #pop()} and
 * {@link #take} both need {@link PooledConnection#claimIdle()} to succeed. A connection taken
 * from the middle (by maintenance, close or resize) leaves its node behind; pops skip such stale
 * nodes, and {@link #rebuild} (maintenance, under the lock) clears them out.
 *
 * <p>It keeps no count: the pool counts connections in state IDLE when it takes a snapshot.
 */
final class IdleStack<T> {

    private record Node<T>(PooledConnection<T> connection, Node<T> next) {
    }

    private final AtomicReference<Node<T>> top = new AtomicReference<>();

    /** Makes a connection the caller holds idle, on top of the stack. */
    void push(PooledConnection<T> connection) {
        assert connection.state == PooledConnection.State.HELD;
        connection.state = PooledConnection.State.IDLE;
        Node<T> node;
        Node<T> current;
        do {
            current = top.get();
            node = new Node<>(connection, current);
        } while (!top.compareAndSet(current, node));
    }

    /** Takes the most recently returned idle connection (then HELD by the caller); null if none. */
    PooledConnection<T> pop() {
        while (true) {
            Node<T> current = top.get();
            if (current == null) {
                return null;
            }
            if (top.compareAndSet(current, current.next)) {
                PooledConnection<T> connection = current.connection;
                if (connection.claimIdle()) {
                    return connection;
                }
                // A stale node: its connection was taken from the middle, or is idle again under a newer node.
            }
        }
    }

    /** Takes this idle connection (then HELD by the caller), wherever it lies; false if it is not idle. */
    boolean take(PooledConnection<T> connection) {
        return connection.claimIdle();
    }

    /**
     * Rebuilds the stack without stale nodes, keeping the order, with {@code atBottom} (connections
     * the caller holds) made idle at the bottom. Under the pool's lock: a concurrent pop may find
     * the stack empty meanwhile and take the locked path, where it waits for the lock.
     */
    void rebuild(List<PooledConnection<T>> atBottom) {
        List<PooledConnection<T>> order = idleIn(top.getAndSet(null));
        for (PooledConnection<T> connection : atBottom) {
            connection.state = PooledConnection.State.IDLE;
            order.add(connection);
        }
        Node<T> chain = prepend(order, null);
        // What the fast path pushed meanwhile stays on top: it is more recent.
        while (!top.compareAndSet(null, chain)) {
            List<PooledConnection<T>> newer = new ArrayList<>();
            for (Node<T> node = top.getAndSet(null); node != null; node = node.next) {
                newer.add(node.connection);
            }
            chain = prepend(newer, chain);
        }
    }

    private static <T> Node<T> prepend(List<PooledConnection<T>> connections, Node<T> below) {
        Node<T> chain = below;
        for (int i = connections.size() - 1; i >= 0; i--) {
            chain = new Node<>(connections.get(i), chain);
        }
        return chain;
    }

    /** The idle connections, most recent first, skipping stale nodes (a moment's view). */
    List<PooledConnection<T>> snapshot() {
        return idleIn(top.get());
    }

    /** The idle connections of a chain, in its order, each once: stale nodes and repeats left out. */
    private static <T> List<PooledConnection<T>> idleIn(Node<T> chain) {
        List<PooledConnection<T>> connections = new ArrayList<>();
        Map<PooledConnection<T>, Boolean> seen = new IdentityHashMap<>();
        for (Node<T> node = chain; node != null; node = node.next) {
            if (node.connection.state == PooledConnection.State.IDLE && seen.put(node.connection, Boolean.TRUE) == null) {
                connections.add(node.connection);
            }
        }
        return connections;
    }
}
