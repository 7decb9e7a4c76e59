package dev.poolgate.server.budget;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The budget shared by every gateway instance, in Redis: each decision is one Lua script, so it
 * is atomic however many instances ask at once, and its clock is Redis's own {@code TIME}, so
 * instances need no synchronised clocks.
 *
 * <p>Permits: a sorted set of holders scored by when their lease lapses (a crashed instance's
 * permits come back at most one time to live later), and a line of waiters scored by arrival
 * (an {@code INCR} counter), served strictly first come, first served across instances. A waiter
 * shows it is alive by asking again; one that stopped asking for {@link #WAITER_TTL_MILLIS} is
 * dropped from the head of the line. A release is published on a channel that every instance
 * listens to, so waiters ask again at once rather than at their next poll.
 *
 * <p>Rates: one hash per bucket ({@code level}, {@code at}), with the arithmetic of
 * {@link TokenBuckets}. Keys share one hash tag, so a Redis Cluster keeps them in one slot.
 */
final class RedisBudgetStore implements BudgetStore {

    private static final Logger LOG = LoggerFactory.getLogger("dev.poolgate.server");

    /** A waiter that did not ask again for this long is taken out of the line. */
    static final long WAITER_TTL_MILLIS = 3_000;
    /** How often a waiter asks again without a release being announced (lapsed permits, lost messages). */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** Redis's clock in milliseconds, or the last argument when a test gives its own clock. */
    private static final String NOW = """
            local now
            if ARGV[#ARGV] ~= '' then
              now = tonumber(ARGV[#ARGV])
            else
              local t = redis.call('TIME')
              now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            """;

    /** KEYS: permits, line, alive, counter; ARGV: max, ttl ms, id, waiter ttl ms. Returns 1 when taken. */
    private static final String ACQUIRE = NOW + """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            for _, waiter in ipairs(redis.call('ZRANGE', KEYS[2], 0, 15)) do
              local alive = tonumber(redis.call('HGET', KEYS[3], waiter) or '0')
              if alive < now and waiter ~= ARGV[3] then
                redis.call('ZREM', KEYS[2], waiter)
                redis.call('HDEL', KEYS[3], waiter)
              end
            end
            if not redis.call('ZSCORE', KEYS[2], ARGV[3]) then
              redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ARGV[3])
            end
            redis.call('HSET', KEYS[3], ARGV[3], now + tonumber(ARGV[4]))
            local free = tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])
            if redis.call('ZRANK', KEYS[2], ARGV[3]) < free then
              redis.call('ZREM', KEYS[2], ARGV[3])
              redis.call('HDEL', KEYS[3], ARGV[3])
              redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
              return 1
            end
            return 0
            """;

    /** KEYS: permits; ARGV: ttl ms, ids... Extends the leases still held. */
    private static final String RENEW = NOW + """
            for i = 2, #ARGV - 1 do
              redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
            end
            return 0
            """;

    /** KEYS: permits; the holders whose lease has not lapsed. */
    private static final String HELD = NOW + """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            return redis.call('ZCARD', KEYS[1])
            """;

    /**
     * KEYS: request, input and output buckets; ARGV: their capacities (0: none). Returns wait ms,
     * the short budget (-1 none), three remaining and three reset ms (-1 where no budget).
     */
    private static final String ADMIT = NOW + """
            local levels = {}
            local wait, short = 0, -1
            for i = 1, 3 do
              local cap = tonumber(ARGV[i])
              if cap > 0 then
                local b = redis.call('HMGET', KEYS[i], 'level', 'at')
                local level = tonumber(b[1]) or cap
                local at = tonumber(b[2]) or now
                level = math.min(cap, level + math.max(0, now - at) * cap / 60000)
                levels[i] = level
                local ok = (i == 1 and level >= 1) or (i > 1 and level > 0)
                if not ok then
                  local needed = (i == 1) and (1 - level) or (-level)
                  local w = math.max(1, math.ceil(needed * 60000 / cap))
                  if w > wait then wait = w; short = i - 1 end
                end
              end
            end
            if wait == 0 and levels[1] ~= nil then levels[1] = levels[1] - 1 end
            local out = {wait, short, -1, -1, -1, -1, -1, -1}
            for i = 1, 3 do
              local cap = tonumber(ARGV[i])
              if cap > 0 then
                redis.call('HSET', KEYS[i], 'level', tostring(levels[i]), 'at', now)
                redis.call('PEXPIRE', KEYS[i], 180000)
                out[2 + i] = math.max(0, math.floor(levels[i]))
                out[5 + i] = math.ceil((cap - levels[i]) * 60000 / cap)
              end
            end
            return out
            """;

    /** KEYS: input and output buckets; ARGV: their capacities, then the tokens used. */
    private static final String CHARGE = NOW + """
            for i = 1, 2 do
              local cap = tonumber(ARGV[i])
              local cost = tonumber(ARGV[2 + i])
              if cap > 0 and cost > 0 then
                local b = redis.call('HMGET', KEYS[i], 'level', 'at')
                local level = tonumber(b[1]) or cap
                local at = tonumber(b[2]) or now
                level = math.min(cap, level + math.max(0, now - at) * cap / 60000)
                level = math.max(-cap, level - cost)
                redis.call('HSET', KEYS[i], 'level', tostring(level), 'at', now)
                redis.call('PEXPIRE', KEYS[i], 180000)
              end
            end
            return 0
            """;

    private final RedisClient redis;
    /** The tests' clock in milliseconds, or null for Redis's own {@code TIME}. */
    private final LongSupplier clock;
    private final String prefix;
    private final String channel;
    private final Scripts scripts = new Scripts();

    /** Guards {@link #releases}; signalled when a release is announced. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    /** Counts announced releases, so that a waiter knows whether one came since it last asked. */
    private long releases;
    private final Thread listener;
    private final JedisPubSub subscription = new JedisPubSub() {
        @Override
        public void onMessage(String channel, String message) {
            announce();
        }
    };
    private volatile boolean closed;

    /**
     * @param url {@code redis://[user:password@]host[:port][/database]} or {@code rediss://} for TLS
     * @param namespace what the keys of this budget start with (one per upstream key)
     */
    RedisBudgetStore(String url, String namespace) {
        this(url, namespace, null);
    }

    /** @param clock milliseconds the scripts use instead of Redis's {@code TIME}: tests only */
    RedisBudgetStore(String url, String namespace, LongSupplier clock) {
        this.clock = clock;
        redis = client(url);
        prefix = "{" + namespace + "}:";
        channel = prefix + "released";
        listener = Thread.ofPlatform().daemon().name("poolgate-budget-listener").start(this::listen);
    }

    /** A pooled client for {@code url}; its user and password never appear in messages. */
    static RedisClient client(String url) {
        URI uri = RedisUrls.check(url);
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(2_000)
                .socketTimeoutMillis(2_000)
                .clientName("poolgate")
                .ssl("rediss".equals(uri.getScheme()));
        if (uri.getRawUserInfo() != null) {
            String[] credentials = uri.getRawUserInfo().split(":", 2);
            if (credentials.length == 2) {
                if (!credentials[0].isEmpty()) {
                    config.user(URLDecoder.decode(credentials[0], StandardCharsets.UTF_8));
                }
                config.password(URLDecoder.decode(credentials[1], StandardCharsets.UTF_8));
            } else {
                config.password(URLDecoder.decode(credentials[0], StandardCharsets.UTF_8));
            }
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (!path.isEmpty()) {
            config.database(Integer.parseInt(path));
        }
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(32);
        pool.setMaxIdle(32);
        pool.setJmxEnabled(false);
        return RedisClient.builder()
                .hostAndPort(new HostAndPort(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()))
                .clientConfig(config.build())
                .poolConfig(pool)
                .build();
    }

    @Override
    public boolean acquire(String id, int max, long ttlMillis, long deadlineNanos) throws InterruptedException {
        List<String> keys = List.of(prefix + "permits", prefix + "line", prefix + "alive", prefix + "arrivals");
        List<String> args = List.of(String.valueOf(max), String.valueOf(ttlMillis), id,
                String.valueOf(WAITER_TTL_MILLIS));
        boolean taken = false;
        try {
            while (true) {
                long seen = releasesSeen();
                if (runInterruptibly(ACQUIRE, keys, args) == 1L) {
                    taken = true;
                    return true;
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                awaitRelease(seen, Math.min(left, POLL_NANOS));
            }
        } finally {
            if (!taken) {
                leaveLine(id);
            }
        }
    }

    /**
     * Runs a script for a caller that may be interrupted. Interrupting a virtual thread blocked on a
     * socket closes the socket, so an interrupt during the call surfaces as Jedis's connection error:
     * it is turned into the {@link InterruptedException} a wait would have thrown (the flag cleared,
     * as with any InterruptedException), so the caller leaves the line and sees its interrupt.
     */
    private long runInterruptibly(String script, List<String> keys, List<String> args) throws InterruptedException {
        try {
            return (Long) scripts.run(script, keys, args);
        } catch (RuntimeException e) {
            if (Thread.interrupted()) {
                InterruptedException interrupted = new InterruptedException("interrupted during a call to Redis");
                interrupted.initCause(e);
                throw interrupted;
            }
            throw e;
        }
    }

    private void leaveLine(String id) {
        try {
            redis.zrem(prefix + "line", id);
            redis.hdel(prefix + "alive", id);
            redis.publish(channel, "left"); // who was behind may be first now
        } catch (JedisException e) {
            // The waiter's entry lapses by itself after WAITER_TTL_MILLIS.
            LOG.debug("[CLUSTER] Could not leave the permit line: {}", e.toString());
        }
    }

    @Override
    public void renew(Collection<String> ids, long ttlMillis) {
        if (ids.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(ids.size() + 1);
        args.add(String.valueOf(ttlMillis));
        args.addAll(ids);
        scripts.run(RENEW, List.of(prefix + "permits"), args);
    }

    @Override
    public void release(String id) {
        try {
            if (redis.zrem(prefix + "permits", id) > 0) {
                redis.publish(channel, "released");
            }
        } catch (JedisException e) {
            throw new BudgetStoreException("Redis could not take back a permit", e);
        }
    }

    @Override
    public int held() {
        return ((Long) scripts.run(HELD, List.of(prefix + "permits"), List.of())).intValue();
    }

    @Override
    public int waiting() {
        try {
            return (int) redis.zcard(prefix + "line");
        } catch (JedisException e) {
            throw new BudgetStoreException("Redis did not answer: " + e.getMessage(), e);
        }
    }

    @Override
    public Verdict admit(String scope, Rates rates) {
        List<?> out = (List<?>) scripts.run(ADMIT, bucketKeys(scope, 3), List.of(
                String.valueOf(rates.requestsPerMinute()), String.valueOf(rates.inputTokensPerMinute()),
                String.valueOf(rates.outputTokensPerMinute())));
        long[] values = out.stream().mapToLong(value -> (Long) value).toArray();
        return new Verdict(values[0], (int) values[1], new long[] {values[2], values[3], values[4]},
                new long[] {values[5], values[6], values[7]});
    }

    @Override
    public void charge(String scope, Rates rates, long inputTokens, long outputTokens) {
        List<String> keys = bucketKeys(scope, 3).subList(1, 3);
        scripts.run(CHARGE, keys, List.of(String.valueOf(rates.inputTokensPerMinute()),
                String.valueOf(rates.outputTokensPerMinute()), String.valueOf(Math.max(0, inputTokens)),
                String.valueOf(Math.max(0, outputTokens))));
    }

    private List<String> bucketKeys(String scope, int count) {
        List<String> keys = new ArrayList<>(count);
        for (int kind = 0; kind < count; kind++) {
            keys.add(prefix + "bucket:" + scope + ":" + Rates.name(kind));
        }
        return keys;
    }

    private long releasesSeen() {
        lock.lock();
        try {
            return releases;
        } finally {
            lock.unlock();
        }
    }

    private void announce() {
        lock.lock();
        try {
            releases++;
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until a release is announced after {@code seen}, at most {@code nanos}. */
    private void awaitRelease(long seen, long nanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long left = nanos;
            while (releases == seen && left > 0) {
                left = released.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Listens for releases while the store is open, subscribing again after Redis comes back. */
    private void listen() {
        long backoffMillis = 100;
        while (!closed) {
            try {
                redis.subscribe(subscription, channel);
                backoffMillis = 100;
            } catch (JedisException e) {
                if (closed) {
                    return;
                }
                LOG.debug("[CLUSTER] The release channel is down, subscribing again: {}", e.toString());
                announce(); // waiters fall back to asking again
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoffMillis = Math.min(2_000, backoffMillis * 2);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            if (subscription.isSubscribed()) {
                subscription.unsubscribe();
            }
        } catch (RuntimeException e) {
            LOG.debug("[CLUSTER] Unsubscribing failed: {}", e.toString());
        }
        listener.interrupt();
        redis.close();
    }

    /** Runs scripts by their digest, loading them again after Redis forgot them (a restart). */
    private final class Scripts {
        private final Map<String, String> digests = new ConcurrentHashMap<>();

        Object run(String script, List<String> keys, List<String> givenArgs) {
            List<String> args = new ArrayList<>(givenArgs);
            args.add(clock == null ? "" : String.valueOf(clock.getAsLong()));
            try {
                String digest = digests.computeIfAbsent(script, redis::scriptLoad);
                try {
                    return redis.evalsha(digest, keys, args);
                } catch (JedisNoScriptException e) {
                    digests.put(script, redis.scriptLoad(script));
                    return redis.evalsha(digests.get(script), keys, args);
                }
            } catch (JedisException e) {
                throw new BudgetStoreException("Redis did not answer: " + e.getMessage(), e);
            }
        }
    }
}
