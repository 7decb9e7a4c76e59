package dev.poolgate.pool.impl;

import dev.poolgate.pool.ConnectionFactory;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A factory whose every call runs a script the test sets, and which counts what upstream would
 * see: connections alive (created and whose destroy has not returned) and the most alive at once.
 */
class ScriptedFactory implements ConnectionFactory<TestConnection> {

    /** A step of the script for one connection; may block, throw, or return a verdict. */
    interface Step {
        boolean run(TestConnection connection) throws Exception;
    }

    volatile Step onCreate = c -> true;
    volatile Step onValid = c -> true;
    volatile Step onHealthy = c -> true;
    volatile Step onDestroy = c -> true;

    final Set<TestConnection> alive = ConcurrentHashMap.newKeySet();
    final AtomicInteger mostAlive = new AtomicInteger();
    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger destroyed = new AtomicInteger();
    final AtomicInteger destroysReturned = new AtomicInteger();
    /** Second destroy calls of one connection (also thrown, but the pool only reports what destroy throws). */
    final AtomicInteger doubleDestroys = new AtomicInteger();

    @Override
    public TestConnection create() throws Exception {
        TestConnection connection = new TestConnection();
        onCreate.run(connection);
        alive.add(connection);
        mostAlive.accumulateAndGet(alive.size(), Math::max);
        created.incrementAndGet();
        return connection;
    }

    @Override
    public boolean isValid(TestConnection connection) throws Exception {
        return onValid.run(connection);
    }

    @Override
    public boolean isHealthy(TestConnection connection) throws Exception {
        return onHealthy.run(connection);
    }

    @Override
    public void destroy(TestConnection connection) throws Exception {
        if (connection.destroyCalls.incrementAndGet() != 1) {
            doubleDestroys.incrementAndGet();
            throw new AssertionError(connection + " destroyed twice");
        }
        destroyed.incrementAndGet();
        try {
            onDestroy.run(connection);
        } finally {
            alive.remove(connection);
            destroysReturned.incrementAndGet();
        }
    }
}
