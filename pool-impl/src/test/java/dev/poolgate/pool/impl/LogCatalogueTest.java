package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.AcquireTimeoutException;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every sentence of the log catalogue ({@code shared/spec/pool-logs.md}), exact, line by line, from
 * the captured SLF4J output of a real pool.
 */
@Timeout(30)
class LogCatalogueTest {

    private static final String ID = "([0-9a-f]{8})";

    private final TestFactory factory = new TestFactory();

    @BeforeEach
    void capture() {
        LogCapture.start();
    }

    @AfterEach
    void stopCapturing() {
        LogCapture.stop();
    }

    @Test
    void startUpCreatesTheMinimumWithTheCataloguedLines() {
        try (Pool<TestConnection> pool = Pool.create(PoolConfig.defaults(), factory)) {
            List<String> lines = LogCapture.poolLines();
            assertEquals(5, lines.size(), lines::toString);
            assertEquals("[POOL_MANAGER] Claude instance pool configured (min: 2, max: 10)", lines.get(0));
            assertEquals("[POOL] Initializing Claude instance pool (min=2, max=10)", lines.get(1));
            String first = match("\\[POOL] Created new pooled connection " + ID, lines.get(2)).group(1);
            String second = match("\\[POOL] Created new pooled connection " + ID, lines.get(3)).group(1);
            assertNotEquals(first, second, "each connection has its own id");
            assertEquals("[POOL] Claude instance pool initialized successfully with 2 connections", lines.get(4));
            assertEquals(2, pool.stats().availableConnections());
        }
    }

