package dev.poolgate.server.budget;

import java.util.Collection;

/**
 * Where the shared budget lives: in this process ({@link LocalBudgetStore}) or in Redis for every
 * instance at once ({@link RedisBudgetStore}). Concurrency permits are leases with a time to live,
 * handed out in order of arrival; rates are token buckets. A store that cannot be reached throws
 * {@link BudgetStoreException}; {@link UpstreamBudget} applies the failure policy.
 */
interface BudgetStore extends AutoCloseable {

    /**
     * Takes a permit for {@code id} when fewer than {@code max} are held and every earlier waiter
     * was served, waiting in line until {@code deadlineNanos} ({@link System#nanoTime()} terms).
     * The permit lapses {@code ttlMillis} after it was taken or last renewed.
     *
     * @return whether the permit was taken; false when the deadline passed first (the line is left)
     * @throws InterruptedException when interrupted while waiting (the line is left)
     */
    boolean acquire(String id, int max, long ttlMillis, long deadlineNanos) throws InterruptedException;

    /** Extends the permits of {@code ids} by {@code ttlMillis} from now; unknown ids are ignored. */
    void renew(Collection<String> ids, long ttlMillis);

    /** Gives back the permit of {@code id}; nothing when it lapsed already. */
    void release(String id);

    /** Permits held now, over every instance that shares the store. */
    int held();

    /** Waiters in line for a permit now, over every instance that shares the store. */
    int waiting();

    /**
     * Takes one request from the buckets of {@code scope} when every budget of {@code rates} has
     * room (a request bucket at least 1, token buckets above 0); else takes nothing and says how
     * long until it would be admitted.
     */
    Verdict admit(String scope, Rates rates);

    /** Takes the tokens an answer used from the token buckets of {@code scope} (they may go below zero). */
    void charge(String scope, Rates rates, long inputTokens, long outputTokens);

    @Override
    void close();
}
