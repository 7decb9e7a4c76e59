package dev.poolgate.server.api;

import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolStats;
import dev.poolgate.server.upstream.UpstreamHealth;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Whether the gateway should be sent traffic ({@code /ready}), and if not, why: it is shutting
 * down; no pooled client could be created lately; the latest health check upstream failed; or the
 * pool holds fewer than its minimum of connections (at start-up, or after upstream failures). A
 * liveness probe ({@code /health}) asks only whether the process serves; this asks whether a
 * request would likely succeed.
 */
final class Readiness {

    /**
     * How long a failed creation of a pooled client keeps the gateway unready when none succeeded
     * since. Bounded, so that a gateway whose pool has no minimum (nothing retries creation while
     * no traffic comes) turns ready again and lets a request try.
     */
    static final Duration RECENT_FAILURE = Duration.ofSeconds(30);

    /** The answer: ready, or the reason code and a sentence for the operator. */
    record Verdict(boolean ready, String reason, String message) {
    }

    private static final Verdict READY = new Verdict(true, null, null);

    private final Pool<?> pool;
    private final UpstreamHealth<?> upstream;
    private final BooleanSupplier shuttingDown;
    private final LongSupplier nanoClock;

    Readiness(Pool<?> pool, UpstreamHealth<?> upstream, BooleanSupplier shuttingDown, LongSupplier nanoClock) {
        if (pool == null || upstream == null || shuttingDown == null || nanoClock == null) {
            throw new IllegalArgumentException("pool, upstream, shuttingDown and nanoClock must not be null");
        }
        this.pool = pool;
        this.upstream = upstream;
        this.shuttingDown = shuttingDown;
        this.nanoClock = nanoClock;
    }

    Verdict check() {
        if (shuttingDown.getAsBoolean()) {
            return new Verdict(false, "shutting_down", "The gateway is shutting down and refuses new requests");
        }
        if (upstream.creationFailingSince(nanoClock.getAsLong(), RECENT_FAILURE.toNanos())) {
            return new Verdict(false, "upstream_unreachable", "No upstream client could be created in the last "
                    + RECENT_FAILURE.toSeconds() + " s; check that the upstream is reachable and accepts the key");
        }
        if (upstream.healthCheckFailing()) {
            return new Verdict(false, "upstream_health_check_failing", "The latest health check of a pooled "
                    + "client upstream failed");
        }
        if (pool.config().poolingEnabled()) {
            PoolStats stats = pool.stats();
            int min = pool.config().minSize();
            if (stats.totalConnections() < min) {
                return new Verdict(false, "pool_below_minimum", stats.totalConnections() + " of the pool's " + min
                        + " minimum connections exist; the pool keeps creating them");
            }
        }
        return READY;
    }
}
