package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Durations at their limits: a setting beyond 100 years is refused by build() with the fix (the
 * pool's nanosecond arithmetic could overflow), and an acquire given "forever" waits instead of
 * failing with an ArithmeticException; close() stays idempotent after it.
 */
@Timeout(30)
class DurationLimitsTest {

    private static final Duration TOO_LONG = Duration.ofDays(36_501);

    @ParameterizedTest
    @ValueSource(strings = {"acquireTimeout", "idleTimeout", "healthCheckInterval", "maxLifetime",
        "leakDetectionThreshold", "drainTimeout"})
    void aSettingBeyondACenturyIsRefusedByBuild(String setting) {
        UnaryOperator<PoolConfig.Builder> set = switch (setting) {
            case "acquireTimeout" -> builder -> builder.acquireTimeout(TOO_LONG);
            case "idleTimeout" -> builder -> builder.idleTimeout(TOO_LONG);
            case "healthCheckInterval" -> builder -> builder.healthCheckInterval(TOO_LONG);
            case "maxLifetime" -> builder -> builder.maxLifetime(TOO_LONG);
            case "leakDetectionThreshold" -> builder -> builder.leakDetectionThreshold(TOO_LONG);
            default -> builder -> builder.drainTimeout(TOO_LONG);
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> set.apply(PoolConfig.builder()).build());
        assertTrue(e.getMessage().startsWith(setting + " must be at most 36500 days"), e.getMessage());
        assertTrue(e.getMessage().contains("pass a shorter duration"), e.getMessage());
    }

    @Test
    void aCenturyItselfIsAccepted() {
        Duration century = Duration.ofDays(36_500);
        PoolConfig config = PoolConfig.builder().acquireTimeout(century).idleTimeout(century)
                .healthCheckInterval(century).maxLifetime(century).leakDetectionThreshold(century)
                .drainTimeout(century).build();
        assertEquals(century, config.acquireTimeout());
    }

    @Test
    void anAcquireGivenForeverWaitsAndIsServed() throws Exception {
        TestFactory factory = new TestFactory();
        Pool<TestConnection> pool = Pool.create(PoolConfig.builder().name("forever").minSize(0).maxSize(1).build(),
                factory);
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
        Lease<TestConnection> first = pool.acquire(forever);
        CompletableFuture<Lease<TestConnection>> waiter = CompletableFuture.supplyAsync(() -> pool.acquire(forever),
                command -> Thread.ofVirtual().start(command));
        Await.until("the second caller waits", () -> pool.stats().waitingAcquirers() == 1);
        first.close();
        waiter.get().close();
        pool.close();
        pool.close();
        assertEquals(factory.creates.get(), factory.destroys.get(), "every connection destroyed exactly once");
    }
}
