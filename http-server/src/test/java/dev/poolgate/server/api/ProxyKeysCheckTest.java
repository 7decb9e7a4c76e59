package dev.poolgate.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.Headers;
import dev.poolgate.server.api.ProxyKeys.Access;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who {@link ProxyKeys} lets through for each {@link Access}, and how it compares: exact keys only,
 * and every configured key compared for every request, whichever matched.
 */
@Timeout(10)
class ProxyKeysCheckTest {

    private static Headers apiKey(String key) {
        Headers headers = new Headers();
        headers.add("x-api-key", key);
        return headers;
    }

    private static Headers bearer(String authorization) {
        Headers headers = new Headers();
        headers.add("authorization", authorization);
        return headers;
    }

    private static void assertRefused(ProxyKeys keys, Access access, Headers headers, int status, String type) {
        ApiError error = assertThrows(ApiError.class, () -> keys.check(access, headers), headers::toString);
        assertEquals(status, error.status, error.getMessage());
        assertEquals(type, error.type, error.getMessage());
    }

    @Test
    void onlyAnExactProxyKeyOpensTheApi() {
        ProxyKeys keys = new ProxyKeys(List.of("alpha-key", "beta-key"));

        keys.check(Access.API, apiKey("alpha-key"));
        keys.check(Access.API, apiKey("beta-key"));
        keys.check(Access.API, bearer("Bearer beta-key"));
        keys.check(Access.API, bearer("bearer   alpha-key "));
        for (String near : List.of("alpha-ke", "alpha-key2", "ALPHA-KEY", "beta-keyalpha-key", "alpha-key,beta-key",
                " ", "Bearer alpha-key")) {
            assertRefused(keys, Access.API, apiKey(near), 401, "authentication_error");
        }
        assertRefused(keys, Access.API, new Headers(), 401, "authentication_error");
        assertRefused(keys, Access.API, bearer("Basic YWxwaGEta2V5"), 401, "authentication_error");
        assertRefused(keys, Access.API, bearer("Bearer "), 401, "authentication_error");
    }

    @Test
    void everyKeyIsComparedEvenAfterTheFirstMatches() {
        AtomicInteger comparisons = new AtomicInteger();
        ProxyKeys keys = new ProxyKeys(List.of("k1", "k2", "k3"), List.of("a1", "a2"), (key, candidate) -> {
            comparisons.incrementAndGet();
            return MessageDigest.isEqual(key, candidate);
        });

        keys.check(Access.API, apiKey("k1"));
        assertEquals(3, comparisons.getAndSet(0), "the first key matched, the other two were still compared");
        assertRefused(keys, Access.API, apiKey("nope"), 401, "authentication_error");
        assertEquals(3, comparisons.getAndSet(0));
        keys.check(Access.ADMIN, apiKey("a1"));
        assertEquals(5, comparisons.getAndSet(0), "an admin key is compared with the proxy keys too");
        assertRefused(keys, Access.ADMIN, apiKey("k3"), 403, "permission_error");
        assertEquals(5, comparisons.getAndSet(0));
    }

    @Test
    void keysAreComparedAsDigestsOfOneLengthWhateverTheirLength() {
        AtomicInteger comparisons = new AtomicInteger();
        ProxyKeys keys = new ProxyKeys(List.of("short", "a-much-longer-proxy-key-" + "x".repeat(200)), List.of(),
                (key, candidate) -> {
                    comparisons.incrementAndGet();
                    assertEquals(32, key.length, "a SHA-256 digest, not the key");
                    assertEquals(32, candidate.length, "a SHA-256 digest, not the key");
                    return MessageDigest.isEqual(key, candidate);
                });

        keys.check(Access.API, apiKey("short"));
        assertRefused(keys, Access.API, apiKey("s"), 401, "authentication_error");
        assertEquals(4, comparisons.get());
    }

    @Test
    void adminEndpointsNeedAnAdminKeyWhenAdminKeysAreSet() {
        ProxyKeys keys = new ProxyKeys(List.of("proxy-1"), List.of("admin-1"));

        keys.check(Access.ADMIN, apiKey("admin-1"));
        keys.check(Access.ADMIN, bearer("Bearer admin-1"));
        assertRefused(keys, Access.ADMIN, apiKey("proxy-1"), 403, "permission_error");
        assertRefused(keys, Access.ADMIN, apiKey("admin-2"), 401, "authentication_error");
        assertRefused(keys, Access.ADMIN, new Headers(), 401, "authentication_error");
        // An admin key is for the gateway's own endpoints only.
        assertRefused(keys, Access.API, apiKey("admin-1"), 401, "authentication_error");
        keys.check(Access.API, apiKey("proxy-1"));
        keys.check(Access.OPEN, new Headers());
    }

    @Test
    void withoutAdminKeysTheProxyKeysGuardTheAdminEndpoints() {
        ProxyKeys keys = new ProxyKeys(List.of("proxy-1"), List.of());

        keys.check(Access.ADMIN, apiKey("proxy-1"));
        assertRefused(keys, Access.ADMIN, new Headers(), 401, "authentication_error");
        assertRefused(keys, Access.ADMIN, apiKey("proxy-2"), 401, "authentication_error");
        keys.check(Access.OPEN, new Headers());
    }

    @Test
    void withAdminKeysAloneTheApiStaysOpen() {
        ProxyKeys keys = new ProxyKeys(List.of(), List.of("admin-1"));

        keys.check(Access.API, new Headers());
        keys.check(Access.API, apiKey("anything"));
        keys.check(Access.ADMIN, apiKey("admin-1"));
        assertRefused(keys, Access.ADMIN, apiKey("anything"), 401, "authentication_error");
    }

    @Test
    void withNoKeysEverythingIsOpen() {
        ProxyKeys keys = new ProxyKeys(List.of(), List.of());

        for (Access access : Access.values()) {
            keys.check(access, new Headers());
            keys.check(access, apiKey("whatever"));
        }
    }

    @Test
    void refusalsNameTheFixAndNeverTheKeys() {
        ProxyKeys keys = new ProxyKeys(List.of("proxy-secret-1"), List.of("admin-secret-1"));
        for (Headers headers : List.of(new Headers(), apiKey("wrong-secret"), apiKey("proxy-secret-1"))) {
            ApiError error = assertThrows(ApiError.class, () -> keys.check(Access.ADMIN, headers));
            assertTrue(error.getMessage().contains("admin"), error.getMessage());
            assertFalse(error.getMessage().contains("secret"), error.getMessage());
        }
    }

    @Test
    void nullArgumentsAreRefusedWithTheFix() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new ProxyKeys(List.of(), null));
        assertTrue(error.getMessage().contains("empty lists"), error.getMessage());
    }
}
