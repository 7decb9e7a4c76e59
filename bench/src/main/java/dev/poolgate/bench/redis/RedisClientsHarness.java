package dev.poolgate.bench.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.RedisClient;

/**
 * Compares the two well-kept Redis clients of Maven Central for cluster mode's calls: many virtual
 * threads each running the permit script (take a permit if one is free, else nothing) and the
 * release command, as the gateway does around every upstream request. Reports calls per second
 * and the p50/p99 latency of a call, per client, in alternating rounds.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar dev.poolgate.bench.redis.RedisClientsHarness
 * [redis-url] [threads] [seconds] [rounds]}, against a running {@code redis-server}.
 */
public final class RedisClientsHarness {

    /** Takes a permit when fewer than ARGV[1] are held; holders expire at ARGV[2] ms from now. */
    static final String ACQUIRE = """
            local now = redis.call('TIME')
            local ms = now[1] * 1000 + math.floor(now[2] / 1000)
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
            if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
              redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[2]), ARGV[3])
              return 1
            end
            return 0
            """;

    private RedisClientsHarness() {
    }

    /** One client's two calls. */
    interface Calls extends AutoCloseable {
        long acquire(String holder);

        void release(String holder);

        @Override
        void close();
    }

    static Calls jedis(String url, int connections) {
        ConnectionPoolConfig config = new ConnectionPoolConfig();
        config.setMaxTotal(connections);
        config.setMaxIdle(connections);
        RedisClient jedis = RedisClient.builder().fromURI(url).poolConfig(config).build();
        String sha = jedis.scriptLoad(ACQUIRE);
        return new Calls() {
            public long acquire(String holder) {
                return (Long) jedis.evalsha(sha, List.of("bench:permits"), List.of("1000000", "30000", holder));
            }

            public void release(String holder) {
                jedis.zrem("bench:permits", holder);
            }

            public void close() {
                jedis.close();
            }
        };
    }

    static Calls lettuce(String url) {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(url);
        StatefulRedisConnection<String, String> connection = client.connect();
        RedisCommands<String, String> commands = connection.sync();
        String sha = commands.scriptLoad(ACQUIRE);
        return new Calls() {
            public long acquire(String holder) {
                return commands.evalsha(sha, ScriptOutputType.INTEGER, new String[] {"bench:permits"}, "1000000",
                        "30000", holder);
            }

            public void release(String holder) {
                commands.zrem("bench:permits", holder);
            }

            public void close() {
                connection.close();
                client.shutdown();
            }
        };
    }

    record Result(String name, double callsPerSecond, double p50Micros, double p99Micros) {
        @Override
        public String toString() {
            return String.format("%-8s %10.0f calls/s  p50 %7.1f us  p99 %8.1f us", name, callsPerSecond, p50Micros,
                    p99Micros);
        }
    }

    static Result run(String name, Supplier<Calls> factory, int threads, Duration duration) throws Exception {
        try (Calls calls = factory.get(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 2_000; i++) { // warm-up
                calls.acquire("warm");
                calls.release("warm");
            }
            AtomicLong done = new AtomicLong();
            List<long[]> samples = new ArrayList<>();
            CountDownLatch finished = new CountDownLatch(threads);
            long end = System.nanoTime() + duration.toNanos();
            for (int t = 0; t < threads; t++) {
                long[] latencies = new long[2_000_000];
                samples.add(latencies);
                String holder = "holder-" + t;
                pool.submit(() -> {
                    int n = 0;
                    while (System.nanoTime() < end && n < latencies.length) {
                        long start = System.nanoTime();
                        calls.acquire(holder);
                        calls.release(holder);
                        latencies[n++] = System.nanoTime() - start;
                    }
                    latencies[latencies.length - 1] = n;
                    done.addAndGet(n);
                    finished.countDown();
                    return null;
                });
            }
            finished.await();
            long[] all = samples.stream().flatMapToLong(l -> Arrays.stream(l, 0, (int) l[l.length - 1])).sorted()
                    .toArray();
            return new Result(name, done.get() / (duration.toNanos() / 1e9), all[all.length / 2] / 1e3,
                    all[(int) (all.length * 0.99)] / 1e3);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "redis://127.0.0.1:6379";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Duration duration = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 5);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        for (int round = 1; round <= rounds; round++) {
            System.out.println("round " + round + ", " + threads + " virtual threads, " + duration.toSeconds() + " s");
            System.out.println("  " + run("jedis", () -> jedis(url, 16), threads, duration));
            System.out.println("  " + run("lettuce", () -> lettuce(url), threads, duration));
        }
    }
}
