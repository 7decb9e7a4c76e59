package dev.poolgate.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.api.RetryPolicy.Decision;
import dev.poolgate.server.config.UpstreamRetries;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The retry decisions, on a fixed random source, a fixed clock and a sleeper that only records. */
@Timeout(10)
class RetryPolicyTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    /** 3 retries, 100 ms doubling up to 1 s. */
    private static final UpstreamRetries THREE = new UpstreamRetries(3, Duration.ofMillis(100), Duration.ofSeconds(1));

    private final List<Duration> slept = new ArrayList<>();

    private RetryPolicy policy(UpstreamRetries settings, double random) {
        return new RetryPolicy(settings, () -> random, CLOCK, slept::add);
    }

    private static Map<String, List<String>> headers(String... namesAndValues) {
        Map<String, List<String>> headers = new java.util.HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.put(namesAndValues[i], List.of(namesAndValues[i + 1]));
        }
        return headers;
    }

    @Test
    void nothingIsRetriedWhileRetriesAreOff() {
        RetryPolicy off = policy(UpstreamRetries.OFF, 0);

        assertFalse(off.afterConnectionFailure(1).retry());
        assertFalse(off.afterAnswer(1, 429, headers("retry-after", "0")).retry());
        assertFalse(off.afterAnswer(1, 529, headers("x-should-retry", "true")).retry());
        assertEquals("retries are off", off.afterAnswer(1, 529, Map.of()).reason());
    }

    @Test
    void connectionFailuresBackOffExponentiallyUpToTheMaxThenGiveUp() {
        RetryPolicy policy = policy(new UpstreamRetries(6, Duration.ofMillis(100), Duration.ofMillis(1_000)), 0);

        List<Long> delays = new ArrayList<>();
        for (int attempt = 1; attempt <= 6; attempt++) {
            Decision decision = policy.afterConnectionFailure(attempt);
            assertTrue(decision.retry(), decision::reason);
            delays.add(decision.delay().toMillis());
        }

        assertEquals(List.of(100L, 200L, 400L, 800L, 1_000L, 1_000L), delays);
        Decision seventh = policy.afterConnectionFailure(7);
        assertFalse(seventh.retry());
        assertEquals("all 6 retries were used", seventh.reason());
    }

    @Test
    void jitterTakesOffUpToAQuarterOfTheBackoff() {
        assertEquals(Duration.ofMillis(400), policy(THREE, 0.0).backoff(3));
        assertEquals(Duration.ofMillis(350), policy(THREE, 0.5).backoff(3));
        assertEquals(Duration.ofNanos(300_000_100L), policy(THREE, 0.999999).backoff(3));

        Random random = new Random(42);
        RetryPolicy jittered = new RetryPolicy(THREE, random::nextDouble, CLOCK, slept::add);
        Set<Duration> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            Duration delay = jittered.afterConnectionFailure(2).delay();
            assertTrue(delay.compareTo(Duration.ofMillis(150)) > 0 && delay.compareTo(Duration.ofMillis(200)) <= 0,
                    () -> "retry 2 of 100 ms doubling: " + delay);
            seen.add(delay);
        }
        assertTrue(seen.size() > 900, "jitter spreads the delays: " + seen.size() + " distinct of 1000");
    }

    @Test
    void a429AndA529AreRetriedAndOtherStatusesAreNot() {
        RetryPolicy policy = policy(THREE, 0);

        assertEquals(Decision.retryAfter(Duration.ofMillis(100), "upstream answered 429"),
                policy.afterAnswer(1, 429, Map.of()));
        assertEquals(Decision.retryAfter(Duration.ofMillis(200), "upstream answered 529"),
                policy.afterAnswer(2, 529, Map.of()));
        for (int status : new int[] {400, 401, 404, 408, 413, 500, 502, 503, 504}) {
            assertFalse(policy.afterAnswer(1, status, Map.of()).retry(), () -> "status " + status);
        }
        assertFalse(policy.afterAnswer(1, 200, Map.of()).retry());
    }

    @Test
    void xShouldRetryDecidesOverTheStatus() {
        RetryPolicy policy = policy(THREE, 0);

        assertFalse(policy.afterAnswer(1, 429, headers("x-should-retry", "false")).retry());
        assertFalse(policy.afterAnswer(1, 529, headers("x-should-retry", "FALSE")).retry());
        assertEquals("upstream answered 529 with x-should-retry: false",
                policy.afterAnswer(1, 529, headers("x-should-retry", "false")).reason());
        assertTrue(policy.afterAnswer(1, 500, headers("x-should-retry", "true")).retry());
        assertTrue(policy.afterAnswer(1, 503, headers("x-should-retry", " True ")).retry());
        assertTrue(policy.afterAnswer(1, 429, headers("x-should-retry", "true")).retry());
        assertFalse(policy.afterAnswer(4, 500, headers("x-should-retry", "true")).retry(), "retries still count");
    }

    @Test
    void retryAfterIsWaitedExactlyWithoutJitter() {
        RetryPolicy policy = policy(new UpstreamRetries(3, Duration.ofMillis(100), Duration.ofSeconds(8)), 0.9);

        assertEquals(Duration.ofSeconds(2), policy.afterAnswer(1, 429, headers("retry-after", "2")).delay());
        assertEquals(Duration.ofMillis(1_500), policy.afterAnswer(1, 429, headers("retry-after", "1.5")).delay());
        assertEquals(Duration.ZERO, policy.afterAnswer(1, 529, headers("retry-after", "0")).delay());
        assertEquals(Duration.ofMillis(250), policy.afterAnswer(1, 429,
                headers("retry-after-ms", "250", "retry-after", "3")).delay(), "retry-after-ms wins");
        assertEquals(Duration.ofSeconds(5), policy.afterAnswer(1, 429,
                headers("retry-after", "Sun, 01 Mar 2026 12:00:05 GMT")).delay(), "an HTTP date");
        assertEquals(Duration.ZERO, policy.afterAnswer(1, 429,
                headers("retry-after", "Sun, 01 Mar 2026 11:00:00 GMT")).delay(), "a date in the past");
        Duration jittered = Duration.ofNanos(Math.round(100_000_000 * (1 - 0.25 * 0.9)));
        for (String nonsense : new String[] {"soon", "-3", "", "1,5"}) {
            assertEquals(jittered, policy.afterAnswer(1, 429, headers("retry-after", nonsense)).delay(),
                    () -> "retry-after '" + nonsense + "' is ignored for the backoff");
        }
    }

    @Test
    void aRetryAfterLongerThanTheMaxBackoffIsNotRetried() {
        RetryPolicy policy = policy(new UpstreamRetries(3, Duration.ofMillis(100), Duration.ofSeconds(8)), 0);

        Decision tooLong = policy.afterAnswer(1, 429, headers("retry-after", "60"));
        assertFalse(tooLong.retry());
        assertEquals("upstream answered 429 asking for a wait of 60000 ms, longer than the max backoff of 8000 ms",
                tooLong.reason());
        assertFalse(policy.afterAnswer(1, 529, headers("retry-after-ms", "8001")).retry());
        assertFalse(policy.afterAnswer(1, 529, headers("retry-after", "99999999999999999999")).retry());
        assertTrue(policy.afterAnswer(1, 429, headers("retry-after", "8")).retry(), "exactly the max is waited");
    }

    @Test
    void sleepWaitsOnlyThroughTheSleeperAndNotForZero() throws InterruptedException {
        RetryPolicy policy = policy(THREE, 0);

        policy.sleep(Duration.ofMillis(350));
        policy.sleep(Duration.ZERO);

        assertEquals(List.of(Duration.ofMillis(350)), slept);
    }

    @Test
    void badArgumentsAreRefusedWithTheFix() {
        RetryPolicy policy = policy(THREE, 0);
        assertEquals("attempt must be >= 1 (the first attempt is 1), but was 0",
                assertThrows(IllegalArgumentException.class, () -> policy.afterConnectionFailure(0)).getMessage());
        assertThrows(IllegalStateException.class, () -> policy(THREE, 1.0).backoff(1));
        assertThrows(NullPointerException.class, () -> new RetryPolicy(THREE, null, CLOCK, slept::add));
        assertEquals("retries must be from 0 (off) to 10, but was 11", assertThrows(IllegalArgumentException.class,
                () -> new UpstreamRetries(11, Duration.ofMillis(1), Duration.ofMillis(1))).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new UpstreamRetries(1, Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new UpstreamRetries(1, Duration.ZERO, Duration.ofSeconds(1)));
    }
}
