package dev.poolgate.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolStats;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registry behind {@link Metrics}: each instance has its own (gateways share a JVM in tests
 * and embedders), and a scrape reads the pool's stats once, so its gauges and counters agree.
 */
@Timeout(10)
class MetricsTest {

    @Test
    void eachInstanceKeepsItsOwnSeries() {
        Metrics first = new Metrics();
        Metrics second = new Metrics();
        first.requestAnswered("/v1/messages", 200, true);
        first.upstreamRetried();

        assertTrue(first.scrape().contains(
                "poolgate_http_requests_total{origin=\"upstream\",route=\"/v1/messages\",status=\"200\"} 1.0\n"));
        assertTrue(first.scrape().contains("\npoolgate_upstream_retries_total 1.0\n"));
        String other = second.scrape();
        assertFalse(other.contains("poolgate_http_requests_total{"), other);
        assertTrue(other.contains("\npoolgate_upstream_retries_total 0.0\n"), other);
        assertTrue(other.contains("\njvm_threads_current "), "the JVM series are in every instance's registry");
    }

    @Test
    void aScrapeReadsThePoolStatsOnce() {
        CountingPool pool = new CountingPool();
        Metrics metrics = new Metrics();
        metrics.pool(pool);

        String text = metrics.scrape();

        assertEquals(1, pool.reads.get(), "one PoolStats snapshot per scrape");
        assertTrue(text.contains("\npoolgate_pool_connections_created_total 1.0\n"), text);
        assertTrue(text.contains("\npoolgate_pool_connections 1.0\n"), text);
        metrics.scrape();
        assertEquals(2, pool.reads.get());
    }

    @Test
    void theBucketBoundsAreTheGatewaysOwn() {
        Metrics metrics = new Metrics();
        metrics.acquireWaited(50_000);

        String text = metrics.scrape();

        assertTrue(text.contains("\npoolgate_pool_acquire_wait_seconds_bucket{le=\"1.0E-4\"} 1\n"), text);
        assertTrue(text.contains("\npoolgate_pool_acquire_wait_seconds_bucket{le=\"10.0\"} 1\n"), text);
        assertTrue(text.contains("\npoolgate_stream_first_token_seconds_bucket{le=\"300.0\"} 0\n"), text);
        assertTrue(text.contains("\npoolgate_upstream_response_seconds_bucket{le=\"60.0\"} 0\n"), text);
        assertFalse(text.contains("poolgate_upstream_response_seconds_bucket{le=\"120.0\"}"), text);
    }

    /** A pool that only answers stats() and config(), counting the stats() calls; each call differs. */
    private static final class CountingPool implements Pool<Object> {

        final AtomicInteger reads = new AtomicInteger();
        private final PoolConfig config = PoolConfig.builder().build();

        @Override
        public PoolStats stats() {
            int n = reads.incrementAndGet();
            return new PoolStats(n, 0, 0, 0, 0, n, n, 0, 0);
        }

        @Override
        public PoolConfig config() {
            return config;
        }

        @Override
        public Lease<Object> acquire() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Lease<Object> acquire(Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void release(Lease<Object> lease) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }
}
