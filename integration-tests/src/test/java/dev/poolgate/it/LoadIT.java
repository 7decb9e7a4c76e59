package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scenarios 3 and 4: concurrent requests grow the pool up to max and never beyond, and requests
 * past the acquire timeout get an overloaded error without leaking a connection.
 */
class LoadIT extends EndToEndTest {

    @Test
    @Timeout(60)
    void concurrentRequestsGrowThePoolToMaxButNeverBeyondThenReuseIt() {
        Server server = startServer("--pool-min-size", "2", "--pool-max-size", "4");
        stub.faults("{\"request_latency_ms\": 400}");

        List<PoolStats> samples;
        List<Api.Reply> replies;
        try (StatsSampler sampler = new StatsSampler(server)) {
            replies = concurrently(8, i -> server.api().message("concurrent request " + i));
            samples = sampler.samples();
        }
        for (int i = 0; i < replies.size(); i++) {
            assertTrue(replies.get(i).text().startsWith(Api.replyPrefix("concurrent request " + i)));
        }
        assertTrue(samples.size() >= 5, "the load was sampled: " + samples);
        samples.forEach(sample -> sample.assertConsistent(4));
        assertEquals(4, samples.stream().mapToLong(PoolStats::total).max().orElseThrow(),
                "the pool grew to its max of 4 under the load: " + samples);

        // One "Created new connection" line per connection added, with totals 3/4 and 4/4 (their
        // order may differ, since the two creations run at once), each handed out at once.
        List<String> log = server.log();
        List<String> grown = captured(log, "\\[POOL\\] Created new connection (" + ID + ") \\(total: [34]/4\\)");
        assertEquals(2, grown.size(), "growth lines: " + server.log("[POOL] Created new connection "));
        assertEquals(List.of("3/4", "4/4"), captured(log, "\\[POOL\\] Created new connection " + ID
                + " \\(total: (\\d/4)\\)").stream().sorted().toList());
        for (String id : grown) {
            assertTrue(log.contains("[POOL_MANAGER] Acquired pooled connection " + id + " (use_count: 1)"), id);
        }

        // Then the grown pool serves the same load again without creating anything.
        server.awaitLog("[POOL] Released connection ", 8, Duration.ofSeconds(10));
        int reusedBefore = server.log("[POOL] Reusing existing connection ").size();
        List<Api.Reply> again = concurrently(4, i -> server.api().message("second wave " + i));
        again.forEach(reply -> assertEquals(200, reply.status(), reply.toString()));
        server.awaitLog("[POOL] Released connection ", 12, Duration.ofSeconds(10));
        assertEquals(reusedBefore + 4, server.log("[POOL] Reusing existing connection ").size());
        assertEquals(2, server.log("[POOL] Created new connection ").size(), "nothing created in the second wave");

        PoolStats stats = server.stats();
        assertEquals(4, stats.created());
        assertEquals(4, stats.total());
        assertEquals(0, stats.inUse());
        assertEquals(List.of(), server.problems(), "warnings or errors in " + server.logFile());
    }

    @Test
    @Timeout(60)
    void requestsPastTheAcquireTimeoutGetOverloadedErrorsAndLeakNothing() {
        Server server = startServer("--pool-min-size", "2", "--pool-max-size", "2", "--pool-acquire-timeout", "500ms");
        stub.faults("{\"request_latency_ms\": 2500}");

        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Api.Reply>> holders = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String text = "slow request " + i;
                holders.add(clients.submit(() -> server.api().message(text)));
            }
            Await.until("both connections are in use", Duration.ofSeconds(10), () -> server.stats().inUse() == 2);

            List<Api.Reply> rejected = concurrently(3, i -> server.api().message("one too many " + i));
            for (Api.Reply reply : rejected) {
                assertTrue(reply.status() == 529 || reply.status() == 503, reply.toString());
                JsonNode error = reply.json();
                assertEquals("error", error.path("type").asText(), reply.toString());
                assertEquals("overloaded_error", error.path("error").path("type").asText(), reply.toString());
                assertTrue(error.path("error").path("message").asText().length() > 10, reply.toString());
                String retryAfter = reply.headers().firstValue("retry-after").orElseThrow(
                        () -> new AssertionError("no retry-after header: " + reply));
                assertTrue(retryAfter.matches("\\d+"), retryAfter);
                assertTrue(reply.millis() >= 450 && reply.millis() < 2000,
                        "rejected after the 0.5 s acquire timeout, long before a connection frees up: " + reply);
            }
            for (Future<Api.Reply> holder : holders) {
                assertEquals(200, result(holder, Duration.ofSeconds(20)).status());
            }
        }

        assertEquals(Collections.nCopies(3, "[POOL] Could not acquire Claude connection within 0.5s timeout"),
                server.log("[POOL] Could not acquire "));
        PoolStats stats = Await.until("both connections are back", Duration.ofSeconds(10), server::stats,
                s -> s.inUse() == 0, () -> "");
        assertEquals(new PoolStats(true, 2, 0, 2, 3, 0, 2, 2, 0), stats, "nothing leaked, 3 timeouts counted");
    }

    /** Samples /pool/stats every 20 ms on a virtual thread while a load runs. */
    private static final class StatsSampler implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final CompletableFuture<List<PoolStats>> samples = new CompletableFuture<>();

        StatsSampler(Server server) {
            Thread.ofVirtual().name("stats-sampler").start(() -> {
                List<PoolStats> taken = new ArrayList<>();
                try (Api api = new Api(server.uri())) {
                    while (running.get()) {
                        taken.add(api.stats());
                        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                    }
                    samples.complete(taken);
                } catch (RuntimeException | AssertionError e) {
                    samples.completeExceptionally(e);
                }
            });
        }

        List<PoolStats> samples() {
            running.set(false);
            return result(samples, Duration.ofSeconds(30));
        }

        @Override
        public void close() {
            running.set(false);
        }
    }
}
