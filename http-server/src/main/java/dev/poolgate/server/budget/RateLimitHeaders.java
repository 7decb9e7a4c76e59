package dev.poolgate.server.budget;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A named client's own budget as response headers, in the shape of the API's
 * {@code anthropic-ratelimit-*} headers but under the gateway's name, so that they never mix with
 * upstream's (which pass through unchanged): {@code poolgate-ratelimit-requests-limit},
 * {@code -remaining}, {@code -reset} (when the bucket is full again, RFC 3339), and the same for
 * {@code input-tokens} and {@code output-tokens}, for each budget the client has.
 */
final class RateLimitHeaders {

    private RateLimitHeaders() {
    }

    static Map<String, String> of(Rates rates, Verdict verdict, Instant now) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (int kind = 0; kind < 3; kind++) {
            long limit = rates.capacity(kind);
            if (limit == 0 || verdict.remaining()[kind] < 0) {
                continue;
            }
            String prefix = "poolgate-ratelimit-" + Rates.name(kind) + "-";
            headers.put(prefix + "limit", Long.toString(limit));
            headers.put(prefix + "remaining", Long.toString(verdict.remaining()[kind]));
            headers.put(prefix + "reset", now.plusMillis(verdict.resetMillis()[kind]).truncatedTo(ChronoUnit.SECONDS)
                    .toString());
        }
        return Map.copyOf(headers);
    }
}
