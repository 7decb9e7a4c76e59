package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import dev.poolgate.pool.PoolListener;
import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool never pins a virtual thread to its carrier: JFR's {@code jdk.VirtualThreadPinned},
 * recorded without a threshold, stays silent while thousands of virtual threads block on the
 * pool's lock and conditions and park while they hold connections, and while the pool's own
 * virtual threads create, validate, health-check and destroy connections and close the pool.
 *
 * <p>The pool is warmed up first, on every path: the first use of a class loads and initializes
 * it, and since JDK 24 a virtual thread that meanwhile waits for another thread to load or
 * initialize the same class is pinned (the class loader's lock is taken, or the initialization
 * awaited, under a VM frame). That happens once per class and JVM and says nothing about the
 * pool, so the recording watches the pool as it runs for most of its life: warm.
 *
 * <p>A control pins a virtual thread on purpose, with the same recording, to show that the
 * silence means something. Since JDK 24 (JEP 491) blocking in {@code synchronized} no longer
 * pins, so the control parks in a class initializer, which still does. On JDK 24+ this test can
 * therefore catch pinning under native or VM frames, not a {@code synchronized} block; on JDK 21
 * it catches both.
 */
@Timeout(60)
class PinningTest {

    private static final String PINNED = "jdk.VirtualThreadPinned";
    private static final int THREADS = 2_000;
    private static final int WARM_UP_THREADS = 200;
    private static final int ACQUIRES_PER_THREAD = 20;
    private static final int MAX_SIZE = 10;
    private static final long MAX_HOLD_NANOS = Duration.ofNanos(200_000).toNanos();

    private static final PoolConfig CONFIG = PoolConfig.builder()
            .name("Pinning instance")
            .minSize(2)
            .maxSize(MAX_SIZE)
            .acquireTimeout(Duration.ofSeconds(10))
            .idleTimeout(Duration.ofMillis(10))
            .healthCheckInterval(Duration.ofMillis(5))
            .build();

    @Test
    void poolUseUnderContentionNeverPinsAVirtualThread() throws Exception {
        warmUp();
        Callers callers = new Callers();
        List<String> pinned = recordPinning(() -> {
            try (Pool<TestConnection> pool = Pool.create(CONFIG, factory(), callers)) {
                callers.hammer(pool, THREADS);
                assertEquals(0, pool.stats().waitingAcquirers(), () -> pool.stats().toString());
            }
        });

        callers.assertNoneFailed();
        assertEquals((long) THREADS * ACQUIRES_PER_THREAD, callers.acquired.sum() + callers.timedOut.sum());
        assertTrue(callers.growths.sum() > 0, "callers had to wait for the pool to grow, so they blocked in it");
        assertTrue(pinned.isEmpty(), () -> "virtual threads were pinned " + pinned.size() + " time(s) while using "
                + "the pool; the first:\n" + String.join("\n", pinned.subList(0, Math.min(5, pinned.size()))));
    }

