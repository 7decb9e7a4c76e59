package dev.poolgate.server.api;

import com.sun.net.httpserver.Headers;
import dev.poolgate.server.budget.Rates;
import dev.poolgate.server.config.ClientsFile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * The keys clients present to the gateway ({@code x-api-key}, or {@code Authorization: Bearer}):
 * proxy keys for the API routes, and admin keys for {@code /pool/stats} and {@code /metrics}.
 * Without admin keys the proxy keys guard those too; with neither, everything is open. Named
 * clients of the clients file are proxy keys with a name and budgets of their own; the set of them
 * is replaced at once on a reload ({@link #clients}).
 *
 * <p>Keys are compared as SHA-256 digests with {@link MessageDigest#isEqual}, and the presented
 * key is compared with every configured key whether or not an earlier one matched, so that the
 * time an answer takes tells nothing about how much of a key was right, which key matched, or how
 * long the keys are.
 */
final class ProxyKeys {

    /** Who may call a route. */
    enum Access {
        /** Anyone ({@code /health}). */
        OPEN,
        /** A proxy key, when any is configured (the Anthropic API routes). */
        API,
        /** An admin key if any is configured, else a proxy key if any is ({@code /pool/stats}, {@code /metrics}). */
        ADMIN
    }

    /** Who a request comes from, once its key was checked: a named client, or nobody in particular. */
    record Identity(String name, Rates rates) {
        static final Identity ANONYMOUS = new Identity(null, Rates.NONE);
    }

    /** A named client's key digest, name and budgets. */
    private record Named(byte[] digest, Identity identity) {
    }

    private final List<byte[]> proxyKeys;
    private final List<byte[]> adminKeys;
    private final BiPredicate<byte[], byte[]> equal;
    /** The clients file's clients; replaced whole on a reload, read without a lock. */
    private volatile List<Named> named = List.of();

    ProxyKeys(List<String> proxyKeys) {
        this(proxyKeys, List.of());
    }

    ProxyKeys(List<String> proxyKeys, List<String> adminKeys) {
        this(proxyKeys, adminKeys, MessageDigest::isEqual);
    }

    /** @param equal compares two digests; {@link MessageDigest#isEqual} except in a test that counts the calls */
    ProxyKeys(List<String> proxyKeys, List<String> adminKeys, BiPredicate<byte[], byte[]> equal) {
        if (proxyKeys == null || adminKeys == null || equal == null) {
            throw new IllegalArgumentException("proxyKeys, adminKeys and equal must not be null; pass empty lists "
                    + "for no keys");
        }
        this.proxyKeys = proxyKeys.stream().map(ProxyKeys::digest).toList();
        this.adminKeys = adminKeys.stream().map(ProxyKeys::digest).toList();
        this.equal = equal;
    }

    /** Replaces the named clients (the clients file was read again); requests in flight keep theirs. */
    void clients(List<ClientsFile.Client> clients) {
        named = clients.stream().map(client -> new Named(digest(client.key()),
                new Identity(client.name(), client.rates()))).toList();
    }

    /**
     * Lets a request on a route of {@code access} through, or refuses it.
     *
     * @return the named client whose key was presented, else {@link Identity#ANONYMOUS}
     * @throws ApiError 401 authentication_error for a missing or unknown key; 403 permission_error
     *     for a proxy key on an admin route when admin keys are configured
     */
    Identity check(Access access, Headers headers) {
        List<Named> clients = named;
        boolean proxyGuarded = !proxyKeys.isEmpty() || !clients.isEmpty();
        switch (access) {
            case OPEN -> {
                return Identity.ANONYMOUS;
            }
            case API -> {
                if (!proxyGuarded) {
                    return Identity.ANONYMOUS;
                }
                byte[] presented = presented(headers, "proxy");
                Identity client = matchingClient(clients, presented);
                if (!matchesAny(proxyKeys, presented) && client == null) {
                    throw unknownKey("proxy");
                }
                return client == null ? Identity.ANONYMOUS : client;
            }
            default -> {
                if (!adminKeys.isEmpty()) {
                    byte[] presented = presented(headers, "admin");
                    // Every list is always compared: which one matched must not show in the time taken.
                    boolean admin = matchesAny(adminKeys, presented);
                    boolean proxy = matchesAny(proxyKeys, presented) | matchingClient(clients, presented) != null;
                    if (!admin && proxy) {
                        throw new ApiError(403, "permission_error", "This key may call the API but not the "
                                + "gateway's /pool/stats or /metrics; send one of its admin keys (--admin-api-keys)");
                    }
                    if (!admin) {
                        throw unknownKey("admin");
                    }
                } else if (proxyGuarded) {
                    byte[] presented = presented(headers, "proxy");
                    boolean client = matchingClient(clients, presented) != null;
                    if (!matchesAny(proxyKeys, presented) && !client) {
                        throw unknownKey("proxy");
                    }
                }
                return Identity.ANONYMOUS;
            }
        }
    }

    /** The named client whose key is {@code candidate}, comparing with every one without stopping at a match. */
    private Identity matchingClient(List<Named> clients, byte[] candidate) {
        Identity found = null;
        for (Named client : clients) {
            if (equal.test(client.digest(), candidate)) {
                found = client.identity();
            }
        }
        return found;
    }

    /**
     * Who the request comes from, for the access log: {@code key-} and the first 8 hex digits of
     * the SHA-256 of the key it presents (enough to tell clients apart, useless to recover a key),
     * or {@code -} when it presents none. Never the key.
     */
    static String client(Headers headers) {
        String presented = presentedKey(headers);
        return presented == null ? "-" : "key-" + HexFormat.of().formatHex(digest(presented), 0, 4);
    }

    /** The key the request presents as {@code x-api-key} or {@code Authorization: Bearer}, or null. */
    private static String presentedKey(Headers headers) {
        String presented = headers.getFirst("x-api-key");
        if (presented == null) {
            String authorization = headers.getFirst("authorization");
            if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                presented = authorization.substring(7).strip();
            }
        }
        return presented == null || presented.isEmpty() ? null : presented;
    }

    /** The digest of the key the request presents. */
    private static byte[] presented(Headers headers, String kind) {
        String presented = presentedKey(headers);
        if (presented == null) {
            throw new ApiError(401, "authentication_error", "x-api-key header is required; send one of the "
                    + "gateway's " + kind + " keys as x-api-key or Authorization: Bearer");
        }
        return digest(presented);
    }

    private static ApiError unknownKey(String kind) {
        return new ApiError(401, "authentication_error", "invalid x-api-key; send one of the gateway's " + kind
                + " keys");
    }

    /** Compares with every key, without stopping at a match. */
    private boolean matchesAny(List<byte[]> keys, byte[] candidate) {
        boolean matched = false;
        for (byte[] key : keys) {
            matched |= equal.test(key, candidate);
        }
        return matched;
    }

    /**
     * A SHA-256 instance to copy for each digest: a clone skips the provider lookup of
     * {@code MessageDigest.getInstance}, a quarter of each digest's time at the gateway's JVM
     * settings (1.26 us with the lookup, 0.93 us cloned, measured alone).
     */
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK, which every JDK must have", e);
        }
    }

    private static byte[] digest(String key) {
        MessageDigest sha256;
        try {
            sha256 = (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 cannot be cloned", e);
        }
        return sha256.digest(key.getBytes(StandardCharsets.UTF_8));
    }
}
