package dev.poolgate.pool.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The idle connections, most recently returned on top: a lock-free stack that allocates nothing.
 * The fast path pushes and pops without the pool's lock; everything else uses it under the lock.
 *
 * <p>Each live connection owns a slot (an index into {@link #slots}, given at {@link #register}
 * and freed at {@link #unregister}, both under the pool's lock), and links to the connection
 * below it by that index ({@link PooledConnection#below}). The top is one {@code long}: a version
 * in the high half, the top slot in the low half. Every push and pop bumps the version, so a pop
 * that read a top which has since been popped and pushed back fails its compare-and-set instead
 * of linking in a stale connection (the ABA problem, without a node per push).
 *
 * <p>Popping a connection makes its popper its only holder (state HELD). A connection a platform
 * thread keeps aside in its cache (state CACHED, see {@code FairPool}) is not on the stack; it is
 * taken by a compare-and-set on its state, by its thread or by {@link #stealCached()}. Nothing is
 * ever taken from the middle of the stack: the pool's housekeeping {@link #drain}s the whole stack
 * under the lock, decides, and {@link #restore}s what stays, below anything the fast path pushed
 * meanwhile.
 */
final class IdleStack<T> {

    private static final int EMPTY = -1;
    private static final VarHandle TOP;

    static {
        try {
            TOP = MethodHandles.lookup().findVarHandle(IdleStack.class, "top", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Version (high 32 bits) and top slot (low 32 bits, {@link #EMPTY} when empty); changed by compare-and-set only. */
    @SuppressWarnings("unused") // through TOP
    private volatile long top = pack(0, EMPTY);

    /**
     * The connection of each slot (null when free). Replaced by a larger copy under the pool's
     * lock when the slots run out; a connection is put in its slot before it is first pushed, so a
     * pop that read its slot from the top finds it in the array it reads afterwards.
     */
    private volatile PooledConnection<T>[] slots;
    /**
     * Whether a platform thread may keep connections aside (CACHED): set, for good, when the first
     * one takes its thread's hint, before it can cache anything. Until then {@link #stealCached()}
     * has nothing to find and skips its scan, which under load (a virtual-thread-only pool, such as
     * the gateway's) would read every connection's contended state, under the pool's lock.
     */
    private volatile boolean caching;
    /** Free slots, guarded by the pool's lock: a stack of indices in {@code free[0..freeCount)}. */
    private int[] free;
    private int freeCount;

    @SuppressWarnings("unchecked")
    IdleStack(int capacity) {
        int size = Math.max(1, capacity);
        slots = (PooledConnection<T>[]) new PooledConnection<?>[size];
        free = new int[size];
        for (int i = 0; i < size; i++) {
            free[i] = size - 1 - i; // slot 0 first
        }
        freeCount = size;
    }

    private static long pack(long version, int slot) {
        return (version << 32) | (slot & 0xFFFF_FFFFL);
    }

    private static int slotOf(long top) {
        return (int) top;
    }

    private static long versionOf(long top) {
        return top >>> 32;
    }

    /** Gives a new connection its slot; under the pool's lock, before it is first pushed. */
    void register(PooledConnection<T> connection) {
        if (freeCount == 0) {
            int size = slots.length;
            slots = Arrays.copyOf(slots, size * 2);
            free = new int[size * 2];
            for (int i = 0; i < size; i++) {
                free[i] = size * 2 - 1 - i;
            }
            freeCount = size;
        }
        int slot = free[--freeCount];
        connection.slot = slot;
        slots[slot] = connection;
    }

    /** Frees the slot of a connection that left the pool (not on the stack); under the pool's lock. */
    void unregister(PooledConnection<T> connection) {
        int slot = connection.slot;
        if (slot >= 0 && slots[slot] == connection) {
            slots[slot] = null;
            free[freeCount++] = slot;
        }
        connection.slot = -1;
    }

    /** Makes a connection the caller holds idle, on top of the stack. */
    void push(PooledConnection<T> connection) {
        assert connection.state() == PooledConnection.State.HELD && connection.slot >= 0;
        connection.markIdle();
        while (true) {
            long current = top();
            connection.below = slotOf(current);
            if (TOP.compareAndSet(this, current, pack(versionOf(current) + 1, connection.slot))) {
                return;
            }
        }
    }

    /** Takes the most recently returned idle connection (then HELD by the caller); null if none. */
    PooledConnection<T> pop() {
        while (true) {
            long current = top();
            int slot = slotOf(current);
            if (slot == EMPTY) {
                return null;
            }
            PooledConnection<T> connection = slots[slot];
            if (connection != null && tryPop(current, connection, connection.below)) {
                return connection;
            }
            // Popped meanwhile (and maybe gone, or back with another connection below it): read again.
        }
    }

    /** The top as a pop reads it: version and slot. */
    long top() {
        return (long) TOP.getVolatile(this);
    }

    /**
     * One attempt to pop {@code connection}, read on top as {@code observed} with {@code below}
     * under it; fails if the top changed since, even if the same connection is on top again.
     */
    boolean tryPop(long observed, PooledConnection<T> connection, int below) {
        if (TOP.compareAndSet(this, observed, pack(versionOf(observed) + 1, below))) {
            connection.markHeld();
            return true;
        }
        return false;
    }

    /**
     * Takes a connection some platform thread keeps aside in its cache (state CACHED; then HELD by
     * the caller); null if none. A scan of the slots, lock-free: for when the stack is empty.
     */
    PooledConnection<T> stealCached() {
        if (!caching) {
            return null;
        }
        PooledConnection<T>[] all = slots;
        for (PooledConnection<T> connection : all) {
            if (connection != null && connection.claimCached()) {
                return connection;
            }
        }
        return null;
    }

    /** A platform thread is about to take its hint: from now on connections may be CACHED. */
    void cachingBegins() {
        if (!caching) {
            caching = true;
        }
    }

    /** Whether nothing is idle at this moment. */
    boolean isEmpty() {
        return slotOf(top()) == EMPTY;
    }

    /**
     * Takes every idle connection (then HELD by the caller), most recent first: those threads keep
     * in their caches, then the stack from its top; under the pool's lock. Give back what stays
     * with {@link #restore} (onto the stack) before unlocking.
     */
    List<PooledConnection<T>> drain() {
        List<PooledConnection<T>> taken = new ArrayList<>();
        for (PooledConnection<T> connection : slots) { // one pass: each cached connection, claimed in place
            if (connection != null && connection.claimCached()) {
                taken.add(connection);
            }
        }
        for (PooledConnection<T> connection = pop(); connection != null; connection = pop()) {
            taken.add(connection);
        }
        return taken;
    }

    /**
     * Makes connections the caller holds idle again, in the given order (most recent first) and
     * below whatever the fast path pushed since they were drained: those are more recent. Under
     * the pool's lock.
     */
    void restore(List<PooledConnection<T>> mostRecentFirst) {
        List<PooledConnection<T>> order = new ArrayList<>();
        while (true) {
            List<PooledConnection<T>> newer = drain();
            newer.addAll(order);
            order = newer;
            order.addAll(mostRecentFirst);
            mostRecentFirst = List.of();
            // Link the whole chain privately, then publish it if nothing was pushed meanwhile.
            int below = EMPTY;
            for (int i = order.size() - 1; i >= 0; i--) {
                PooledConnection<T> connection = order.get(i);
                connection.markIdle();
                connection.below = below;
                below = connection.slot;
            }
            long current = top();
            if (slotOf(current) == EMPTY && TOP.compareAndSet(this, current, pack(versionOf(current) + 1, below))) {
                return;
            }
            for (PooledConnection<T> connection : order) {
                connection.markHeld();
            }
        }
    }
}