    @Test
    void sequentialRequestsReuseOneConnectionWithGrowingUseCount() {
        try (Pool<TestConnection> pool = Pool.create(PoolConfig.defaults(), factory)) {
            LogCapture.clear();
            String id = null;
            for (int n = 1; n <= 3; n++) {
                try (Lease<TestConnection> lease = pool.acquire()) {
                    id = id == null ? lease.id() : id;
                    assertEquals(id, lease.id(), "the most recently used connection is reused");
                }
            }
            List<String> expected = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                expected.add("[POOL_MANAGER] Acquiring client from pool");
                expected.add("[POOL] Reusing existing connection " + id + " (use_count: " + n + ", pool_size: 2)");
                expected.add("[POOL_MANAGER] Acquired pooled connection " + id + " (use_count: " + n + ")");
                expected.add("[POOL_MANAGER] Releasing connection " + id + " back to pool");
                expected.add("[POOL] Released connection " + id + " back to pool (available: 2, in_use: 0)");
            }
            assertEquals(expected, LogCapture.poolLines());
            assertEquals(2, pool.stats().connectionsCreated(), "sequential requests never create connections");
            assertEquals(3, pool.stats().connectionsReused());
        }
    }

    @Test
    void growthCreatesOneConnectionWhenEveryConnectionIsBusy() {
        try (Pool<TestConnection> pool = Pool.create(PoolConfig.defaults(), factory);
                Lease<TestConnection> first = pool.acquire();
                Lease<TestConnection> second = pool.acquire()) {
            LogCapture.clear();
            try (Lease<TestConnection> third = pool.acquire()) {
                assertEquals(1, third.useCount());
                assertEquals(List.of(
                        "[POOL_MANAGER] Acquiring client from pool",
                        "[POOL] Created new connection " + third.id() + " (total: 3/10)",
                        "[POOL_MANAGER] Acquired pooled connection " + third.id() + " (use_count: 1)"),
                        LogCapture.poolLines());
            }
            assertNotEquals(first.id(), second.id());
        }
    }

    @Test
    void poolAtMaximumTimesOutWithTheCataloguedLineAndCounter() {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory);
                Lease<TestConnection> held = pool.acquire()) {
            LogCapture.clear();
            AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class,
                    () -> pool.acquire(Duration.ofMillis(50)));
            assertEquals("Could not acquire Claude connection within 0.05s timeout (total=1, idle=0, in_use=1, "
                    + "waiting=0)", e.getMessage());
            assertEquals(List.of(
                    "[POOL_MANAGER] Acquiring client from pool",
                    "[POOL] Could not acquire Claude connection within 0.05s timeout"), LogCapture.poolLines());
            assertEquals(1, pool.stats().acquireTimeouts());
            assertTrue(held.connection() != null);
        }
    }

    @Test
    void timeoutSentenceShowsWholeSecondsWithOneDecimal() {
        assertEquals("5.0", Seconds.withDecimal(Duration.ofSeconds(5)));
        assertEquals("0.25", Seconds.withDecimal(Duration.ofMillis(250)));
        assertEquals("300", Seconds.of(Duration.ofSeconds(300)));
        AcquireTimeoutException e = new AcquireTimeoutException("Claude", Duration.ofSeconds(5),
                new dev.poolgate.pool.PoolStats(10, 0, 0, 1, 0, 10, 0, 10, 7), null);
        assertEquals("Could not acquire Claude connection within 5.0s timeout (total=10, idle=0, in_use=10, "
                + "waiting=7)", e.getMessage());
    }

    @Test
    void idleCleanupClosesConnectionsIdleForTheTimeoutDownToMin() {
        ManualClock clock = new ManualClock();
        PoolConfig config = PoolConfig.defaults();
        FairPool<TestConnection> pool = FairPool.start(config, factory, new PoolLog(config), clock);
        try {
            List<Lease<TestConnection>> leases = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                leases.add(pool.acquire());
            }
            leases.forEach(Lease::close);
            LogCapture.clear();
            clock.advance(Duration.ofSeconds(299));
            pool.maintain(clock.nanoTime());
            assertEquals(List.of(), LogCapture.poolLines(), "nothing is idle for 300 s yet");

            clock.advance(Duration.ofSeconds(1));
            pool.maintain(clock.nanoTime());
            List<String> lines = LogCapture.poolLines();
            assertEquals(4, lines.size(), lines::toString);
            String first = match("\\[POOL] Cleaned up idle connection " + ID + " \\(was idle for >=300 seconds\\)",
                    lines.get(0)).group(1);
            assertEquals("[POOL] Destroyed connection " + first + " (total remaining: 3)", lines.get(1));
            String second = match("\\[POOL] Cleaned up idle connection " + ID + " \\(was idle for >=300 seconds\\)",
                    lines.get(2)).group(1);
            assertEquals("[POOL] Destroyed connection " + second + " (total remaining: 2)", lines.get(3));
            assertEquals(2, pool.stats().totalConnections(), "never below min");
        } finally {
            pool.close();
        }
    }

    @Test
    void failedHealthCheckDestroysTheConnectionCountsItAndRefillsToMin() {
        ManualClock clock = new ManualClock();
        PoolConfig config = PoolConfig.defaults();
        FairPool<TestConnection> pool = FairPool.start(config, factory, new PoolLog(config), clock);
        try {
            String sick;
            try (Lease<TestConnection> lease = pool.acquire()) {
                lease.connection().healthy = false;
                sick = lease.id();
            }
            LogCapture.clear();
            clock.advance(Duration.ofSeconds(60));
            pool.maintain(clock.nanoTime());
            Await.until("the pool is back at min", () -> pool.stats().availableConnections() == 2, pool::stats);
            List<String> lines = LogCapture.poolLines();
            assertEquals(3, lines.size(), lines::toString);
            assertEquals("[POOL] Health check failed for connection " + sick, lines.get(0));
            assertEquals("[POOL] Destroyed unhealthy connection " + sick, lines.get(1));
            match("\\[POOL] Created new pooled connection " + ID, lines.get(2));
            assertEquals(1, pool.stats().healthCheckFailures());
        } finally {
            pool.close();
        }
    }

    @Test
    void shutdownDestroysEveryConnectionWithTheCataloguedLines() {
        Pool<TestConnection> pool = Pool.create(PoolConfig.defaults(), factory);
        LogCapture.clear();
        pool.close();
        List<String> lines = LogCapture.poolLines();
        assertEquals(4, lines.size(), lines::toString);
        assertEquals("[POOL] Shutting down Claude instance pool (destroying 2 connections)", lines.get(0));
        match("\\[POOL] Destroyed connection " + ID + " \\(total remaining: 1\\)", lines.get(1));
        match("\\[POOL] Destroyed connection " + ID + " \\(total remaining: 0\\)", lines.get(2));
        assertEquals("[POOL] Claude instance pool shutdown complete", lines.get(3));
        assertEquals(2, factory.destroys.get());
    }

    @Test
    void disabledPoolingCreatesAFreshClientPerRequest() {
        PoolConfig config = PoolConfig.builder().poolingEnabled(false).build();
        try (Pool<TestConnection> pool = Pool.create(config, factory)) {
            assertEquals(List.of(), LogCapture.poolLines(), "nothing is created up front");
            for (int i = 0; i < 3; i++) {
                try (Lease<TestConnection> lease = pool.acquire()) {
                    assertEquals(1, lease.useCount());
                }
            }
            assertEquals(List.of(
                    "[POOL_MANAGER] Creating new client (pooling disabled)",
                    "[POOL_MANAGER] Creating new client (pooling disabled)",
                    "[POOL_MANAGER] Creating new client (pooling disabled)"), LogCapture.poolLines());
            assertEquals(3, factory.creates.get());
            Await.until("the three are destroyed (in the background)", () -> factory.destroys.get() == 3);
            assertEquals(0, pool.stats().totalConnections());
        }
    }

    private static Matcher match(String regex, String line) {
        Matcher matcher = Pattern.compile(regex).matcher(line);
        assertTrue(matcher.matches(), () -> "expected /" + regex + "/ but was: " + line);
        return matcher;
    }
}
