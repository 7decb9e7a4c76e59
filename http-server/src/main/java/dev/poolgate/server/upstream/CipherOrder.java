package dev.poolgate.server.upstream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The order in which the upstream TLS client offers its cipher suites: ChaCha20-Poly1305 ahead of
 * AES-GCM within each key exchange, every other suite in its place.
 *
 * <p>Why: the gateway's default JVM settings compile with C1 only (for memory), and the JVM's
 * AES-GCM is fast only through intrinsics (AES-NI, carry-less multiply) that C2 alone uses; under
 * C1 it runs as plain Java, a tenth or more of a streamed answer's CPU in the gateway. ChaCha20-Poly1305
 * is made of additions, rotations and multiplications that plain Java does well, and is as strong.
 * Servers that let the client choose among equally strong AEADs (as the fronts of large APIs do,
 * so that clients without AES hardware get ChaCha20) then choose it; servers that impose their own
 * order are not affected. A JVM given {@code jdk.tls.client.cipherSuites} keeps that list as is.
 */
final class CipherOrder {

    private static final String CHACHA = "CHACHA20_POLY1305";

    private CipherOrder() {
    }

    /**
     * The suites to offer: {@code enabled} itself when the JVM was told which suites to use,
     * otherwise {@link #chachaFirst(String[])} of it.
     */
    static String[] offered(String[] enabled) {
        return System.getProperty("jdk.tls.client.cipherSuites") != null ? enabled : chachaFirst(enabled);
    }

    /**
     * {@code suites} with each ChaCha20-Poly1305 suite moved to just before the first suite of its
     * key exchange (the part of the name before {@code _WITH_}; TLS 1.3 suites name none), every
     * other suite in its place.
     */
    static String[] chachaFirst(String[] suites) {
        Map<String, List<String>> chachaByFamily = new LinkedHashMap<>();
        for (String suite : suites) {
            if (suite.contains(CHACHA)) {
                chachaByFamily.computeIfAbsent(family(suite), family -> new ArrayList<>()).add(suite);
            }
        }
        List<String> ordered = new ArrayList<>(suites.length);
        for (String suite : suites) {
            List<String> chacha = chachaByFamily.remove(family(suite)); // at the family's first suite only
            if (chacha != null) {
                ordered.addAll(chacha);
            }
            if (!suite.contains(CHACHA)) {
                ordered.add(suite);
            }
        }
        return ordered.toArray(String[]::new);
    }

    private static String family(String suite) {
        int with = suite.indexOf("_WITH_");
        return with < 0 ? "TLS 1.3" : suite.substring(0, with);
    }
}
