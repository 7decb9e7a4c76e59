package dev.poolgate.server.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.poolgate.testkit.Await;
import dev.poolgate.testkit.RedisServer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis store against a real redis-server, two store objects playing two gateway instances;
 * the scripts take the test's clock instead of Redis's TIME, so lapses and refills need no wait.
 */
class RedisBudgetStoreTest extends BudgetStoreContract {

    private static RedisServer redis;
    private final AtomicLong clock = new AtomicLong(1_000_000);

    @BeforeAll
    static void startRedis() throws Exception {
        assumeTrue(RedisServer.available(), RedisServer.MISSING);
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    BudgetStore[] open() {
        String namespace = "test-" + UUID.randomUUID();
        return new BudgetStore[] {new RedisBudgetStore(redis.url(), namespace, clock::get),
                new RedisBudgetStore(redis.url(), namespace, clock::get)};
    }

    @Override
    void pass(long millis) {
        clock.addAndGet(millis);
    }

    @Test
    void aStoreThatCannotReachRedisSaysSo() {
        try (RedisBudgetStore unreachable = new RedisBudgetStore("redis://127.0.0.1:1", "nowhere")) {
            BudgetStoreException e = assertThrows(BudgetStoreException.class, unreachable::held);
            assertTrue(e.getMessage().startsWith("Redis did not answer"), e.getMessage());
        }
    }

    @Test
    void afterRedisRestartsTheStoreWorksAgainWithoutBeingReopened() throws Exception {
        assertTrue(first.acquire("before", 1, LONG_TTL, in(Duration.ofSeconds(5))));
        redis.restart();
        Await.until("the store answers again", Duration.ofSeconds(10), () -> {
            try {
                return first.held() == 0; // the restarted Redis lost its data
            } catch (BudgetStoreException e) {
                return false;
            }
        });
        assertTrue(second.acquire("after", 1, LONG_TTL, in(Duration.ofSeconds(5))), "scripts are loaded again");
        assertEquals(1, first.held());
    }
}