    @Test
    void recordingSeesAVirtualThreadThatPins() throws Exception {
        byte[] parksWhileInitialized;
        try (InputStream in = PinningTest.class.getResourceAsStream("PinningTest$ParksWhileInitialized.class")) {
            parksWhileInitialized = in.readAllBytes();
        }
        List<String> pinned = recordPinning(() -> Thread.ofVirtual().start(() -> {
            try {
                // A hidden class is a new class each time, so its initializer runs (and pins) on
                // every run of this control, not only on the first in this JVM.
                MethodHandles.lookup().defineHiddenClass(parksWhileInitialized, true);
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }).join());

        assertFalse(pinned.isEmpty(), "the recording should see a virtual thread that parks in a class initializer "
                + "(on " + Runtime.version() + "); if this JDK no longer pins there, pin another way, or the pool's "
                + "pinning test proves nothing");
        assertTrue(pinned.get(0).contains("ParksWhileInitialized"), pinned::toString);
    }

    private static TestFactory factory() {
        TestFactory factory = new TestFactory.Validating();
        factory.createFailureRate = 0.05;
        factory.healthFailureRate = 0.2;
        return factory;
    }

    /**
     * Takes the pool down every path once, outside the recording: contended acquires, growth, a
     * failed creation and its retry, an acquire timeout, an invalidation, a failed health check,
     * idle cleanup and close.
     */
    private static void warmUp() throws InterruptedException {
        TestFactory factory = factory();
        Callers callers = new Callers();
        try (Pool<TestConnection> pool = Pool.create(CONFIG, factory, callers)) {
            callers.hammer(pool, WARM_UP_THREADS);
            callers.assertNoneFailed();
            factory.failNextCreates.set(1);
            List<Lease<TestConnection>> all = new ArrayList<>();
            for (int i = 0; i < MAX_SIZE; i++) {
                all.add(pool.acquire());
            }
            assertThrows(AcquireTimeoutException.class, () -> pool.acquire(Duration.ofMillis(1)));
            all.remove(0).invalidate();
            all.forEach(Lease::close);
            Await.until("a health check failed and idle connections were cleaned up",
                    () -> pool.stats().healthCheckFailures() > 0
                            && pool.stats().totalConnections() == CONFIG.minSize(), pool::stats);
        }
    }

    /** The callers of one run, and what they saw; also the pool's listener, to count its growth. */
    private static final class Callers implements PoolListener {
        final LongAdder acquired = new LongAdder();
        final LongAdder timedOut = new LongAdder();
        final LongAdder growths = new LongAdder();
        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

        @Override
        public void onEvent(PoolEvent event) {
            if (event instanceof PoolEvent.Created created && created.purpose() == PoolEvent.Purpose.GROWTH) {
                growths.increment();
            }
        }

        /** Starts {@code threads} virtual callers at once and waits until each has made its acquires. */
        void hammer(Pool<TestConnection> pool, int threads) throws InterruptedException {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> callers = new ArrayList<>(threads);
            for (int i = 0; i < threads; i++) {
                callers.add(Thread.ofVirtual().name("caller-", i).start(() -> {
                    try {
                        go.await();
                        acquireAndHold(pool);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            go.countDown();
            for (Thread caller : callers) {
                caller.join();
            }
        }

        /** Acquires, holds the connection while parking (or busy, for the shortest holds), releases. */
        private void acquireAndHold(Pool<TestConnection> pool) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < ACQUIRES_PER_THREAD; i++) {
                Lease<TestConnection> lease;
                try {
                    lease = pool.acquire();
                } catch (AcquireTimeoutException e) {
                    timedOut.increment(); // legal; what matters here is how the callers waited
                    continue;
                }
                try (lease) {
                    acquired.increment();
                    long hold = random.nextLong(MAX_HOLD_NANOS);
                    if (hold < MAX_HOLD_NANOS / 10) {
                        long until = System.nanoTime() + hold;
                        while (System.nanoTime() - until < 0) {
                            Thread.onSpinWait();
                        }
                    } else {
                        LockSupport.parkNanos(hold);
                    }
                    if (random.nextInt(100) == 0) {
                        lease.invalidate();
                    }
                }
            }
        }

        void assertNoneFailed() {
            assertTrue(failures.isEmpty(), () -> failures.size() + " callers failed, e.g. " + failures.peek());
        }
    }

    /**
     * Runs {@code work} while JFR records every pinning of a virtual thread, however short, and
     * returns each pinning found, with its stack.
     */
    private static List<String> recordPinning(Work work) throws Exception {
        Path file = Files.createTempFile("poolgate-pinning-", ".jfr");
        try {
            try (Recording recording = new Recording()) {
                recording.enable(PINNED).withoutThreshold().withStackTrace();
                recording.start();
                work.run();
                recording.stop();
                recording.dump(file);
            }
            List<String> pinned = new ArrayList<>();
            for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                if (PINNED.equals(event.getEventType().getName())) {
                    pinned.add(describe(event));
                }
            }
            return pinned;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The event's fields as JFR prints them, then its whole stack, a frame a line. */
    private static String describe(RecordedEvent event) {
        String printed = event.toString().strip();
        int stackStart = printed.indexOf("stackTrace = [");
        StringBuilder text = new StringBuilder(stackStart < 0 ? printed : printed.substring(0, stackStart).strip());
        RecordedStackTrace stack = event.getStackTrace();
        if (stack != null) {
            text.append("\n  stack:");
            for (RecordedFrame frame : stack.getFrames()) {
                text.append("\n    at ").append(frame.getMethod().getType().getName()).append('.')
                        .append(frame.getMethod().getName()).append(" line ").append(frame.getLineNumber());
            }
        }
        return text.toString();
    }

    @FunctionalInterface
    private interface Work {
        void run() throws InterruptedException, IOException;
    }

    /** Parks in its static initializer; defined as a hidden class by the control, never used directly. */
    private static final class ParksWhileInitialized {
        static {
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }

        private ParksWhileInitialized() {
        }
    }
}
