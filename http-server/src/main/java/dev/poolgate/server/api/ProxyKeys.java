package dev.poolgate.server.api;

import com.sun.net.httpserver.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The keys a client must present to use the API endpoints ({@code x-api-key} or
 * {@code Authorization: Bearer}), compared in constant time. With none configured, every client
 * is let in.
 */
final class ProxyKeys {

    private final List<byte[]> keys;

    ProxyKeys(List<String> keys) {
        this.keys = keys.stream().map(key -> key.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** @throws ApiError 401 authentication_error when a key is required and none of them is presented */
    void check(Headers headers) {
        if (keys.isEmpty()) {
            return;
        }
        String presented = headers.getFirst("x-api-key");
        if (presented == null) {
            String authorization = headers.getFirst("authorization");
            if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                presented = authorization.substring(7).strip();
            }
        }
        if (presented == null || presented.isEmpty()) {
            throw new ApiError(401, "authentication_error", "x-api-key header is required; send one of the "
                    + "gateway's proxy keys as x-api-key or Authorization: Bearer");
        }
        byte[] candidate = presented.getBytes(StandardCharsets.UTF_8);
        boolean accepted = false;
        for (byte[] key : keys) {
            accepted |= MessageDigest.isEqual(key, candidate);
        }
        if (!accepted) {
            throw new ApiError(401, "authentication_error", "invalid x-api-key; send one of the gateway's proxy "
                    + "keys");
        }
    }
}
