package dev.poolgate.server.upstream;

/** Header names and values of the Anthropic API that the gateway relies on. */
public final class AnthropicHeaders {

    /** The API version the gateway's own requests (health checks, warm-up) send. */
    public static final String VERSION = "2023-06-01";

    private AnthropicHeaders() {
    }

    /** Whether an upstream response header goes back to the client unchanged. */
    public static boolean forwardedResponseHeader(String lowerCaseName) {
        return switch (lowerCaseName) {
            case "anthropic-version", "anthropic-beta", "content-type", "request-id", "retry-after",
                    "x-should-retry" -> true;
            default -> lowerCaseName.startsWith("anthropic-ratelimit-");
        };
    }
}
