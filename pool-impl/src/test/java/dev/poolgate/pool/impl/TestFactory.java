package dev.poolgate.pool.impl;

import dev.poolgate.pool.ConnectionFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A counting {@link ConnectionFactory} for tests that fails on demand: the next n creations, a
 * random share of creations or health checks, or until a gate opens.
 */
class TestFactory implements ConnectionFactory<TestConnection> {

    final List<TestConnection> createdConnections = new CopyOnWriteArrayList<>();
    final AtomicInteger creates = new AtomicInteger();
    final AtomicInteger createFailures = new AtomicInteger();
    final AtomicInteger destroys = new AtomicInteger();
    final AtomicInteger healthChecks = new AtomicInteger();

    /** The next this-many creations throw. */
    final AtomicInteger failNextCreates = new AtomicInteger();
    volatile double createFailureRate;
    volatile double healthFailureRate;
    /** While set, creations block until it is counted down. */
    volatile CountDownLatch createGate;

    /** Creations under way now (a gated one included), and the most at once. */
    final AtomicInteger inCreate = new AtomicInteger();
    final AtomicInteger mostInCreate = new AtomicInteger();

    @Override
    public TestConnection create() throws Exception {
        mostInCreate.accumulateAndGet(inCreate.incrementAndGet(), Math::max);
        try {
            return createNow();
        } finally {
            inCreate.decrementAndGet();
        }
    }

    private TestConnection createNow() throws Exception {
        CountDownLatch gate = createGate;
        if (gate != null && !gate.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("test gate never opened");
        }
        creates.incrementAndGet();
        if (failNextCreates.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                || ThreadLocalRandom.current().nextDouble() < createFailureRate) {
            createFailures.incrementAndGet();
            throw new java.io.IOException("injected creation failure");
        }
        TestConnection connection = new TestConnection();
        createdConnections.add(connection);
        return connection;
    }

    @Override
    public boolean isHealthy(TestConnection connection) {
        healthChecks.incrementAndGet();
        if (connection.held.get()) {
            throw new AssertionError(connection + " health-checked while a caller held it");
        }
        return connection.healthy && ThreadLocalRandom.current().nextDouble() >= healthFailureRate;
    }

    @Override
    public void destroy(TestConnection connection) {
        destroys.incrementAndGet();
        if (connection.destroyCalls.incrementAndGet() != 1) {
            throw new AssertionError(connection + " destroyed twice");
        }
    }

    /** Connections created and not destroyed. */
    int open() {
        return (int) createdConnections.stream().filter(c -> c.destroyCalls.get() == 0).count();
    }

    /** A factory that also validates on hand-out, with {@link TestConnection#valid}. */
    static final class Validating extends TestFactory {
        final AtomicInteger validations = new AtomicInteger();

        @Override
        public boolean isValid(TestConnection connection) {
            validations.incrementAndGet();
            return connection.valid;
        }
    }
}
