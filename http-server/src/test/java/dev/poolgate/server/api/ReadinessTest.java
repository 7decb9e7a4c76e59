package dev.poolgate.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.server.upstream.UpstreamHealth;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rules of {@code /ready}, against a factory that fails on demand and a manual clock. */
@Timeout(10)
class ReadinessTest {

    /** Creates plain objects, or fails while told to; health checks follow their own switch. */
    private static final class SwitchableFactory implements ConnectionFactory<Object> {
        final AtomicBoolean failing = new AtomicBoolean();
        final AtomicBoolean unhealthy = new AtomicBoolean();

        @Override
        public Object create() throws IOException {
            if (failing.get()) {
                throw new IOException("refused");
            }
            return new Object();
        }

        @Override
        public boolean isHealthy(Object connection) {
            return !unhealthy.get();
        }

        @Override
        public void destroy(Object connection) {
        }
    }

    private final AtomicLong clock = new AtomicLong(1_000);
    private final SwitchableFactory factory = new SwitchableFactory();
    private final UpstreamHealth<Object> upstream = new UpstreamHealth<>(factory, clock::get);
    private final AtomicBoolean shuttingDown = new AtomicBoolean();

    private Pool<Object> pool(int min) {
        return Pool.create(PoolConfig.builder().minSize(min).maxSize(2).healthCheckInterval(Duration.ZERO).build(),
                upstream);
    }

    @Test
    void readyOnceTheMinimumExistsAndNotWhileShuttingDown() {
        try (Pool<Object> pool = pool(1)) {
            Readiness readiness = new Readiness(pool, upstream, shuttingDown::get, clock::get);
            assertTrue(readiness.check().ready());
            shuttingDown.set(true);
            assertEquals("shutting_down", readiness.check().reason());
        }
    }

    @Test
    void aFailedCreationKeepsItUnreadyForTheRecentWindowOrUntilACreationSucceeds() throws Exception {
        try (Pool<Object> pool = pool(0)) {
            Readiness readiness = new Readiness(pool, upstream, shuttingDown::get, clock::get);
            factory.failing.set(true);
            assertThrowsIo(upstream);
            assertEquals("upstream_unreachable", readiness.check().reason());
            clock.addAndGet(Readiness.RECENT_FAILURE.toNanos());
            assertEquals("upstream_unreachable", readiness.check().reason(), "still within the window");
            clock.addAndGet(1);
            assertTrue(readiness.check().ready(), "a failure older than the window no longer counts");

            assertThrowsIo(upstream);
            assertFalse(readiness.check().ready());
            factory.failing.set(false);
            clock.addAndGet(1);
            upstream.create();
            assertTrue(readiness.check().ready(), "a later success clears the failure");
        }
    }

    @Test
    void aFailedHealthCheckMakesItUnreadyUntilOnePasses() throws Exception {
        try (Pool<Object> pool = pool(0)) {
            Readiness readiness = new Readiness(pool, upstream, shuttingDown::get, clock::get);
            Object connection = upstream.create();
            factory.unhealthy.set(true);
            assertFalse(upstream.isHealthy(connection));
            assertEquals("upstream_health_check_failing", readiness.check().reason());
            factory.unhealthy.set(false);
            assertTrue(upstream.isHealthy(connection));
            assertTrue(readiness.check().ready());
        }
    }

    @Test
    void fewerConnectionsThanTheMinimumIsNotReady() {
        factory.failing.set(true);
        // The pool creates through the bare factory: only the pool's size speaks here.
        try (Pool<Object> pool = Pool.create(PoolConfig.builder().minSize(2).maxSize(2)
                .healthCheckInterval(Duration.ZERO).build(), factory)) {
            Readiness.Verdict verdict = new Readiness(pool, upstream, shuttingDown::get, clock::get).check();
            assertEquals("pool_below_minimum", verdict.reason());
            assertTrue(verdict.message().startsWith("0 of the pool's 2 minimum connections exist"), verdict.message());
        }
    }

    private static void assertThrowsIo(UpstreamHealth<Object> upstream) {
        try {
            upstream.create();
        } catch (Exception e) {
            assertTrue(e instanceof IOException, e.toString());
            return;
        }
        throw new AssertionError("create should have failed");
    }
}
