package dev.poolgate.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How often and how patiently the gateway sends a request upstream again when the connection
 * failed before any answer or upstream answered 429 or 529 (see the README's "Upstream faults and
 * retries"). Off unless {@link #retries()} is above 0.
 *
 * @param retries how many times one request may be sent again, 0 (off) to {@value #MAX_RETRIES}
 * @param backoff the wait before the first retry; it doubles with each retry after
 * @param maxBackoff the longest wait before a retry; upstream asking for a longer one gets no retry
 */
public record UpstreamRetries(int retries, Duration backoff, Duration maxBackoff) {

    /** The most retries one request may take. */
    public static final int MAX_RETRIES = 10;
    /** No retries (the default), with the default backoffs should they be turned on. */
    public static final UpstreamRetries OFF = new UpstreamRetries(0, Duration.ofMillis(500), Duration.ofSeconds(8));

    public UpstreamRetries {
        Objects.requireNonNull(backoff, "backoff must not be null; pass the wait before the first retry");
        Objects.requireNonNull(maxBackoff, "maxBackoff must not be null; pass the longest wait before a retry");
        if (retries < 0 || retries > MAX_RETRIES) {
            throw new IllegalArgumentException("retries must be from 0 (off) to " + MAX_RETRIES + ", but was "
                    + retries);
        }
        if (backoff.isNegative() || backoff.isZero()) {
            throw new IllegalArgumentException("backoff must be > 0, but was " + backoff);
        }
        if (maxBackoff.compareTo(backoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must be >= backoff (" + backoff + "), but was "
                    + maxBackoff + "; raise maxBackoff or lower backoff");
        }
    }

    /** Whether any retry may happen. */
    public boolean enabled() {
        return retries > 0;
    }
}
