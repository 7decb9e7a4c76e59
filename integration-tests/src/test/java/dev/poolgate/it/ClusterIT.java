package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.poolgate.testkit.Await;
import dev.poolgate.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cluster mode end to end: three gateway processes (the real jar) share one upstream budget in
 * one Redis (a container built from local files, like the stub's) in front of one stub. The stub's
 * own count of API requests at once is the judge: it never exceeds {@code --cluster-max-in-flight}
 * however the load spreads; Redis restarted mid-load loses no request under the open policy, and
 * the limit holds again afterwards; an instance killed with SIGKILL gives its permits back within
 * their time to live.
 */
@Timeout(300)
class ClusterIT {

    private static final int LIMIT = 3;
    private static SharedRedis redis;

    @BeforeAll
    static void startRedis() throws Exception {
        assumeTrue(RedisServer.available(), RedisServer.MISSING);
        redis = SharedRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static Server instance(String name, Stub stub, String... flags) {
        List<String> all = new ArrayList<>(List.of("--cluster-redis-url", redis.url(), "--cluster-max-in-flight",
                Integer.toString(LIMIT), "--pool-max-size", "4", "--pool-acquire-timeout", "60s"));
        all.addAll(List.of(flags));
        return Server.start(name, stub, all.toArray(String[]::new));
    }

    /** Sends {@code count} messages at once, spread over {@code servers}; returns their statuses. */
    private static List<Integer> burst(List<Server> servers, int count) throws Exception {
        List<CompletableFuture<Integer>> replies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Server server = servers.get(i % servers.size());
            String text = "burst " + i;
            replies.add(CompletableFuture.supplyAsync(() -> server.api().message(text).status(),
                    command -> Thread.ofVirtual().start(command)));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<Integer> reply : replies) {
            statuses.add(reply.get());
        }
        return statuses;
    }

    /** A gauge of the instance's /metrics, or -2 when it has none. */
    private static long gauge(Server server, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + " (-?\\d+)").matcher(server.api().get("/metrics").body());
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -2;
    }

    private static int peak(Stub stub) {
        return stub.requestStats().path("api_in_flight_peak").asInt(-1);
    }

    @Test
    void threeInstancesNeverSendMoreRequestsAtOnceThanTheLimit() throws Exception {
        try (Stub stub = Stub.start("cluster-limit");
             Server a = instance("cluster-a", stub);
             Server b = instance("cluster-b", stub);
             Server c = instance("cluster-c", stub)) {
            stub.faults("{\"request_latency_ms\": 200}");
            List<Integer> statuses = burst(List.of(a, b, c), 24);
            assertEquals(24, statuses.stream().filter(status -> status == 200).count(), statuses::toString);
            assertEquals(LIMIT, peak(stub), "the stub's most API requests at once: the limit, reached and held");
        }
    }

    @Test
    void redisRestartedMidLoadLosesNoRequestAndTheLimitHoldsAgain() throws Exception {
        try (Stub stub = Stub.start("cluster-outage");
             Server a = instance("outage-a", stub);
             Server b = instance("outage-b", stub)) {
            stub.faults("{\"request_latency_ms\": 20}");
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger done = new AtomicInteger();
            ConcurrentLinkedQueue<Integer> failures = new ConcurrentLinkedQueue<>();
            List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Server server = t % 2 == 0 ? a : b;
                load.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        int status = server.api().message("steady").status();
                        if (status != 200) {
                            failures.add(status);
                        }
                        done.incrementAndGet();
                    }
                }));
            }
            try {
                Await.until("requests flow", Duration.ofSeconds(30), () -> done.get() >= 20);
                redis.stop();
                int before = done.get();
                Await.until("requests flow while Redis is away", Duration.ofSeconds(60), () -> done.get() >= before + 20);
                redis.restart();
                int after = done.get();
                Await.until("requests flow after Redis came back", Duration.ofSeconds(60),
                        () -> done.get() >= after + 20);
            } finally {
                running.set(false);
                for (Thread thread : load) {
                    thread.join();
                }
            }
            assertTrue(failures.isEmpty(), "requests lost under the open policy: " + failures);
            assertTrue(a.problems().stream().anyMatch(line -> line.contains("[CLUSTER] The shared budget store is "
                    + "unreachable")) || b.problems().stream().anyMatch(line -> line.contains("[CLUSTER]")),
                    "an instance said Redis was away");

            stub.stop();
            stub.restart(); // a fresh count of requests at once
            // The instances' pooled connections went with the old stub: one request each finds out.
            a.api().message("warm");
            b.api().message("warm");
            stub.faults("{\"request_latency_ms\": 200}");
            List<Integer> statuses = burst(List.of(a, b), 16);
            assertEquals(16, statuses.stream().filter(status -> status == 200).count(), statuses::toString);
            assertEquals(LIMIT, peak(stub), "the limit holds again with the restarted Redis");
        }
    }

    @Test
    void aKilledInstancesPermitsComeBackWithinTheirTimeToLive() throws Exception {
        try (Stub stub = Stub.start("cluster-kill");
             Server doomed = instance("kill-doomed", stub, "--cluster-permit-ttl", "3s");
             Server survivor = instance("kill-survivor", stub, "--cluster-permit-ttl", "3s")) {
            stub.faults("{\"request_latency_ms\": 2000}");
            List<CompletableFuture<Integer>> held = new ArrayList<>();
            for (int i = 0; i < LIMIT; i++) {
                held.add(CompletableFuture.supplyAsync(() -> doomed.api().message("held").status(),
                        command -> Thread.ofVirtual().start(command)));
            }
            Await.until("the doomed instance holds every permit", Duration.ofSeconds(30),
                    () -> gauge(survivor, "poolgate_cluster_permits_in_flight") == LIMIT);
            ProcessHandle.of(doomed.pid()).ifPresent(ProcessHandle::destroyForcibly);
            Await.until("the doomed instance is gone", Duration.ofSeconds(30), () -> !doomed.isAlive());
            assertEquals(200, survivor.api().message("after the crash").status(),
                    "the survivor got a permit once the dead instance's lapsed");
        }
    }
}
