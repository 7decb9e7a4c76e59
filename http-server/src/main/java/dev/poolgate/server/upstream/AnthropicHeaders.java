package dev.poolgate.server.upstream;

import dev.poolgate.server.Version;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Header names and values of the Anthropic API that the gateway relies on, and which headers cross
 * the gateway in each direction (docs/clients.md has the same rules as a table).
 *
 * <p>Requests go to a third party under the gateway's own key, so only the families a client of
 * the API uses are sent on ({@link #forwardedRequestHeader}); responses come from that upstream to
 * the gateway's own client, so every header comes back except the few that belong to one hop or to
 * the gateway ({@link #forwardedResponseHeader}). In both directions a header that the sender's
 * {@code Connection} header names is hop-by-hop too (RFC 9110 section 7.6.1).
 */
public final class AnthropicHeaders {

    /** The API version the gateway's own requests (health checks, warm-up) send. */
    public static final String VERSION = "2023-06-01";

    /**
     * The gateway's product token, appended to the client's user-agent upstream: the version of
     * the jar (its manifest), or "dev" when run from classes.
     */
    public static final String PRODUCT = "poolgate/" + version();

    /** Headers that describe one connection, never the message (RFC 9110 section 7.6.1). */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "te", "trailer",
            "transfer-encoding", "upgrade", "proxy-connection", "proxy-authenticate", "proxy-authorization");

    private AnthropicHeaders() {
    }

    private static String version() {
        return Version.get();
    }

    /**
     * Whether a client's request header goes upstream as it came: {@code anthropic-*} (version,
     * beta...), {@code x-stainless-*} (the SDKs' platform and retry headers), {@code x-app},
     * {@code x-claude-code-session-id} and {@code content-type}. The credentials ({@code x-api-key},
     * {@code authorization}) are the gateway's to set; {@code user-agent} is sent with
     * {@link #PRODUCT} appended; {@code accept-encoding} is replaced by {@code identity}, so that the
     * gateway can read what it passes on (error events, a cut answer). Anything else (cookies,
     * forwarding headers of proxies in front, the client's host) stays at the gateway.
     */
    public static boolean forwardedRequestHeader(String lowerCaseName) {
        return switch (lowerCaseName) {
            case "content-type", "accept", "x-app", "x-claude-code-session-id" -> true;
            default -> lowerCaseName.startsWith("anthropic-") || lowerCaseName.startsWith("x-stainless-");
        };
    }

    /**
     * Whether an upstream response header goes back to the client unchanged: all but the hop-by-hop
     * ones, {@code content-length} (the gateway frames its own answer), {@code date} and
     * {@code server} (the gateway's server sets its own) and {@code set-cookie} (cookies of
     * upstream's edge are not the client's).
     */
    public static boolean forwardedResponseHeader(String lowerCaseName) {
        return switch (lowerCaseName) {
            case "content-length", "date", "server", "set-cookie" -> false;
            default -> !HOP_BY_HOP.contains(lowerCaseName) && !lowerCaseName.startsWith("proxy-");
        };
    }

    /** The user-agent sent upstream: the client's, with the gateway's product token appended. */
    public static String userAgent(String clientUserAgent) {
        return clientUserAgent == null || clientUserAgent.isBlank() ? PRODUCT : clientUserAgent.strip() + " " + PRODUCT;
    }

    /**
     * The header names that a sender's {@code Connection} header lists, in lower case: each is
     * hop-by-hop and must not be passed on.
     */
    public static Set<String> namedInConnection(Map<String, List<String>> headers) {
        Set<String> named = new HashSet<>();
        headers.forEach((name, values) -> {
            if (name.equalsIgnoreCase("connection")) {
                for (String value : values) {
                    for (String token : value.split(",")) {
                        String lower = token.strip().toLowerCase(Locale.ROOT);
                        if (!lower.isEmpty()) {
                            named.add(lower);
                        }
                    }
                }
            }
        });
        return named;
    }

    /**
     * The request headers sent upstream for a client's {@code headers}: the forwarded families, minus
     * any the client's {@code Connection} header names, then the user-agent, {@code accept-encoding:
     * identity} and the upstream key (when one is configured). Names in lower case.
     */
    static List<String[]> upstreamRequestHeaders(Map<String, List<String>> headers, String apiKey) {
        Set<String> hopByHop = namedInConnection(headers);
        List<String[]> sent = new ArrayList<>(16);
        String userAgent = null;
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            String lower = header.getKey().toLowerCase(Locale.ROOT);
            if (hopByHop.contains(lower)) {
                continue;
            }
            if (lower.equals("user-agent") && !header.getValue().isEmpty()) {
                userAgent = header.getValue().get(0);
            } else if (forwardedRequestHeader(lower)) {
                header.getValue().forEach(value -> sent.add(new String[] {lower, value}));
            }
        }
        sent.add(new String[] {"user-agent", userAgent(userAgent)});
        sent.add(new String[] {"accept-encoding", "identity"});
        if (apiKey != null) {
            sent.add(new String[] {"x-api-key", apiKey});
        }
        return sent;
    }
}
