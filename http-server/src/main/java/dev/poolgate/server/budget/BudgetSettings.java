package dev.poolgate.server.budget;

import java.time.Duration;
import java.util.Objects;

/**
 * How the upstream budget is kept: where (in this process, or in Redis for every instance), the
 * concurrency limit, the upstream key's per-minute rates, and what happens when Redis is down.
 *
 * @param redisUrl the shared store, or null for this instance alone
 * @param maxInFlight upstream requests at once over every instance; 0 for no limit
 * @param permitTtl how long a permit outlives an instance that stopped renewing it (a crash)
 * @param upstream the upstream key's per-minute budgets
 * @param failOpen when Redis cannot be reached: admit without the shared budget (true) or refuse
 */
public record BudgetSettings(String redisUrl, int maxInFlight, Duration permitTtl, Rates upstream,
        boolean failOpen) {

    /** No limits, kept in this process: the gateway's behaviour before cluster mode. */
    public static final BudgetSettings NONE = new BudgetSettings(null, 0, Duration.ofSeconds(30), Rates.NONE, true);

    public BudgetSettings {
        Objects.requireNonNull(permitTtl, "permitTtl");
        Objects.requireNonNull(upstream, "upstream: Rates.NONE for no per-minute budget");
        if (maxInFlight < 0) {
            throw new IllegalArgumentException("maxInFlight must be 0 (no limit) or positive, was " + maxInFlight);
        }
        if (permitTtl.compareTo(Duration.ofSeconds(1)) < 0 || permitTtl.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("The permit time to live must be 1s to 1h, was " + permitTtl);
        }
        if (redisUrl != null) {
            RedisUrls.check(redisUrl);
        }
    }

    /** Whether any limit is set: else the gateway takes no budget step at all. */
    public boolean limited() {
        return maxInFlight > 0 || upstream.limited();
    }

    /** Never prints the Redis password. */
    @Override
    public String toString() {
        return "BudgetSettings[redisUrl=" + (redisUrl == null ? "none" : RedisUrls.redacted(redisUrl))
                + ", maxInFlight=" + maxInFlight + ", permitTtl=" + permitTtl + ", upstream=" + upstream
                + ", failOpen=" + failOpen + "]";
    }
}
