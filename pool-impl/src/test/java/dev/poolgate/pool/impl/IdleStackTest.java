package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lock-free idle stack on its own: order, slots, drain and restore, and exclusive pops under contention. */
class IdleStackTest {

    private static PooledConnection<String> connection(String id) {
        return new PooledConnection<>(id, id, 0, Instant.EPOCH, 0);
    }

    private static List<PooledConnection<String>> registered(IdleStack<String> stack, int count) {
        List<PooledConnection<String>> connections = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            PooledConnection<String> connection = connection("c" + i);
            stack.register(connection);
            connections.add(connection);
        }
        return connections;
    }

    @Test
    void popsTheMostRecentlyPushedFirst() {
        IdleStack<String> stack = new IdleStack<>(3);
        List<PooledConnection<String>> c = registered(stack, 3);
        c.forEach(stack::push);
        assertSame(c.get(2), stack.pop());
        assertSame(c.get(1), stack.pop());
        stack.push(c.get(2));
        assertSame(c.get(2), stack.pop());
        assertSame(c.get(0), stack.pop());
        assertNull(stack.pop());
        assertTrue(stack.isEmpty());
        assertEquals(PooledConnection.State.HELD, c.get(0).state(), "a popped connection is held by its popper");
    }

    @Test
    void slotsGrowBeyondTheFirstCapacityAndAreReused() {
        IdleStack<String> stack = new IdleStack<>(1);
        List<PooledConnection<String>> c = registered(stack, 5);
        assertEquals(5, c.stream().map(x -> x.slot).distinct().count(), "one slot each");
        int freed = c.get(1).slot;
        stack.unregister(c.get(1));
        assertEquals(-1, c.get(1).slot);
        PooledConnection<String> next = connection("next");
        stack.register(next);
        assertEquals(freed, next.slot, "a freed slot is given again");
        List.of(c.get(0), next, c.get(4)).forEach(stack::push);
        assertSame(c.get(4), stack.pop());
        assertSame(next, stack.pop());
        assertSame(c.get(0), stack.pop());
    }

    @Test
    void restoreKeepsTheOrderBelowWhatWasPushedMeanwhile() {
        IdleStack<String> stack = new IdleStack<>(4);
        List<PooledConnection<String>> c = registered(stack, 4);
        for (int i = 0; i < 3; i++) {
            stack.push(c.get(i));
        }
        List<PooledConnection<String>> drained = stack.drain();
        assertEquals(List.of(c.get(2), c.get(1), c.get(0)), drained, "most recent first");
        drained.remove(c.get(1)); // taken out by the caller, e.g. for a health check
        stack.push(c.get(3)); // the fast path returns one meanwhile: it is newer
        stack.restore(drained);
        assertEquals(List.of(c.get(3), c.get(2), c.get(0)), stack.drain());
        assertEquals(PooledConnection.State.HELD, c.get(1).state());
    }

    @Test
    void aPopThatReadATopWhichLeftAndCameBackFails() {
        // The ABA case, step by step: a pop reads c2 on top with c1 below it; meanwhile c2 and c1
        // are popped and c2 comes back (now above c0). The stale pop must not put c1, which
        // someone holds, back on top.
        IdleStack<String> stack = new IdleStack<>(3);
        List<PooledConnection<String>> c = registered(stack, 3);
        c.forEach(stack::push);
        long observed = stack.top();
        int observedBelow = c.get(2).below;
        assertSame(c.get(2), stack.pop());
        assertSame(c.get(1), stack.pop());
        stack.push(c.get(2));
        assertFalse(stack.tryPop(observed, c.get(2), observedBelow), "the top changed since it was read");
        assertSame(c.get(2), stack.pop());
        assertSame(c.get(0), stack.pop());
        assertNull(stack.pop(), "c1 is held by its popper, not idle");
    }

    @Test
    @Timeout(60)
    void aConnectionIsNeverPoppedByTwoThreadsAndNoneIsLost() throws InterruptedException {
        // Few connections and many threads, so that tops leave and come back between a pop's read
        // and its compare-and-set: the versioned top must refuse every stale one.
        IdleStack<String> stack = new IdleStack<>(4);
        List<PooledConnection<String>> c = registered(stack, 4);
        c.forEach(stack::push);
        Set<PooledConnection<String>> held = ConcurrentHashMap.newKeySet();
        AtomicReference<String> broken = new AtomicReference<>();
        AtomicInteger pops = new AtomicInteger();
        int threads = 8;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 200_000 && broken.get() == null; i++) {
                        PooledConnection<String> connection = stack.pop();
                        if (connection == null) {
                            continue;
                        }
                        pops.incrementAndGet();
                        if (!held.add(connection)) {
                            broken.compareAndSet(null, connection.id + " popped while another thread held it");
                        }
                        held.remove(connection);
                        stack.push(connection);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        TestThreads.await(done);
        assertNull(broken.get());
        assertTrue(pops.get() > 0);
        List<PooledConnection<String>> rest = stack.drain();
        assertEquals(new HashSet<>(c), new HashSet<>(rest), "every connection is idle again, once");
        assertEquals(4, rest.size());
    }
}
