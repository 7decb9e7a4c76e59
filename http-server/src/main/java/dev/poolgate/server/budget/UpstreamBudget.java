package dev.poolgate.server.budget;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's one step around every upstream request when limits are set: the upstream key's
 * per-minute budgets (429 when spent, with the wait), then a concurrency permit shared by every
 * instance (529 when none comes within the acquire timeout), held until the answer is passed on,
 * then the tokens the answer used charged to the budgets. With Redis the budget is the cluster's;
 * without, this instance's alone. When Redis fails, the failure policy decides: admit without the
 * shared budget (open, the default: a WARN line and a counter) or refuse with 503 (closed).
 */
public final class UpstreamBudget implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.poolgate.server");
    private static final String UPSTREAM_SCOPE = "upstream";
    /** At most one WARN line about an unreachable Redis this often; the counter counts each. */
    private static final long WARN_EVERY_NANOS = Duration.ofSeconds(10).toNanos();

    private final BudgetSettings settings;
    private final BudgetStore store;
    private final String instance = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong sequence = new AtomicLong();
    /** The permits this instance holds, renewed until released. */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Thread renewer;
    private final LongAdder storeFailures = new LongAdder();
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
    private volatile boolean closed;

    /**
     * A refusal, as the gateway answers it: status, error type, message, retry-after seconds, and
     * the client's rate-limit headers when its own budget refused.
     */
    public static final class Refused extends RuntimeException {
        public final int status;
        public final String type;
        public final long retryAfterSeconds;
        public final Map<String, String> headers;

        Refused(int status, String type, String message, long retryAfterSeconds) {
            this(status, type, message, retryAfterSeconds, Map.of());
        }

        Refused(int status, String type, String message, long retryAfterSeconds, Map<String, String> headers) {
            super(message, null, false, false);
            this.status = status;
            this.type = type;
            this.retryAfterSeconds = retryAfterSeconds;
            this.headers = headers;
        }
    }

    /** One admitted request: closing it charges the tokens noted and gives its permit back. */
    public final class Admission implements AutoCloseable {
        private final String permit;
        private final String clientScope;
        private final Rates clientRates;
        private final Map<String, String> headers;
        private long inputTokens;
        private long outputTokens;
        private boolean closed;

        private Admission(String permit, String clientScope, Rates clientRates, Map<String, String> headers) {
            this.permit = permit;
            this.clientScope = clientScope;
            this.clientRates = clientRates;
            this.headers = headers;
        }

        /** The client's rate-limit headers for the answer (none when it has no budget of its own). */
        public Map<String, String> headers() {
            return headers;
        }

        /** Notes the tokens upstream said the answer used (-1: unknown, charged as none). */
        public void used(long input, long output) {
            inputTokens = input;
            outputTokens = output;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            // The answer went out already: a store failure here is counted and logged, never answered.
            try {
                if (permit != null) {
                    held.remove(permit);
                    guarded(() -> store.release(permit));
                }
                if (inputTokens > 0 || outputTokens > 0) {
                    if (settings.upstream().limited()) {
                        guarded(() -> store.charge(UPSTREAM_SCOPE, settings.upstream(), inputTokens, outputTokens));
                    }
                    if (clientRates.limited()) {
                        guarded(() -> store.charge(clientScope, clientRates, inputTokens, outputTokens));
                    }
                }
            } catch (Refused ignored) {
                // closed policy: the permit lapses by itself, the tokens go uncharged
            }
        }
    }

    /**
     * @param namespace the keys' prefix in Redis: one per upstream key, so that gateways of other
     *        keys sharing the Redis keep their own budgets
     */
    public static UpstreamBudget create(BudgetSettings settings, String namespace) {
        BudgetStore store = settings.redisUrl() == null
                ? new LocalBudgetStore()
                : new RedisBudgetStore(settings.redisUrl(), namespace);
        return new UpstreamBudget(settings, store);
    }

    UpstreamBudget(BudgetSettings settings, BudgetStore store) {
        this.settings = settings;
        this.store = store;
        long every = Math.max(100, settings.permitTtl().toMillis() / 3);
        renewer = Thread.ofVirtual().name("poolgate-budget-renewer").start(() -> renewEvery(every));
    }

    /**
     * Admits one upstream request of an anonymous client, waiting at most {@code timeout} for a permit.
     *
     * @see #admit(String, Rates, Duration)
     */
    public Admission admit(Duration timeout) throws InterruptedException {
        return admit(null, Rates.NONE, timeout);
    }

    /**
     * Admits one upstream request: the client's own per-minute budgets (when it is a named client
     * with budgets), then the upstream key's, then a permit, waiting at most {@code timeout} for it.
     *
     * @param client the named client, or null
     * @throws Refused 429 when a per-minute budget is spent, 529 when no permit came in time, 503
     *         when Redis is down and the policy is closed
     * @throws InterruptedException when interrupted while waiting (nothing is held)
     */
    public Admission admit(String client, Rates clientRates, Duration timeout) throws InterruptedException {
        String clientScope = "client:" + client;
        Map<String, String> headers = Map.of();
        if (client != null && clientRates.limited()) {
            Verdict verdict = guarded(() -> store.admit(clientScope, clientRates), Verdict.UNLIMITED);
            headers = RateLimitHeaders.of(clientRates, verdict, Instant.now());
            if (!verdict.admitted()) {
                long seconds = Math.max(1, (verdict.waitMillis() + 999) / 1000);
                throw new Refused(429, "rate_limit_error", "Client " + client + " spent its budget of "
                        + Rates.name(verdict.shortBudget()).replace('-', ' ') + " per minute (clients file); retry "
                        + "after " + seconds + " s", seconds, headers);
            }
        }
        if (settings.upstream().limited()) {
            Verdict verdict = guarded(() -> store.admit(UPSTREAM_SCOPE, settings.upstream()), Verdict.UNLIMITED);
            if (!verdict.admitted()) {
                long seconds = Math.max(1, (verdict.waitMillis() + 999) / 1000);
                throw new Refused(429, "rate_limit_error", "The gateway's upstream budget of "
                        + Rates.name(verdict.shortBudget()).replace('-', ' ') + " per minute is spent; retry after "
                        + seconds + " s, or raise --upstream-" + Rates.name(verdict.shortBudget()) + "-per-minute",
                        seconds, headers);
            }
        }
        if (settings.maxInFlight() == 0) {
            return new Admission(null, clientScope, clientRates, headers);
        }
        String permit = instance + "-" + sequence.incrementAndGet();
        long deadline = System.nanoTime() + timeout.toNanos();
        Boolean taken = guarded(() -> {
            try {
                return store.acquire(permit, settings.maxInFlight(), settings.permitTtl().toMillis(), deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, null);
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while waiting for an upstream permit");
        }
        if (taken == null) {
            return new Admission(null, clientScope, clientRates, headers); // Redis down, policy open
        }
        if (!taken) {
            throw new Refused(529, "overloaded_error", "All " + settings.maxInFlight() + " upstream permits "
                    + "(--cluster-max-in-flight, over every instance) stayed in use for " + timeout.toMillis()
                    + " ms; retry after the retry-after seconds", 1, headers);
        }
        held.add(permit);
        return new Admission(permit, clientScope, clientRates, headers);
    }

    /** Permits held now over every instance sharing the budget; -1 when the store cannot say. */
    public int inFlight() {
        return guarded(store::held, -1);
    }

    /** Requests waiting for a permit now over every instance; -1 when the store cannot say. */
    public int waiting() {
        return guarded(store::waiting, -1);
    }

    /** How often the store could not be reached. */
    public long storeFailures() {
        return storeFailures.sum();
    }

    private void renewEvery(long millis) {
        while (!closed) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            if (!held.isEmpty()) {
                guarded(() -> store.renew(Set.copyOf(held), settings.permitTtl().toMillis()));
            }
        }
    }

    private void guarded(Runnable call) {
        guarded(() -> {
            call.run();
            return null;
        }, null);
    }

    /**
     * Runs a store call; when the store fails, returns {@code whenOpen} under the open policy and
     * refuses with 503 under the closed one.
     */
    private <T> T guarded(java.util.function.Supplier<T> call, T whenOpen) {
        try {
            return call.get();
        } catch (BudgetStoreException e) {
            storeFailures.increment();
            long now = System.nanoTime();
            long last = lastWarning.get();
            if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
                LOG.warn("[CLUSTER] The shared budget store is unreachable ({}); {}", e.getMessage(),
                        settings.failOpen() ? "admitting requests without it (--cluster-redis-failure open)"
                                : "refusing requests (--cluster-redis-failure closed)");
            }
            if (settings.failOpen()) {
                return whenOpen;
            }
            throw new Refused(503, "api_error", "The gateway's shared budget store is unreachable; retry later", 1);
        }
    }

    @Override
    public void close() {
        closed = true;
        renewer.interrupt();
        for (String permit : Set.copyOf(held)) {
            try {
                store.release(permit);
            } catch (BudgetStoreException e) {
                break; // they lapse by themselves
            }
        }
        store.close();
    }
}
