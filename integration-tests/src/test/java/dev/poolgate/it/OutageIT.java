package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scenario 7: the stub goes away in the middle of a load and comes back on the same address.
 * Clients get clean errors within the timeouts while it is gone (nothing hangs), and the same
 * server process serves again once it is back.
 */
class OutageIT extends EndToEndTest {

    private static final Set<Integer> OUTAGE_STATUSES = Set.of(502, 503, 529);
    private static final int CLIENTS = 3;
    /** Bounds the load whatever happens: requests per client, and a pause between two. */
    private static final int MAX_REQUESTS_PER_CLIENT = 400;
    private static final Duration PAUSE = Duration.ofMillis(20);

    /** One request of the load, timed on {@link System#nanoTime()}: its reply, or what the client got instead. */
    private record Outcome(long startNanos, long endNanos, Api.Reply reply, RuntimeException failure) {
        boolean ok() {
            return reply != null && reply.status() == 200;
        }
    }

    @Test
    @Timeout(120)
    void clientsGetCleanErrorsDuringAnUpstreamOutageAndTheServerRecoversWithoutARestart() {
        Server server = startServer("--pool-min-size", "2", "--pool-max-size", "4",
                "--pool-acquire-timeout", "1s",
                "--pool-health-check-interval", "500ms",
                "--upstream-connect-timeout", "1s",
                "--upstream-timeout", "5s");
        stub.faults("{\"request_latency_ms\": 100}");

        Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicBoolean loading = new AtomicBoolean(true);
        long stoppedAt;
        long backAt;
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> load = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                load.add(clients.submit(() -> {
                    for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && loading.get(); i++) {
                        long start = System.nanoTime();
                        try {
                            Api.Reply reply = server.api().message("client " + client + " request " + i);
                            outcomes.add(new Outcome(start, System.nanoTime(), reply, null));
                        } catch (RuntimeException e) {
                            outcomes.add(new Outcome(start, System.nanoTime(), null, e));
                        }
                        LockSupport.parkNanos(PAUSE.toNanos());
                    }
                }));
            }
            try {
                awaitOutcomes(outcomes, "6 successes before the outage", o -> o.ok(), 6);
                stoppedAt = System.nanoTime();
                stub.stop();
                awaitOutcomes(outcomes, "9 errors during the outage",
                        o -> !o.ok() && o.startNanos() > stoppedAt, 9);
                stub.restart();
                backAt = System.nanoTime();
                awaitOutcomes(outcomes, "6 successes after the outage", o -> o.ok() && o.startNanos() > backAt, 6);
            } finally {
                loading.set(false);
                load.forEach(task -> result(task, Api.REQUEST_TIMEOUT.plusSeconds(10)));
            }
        }

        System.out.println("OutageIT: " + outcomes.size() + " requests, by status: " + outcomes.stream()
                .collect(Collectors.groupingBy(o -> o.reply() == null ? "no answer" : String.valueOf(o.reply().status()),
                        TreeMap::new, Collectors.counting())));
        // Errors only from the stop until the first success after the restart, and every one clean.
        long recoveredAt = outcomes.stream().filter(o -> o.ok() && o.startNanos() > backAt)
                .mapToLong(Outcome::endNanos).min().orElseThrow();
        for (Outcome outcome : outcomes) {
            if (outcome.failure() != null) {
                throw new AssertionError("A client got no HTTP answer: the gateway hung up or hung", outcome.failure());
            }
            if (outcome.ok()) {
                continue;
            }
            Api.Reply reply = outcome.reply();
            assertTrue(OUTAGE_STATUSES.contains(reply.status()), "not an outage status: " + reply);
            assertTrue(outcome.endNanos() > stoppedAt && outcome.startNanos() < recoveredAt,
                    "an error outside the outage: " + reply);
            JsonNode error = reply.json();
            assertEquals("error", error.path("type").asText(), reply.toString());
            assertTrue(Set.of("api_error", "overloaded_error").contains(error.path("error").path("type").asText()),
                    reply.toString());
            // Within the gateway's own timeouts (acquire 1 s, connect 1 s), with room for a slow machine.
            assertTrue(reply.millis() < 5_000, "an error that took too long: " + reply);
        }

        PoolStats recovered = Await.until("every connection is back in the pool", Duration.ofSeconds(15),
                server::stats, stats -> stats.inUse() == 0 && stats.total() >= 2, server::log);
        assertTrue(recovered.destroyed() >= 2, "the dead connections were destroyed: " + recovered);
        assertTrue(server.isAlive(), "the same server process serves on");
        String text = "after the outage";
        assertTrue(server.api().message(text).text().startsWith(Api.replyPrefix(text)));
    }

    private static void awaitOutcomes(Queue<Outcome> outcomes, String what, Predicate<Outcome> kind,
            int count) {
        Await.until(what, Duration.ofSeconds(30), () -> outcomes.stream().filter(kind).count() >= count);
    }
}
