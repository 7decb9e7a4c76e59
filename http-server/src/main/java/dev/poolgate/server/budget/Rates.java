package dev.poolgate.server.budget;

/**
 * Per-minute budgets of one scope (the upstream key, or one client): requests, input tokens and
 * output tokens, each a token bucket that holds at most a minute's worth and refills continuously,
 * as Anthropic's own limits do. Zero means no budget of that kind.
 */
public record Rates(long requestsPerMinute, long inputTokensPerMinute, long outputTokensPerMinute) {

    /** No budget at all. */
    public static final Rates NONE = new Rates(0, 0, 0);

    public Rates {
        if (requestsPerMinute < 0 || inputTokensPerMinute < 0 || outputTokensPerMinute < 0) {
            throw new IllegalArgumentException("Per-minute budgets must be 0 (none) or positive, were "
                    + requestsPerMinute + " requests, " + inputTokensPerMinute + " input tokens, "
                    + outputTokensPerMinute + " output tokens");
        }
    }

    /** Whether any budget is set. */
    public boolean limited() {
        return requestsPerMinute > 0 || inputTokensPerMinute > 0 || outputTokensPerMinute > 0;
    }

    /** The capacity of budget {@code kind}: 0 requests, 1 input tokens, 2 output tokens. */
    long capacity(int kind) {
        return switch (kind) {
            case 0 -> requestsPerMinute;
            case 1 -> inputTokensPerMinute;
            default -> outputTokensPerMinute;
        };
    }

    /** What budget {@code kind} is called in messages and headers. */
    static String name(int kind) {
        return switch (kind) {
            case 0 -> "requests";
            case 1 -> "input-tokens";
            default -> "output-tokens";
        };
    }
}
