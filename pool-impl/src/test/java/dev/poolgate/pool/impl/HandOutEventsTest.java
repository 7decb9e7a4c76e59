package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The events of every acquire and release are built only while someone observes them: a
 * caller's listener always gets them; the log gets them while it writes INFO lines.
 */
@Timeout(30)
class HandOutEventsTest {

    private static final PoolConfig CONFIG = PoolConfig.builder().minSize(1).maxSize(1).build();

    @AfterEach
    void stopCapturing() {
        LogCapture.stop();
    }

    @Test
    void theLogAloneObservesHandOutsOnlyWhileInfoIsWritten() {
        PoolListener logOnly = CompositeListener.of(new PoolLog(CONFIG), PoolListener.NONE);
        LogCapture.stop();
        assertFalse(((CompositeListener) logOnly).observesHandOuts(), "INFO off, no listener: nobody observes");
        LogCapture.start();
        assertTrue(((CompositeListener) logOnly).observesHandOuts(), "INFO on: the log observes");
    }

    @Test
    void aCallersListenerGetsEveryReuseAndReleaseWhateverTheLogLevel() {
        LogCapture.stop();
        List<PoolEvent> events = new CopyOnWriteArrayList<>();
        PoolListener listener = events::add;
        assertTrue(((CompositeListener) CompositeListener.of(new PoolLog(CONFIG), listener)).observesHandOuts());
        try (Pool<TestConnection> pool = Pool.create(CONFIG, new TestFactory(), listener)) {
            for (int i = 0; i < 3; i++) {
                try (Lease<TestConnection> lease = pool.acquire()) {
                    assertEquals(i + 1, lease.useCount());
                }
            }
        }
        assertEquals(3, events.stream().filter(e -> e instanceof PoolEvent.Reused).count(),
                "the pre-created connection is reused from idle each time");
        assertEquals(3, events.stream().filter(e -> e instanceof PoolEvent.Released).count());
    }

    @Test
    void withNobodyObservingTheCountsStayExact() {
        LogCapture.stop();
        try (Pool<TestConnection> pool = Pool.create(CONFIG, new TestFactory())) {
            for (int i = 0; i < 3; i++) {
                pool.acquire().close();
            }
            assertEquals(3, pool.stats().connectionsReused());
            assertEquals(1, pool.stats().availableConnections());
            assertEquals(0, pool.stats().inUseConnections());
        }
    }

    @Test
    void aLeaseAcquiredUnobservedEndsUnobservedSoItsLinesComeWholeOrNotAtAll() {
        LogCapture.stop();
        List<PoolEvent> events = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean observing = new java.util.concurrent.atomic.AtomicBoolean();
        PoolListener listener = new PoolListener() {
            @Override
            public void onEvent(PoolEvent event) {
                events.add(event);
            }

            @Override
            public boolean observesHandOuts() {
                return observing.get();
            }
        };
        try (Pool<TestConnection> pool = Pool.create(CONFIG, new TestFactory(), listener)) {
            Lease<TestConnection> unobserved = pool.acquire();
            observing.set(true);
            unobserved.close();
            assertEquals(List.of(), events.stream().filter(HandOutEventsTest::handOut).toList(),
                    "acquired while nobody observed: no Releasing or Released without its Acquired");

            Lease<TestConnection> observed = pool.acquire();
            unobservedAfter(observing, observed);
            assertEquals(List.of(PoolEvent.Acquiring.class, PoolEvent.Reused.class, PoolEvent.Acquired.class),
                    events.stream().filter(HandOutEventsTest::handOut).map(Object::getClass).toList(),
                    "acquired while observed; the release asks again, and nobody observes any more");
        }
    }

    private static void unobservedAfter(java.util.concurrent.atomic.AtomicBoolean observing, Lease<?> lease) {
        observing.set(false);
        lease.close();
    }

    private static boolean handOut(PoolEvent event) {
        return event instanceof PoolEvent.Acquiring || event instanceof PoolEvent.Reused
                || event instanceof PoolEvent.Acquired || event instanceof PoolEvent.Releasing
                || event instanceof PoolEvent.Released;
    }
}
