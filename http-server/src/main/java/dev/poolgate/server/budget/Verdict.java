package dev.poolgate.server.budget;

/**
 * What the token buckets of one scope said to one request: admitted (one request taken), or the
 * time until it would be and which budget is short. {@code remaining} and {@code resetMillis} give,
 * per budget (requests, input tokens, output tokens), what is left after this request and how long
 * until the bucket is full again, for the client's rate-limit headers; -1 where there is no budget.
 */
record Verdict(long waitMillis, int shortBudget, long[] remaining, long[] resetMillis) {

    static final Verdict UNLIMITED = new Verdict(0, -1, new long[] {-1, -1, -1}, new long[] {-1, -1, -1});

    boolean admitted() {
        return waitMillis == 0;
    }
}
