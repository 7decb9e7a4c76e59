package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.testkit.RawConnection;
import dev.poolgate.testkit.RequestFuzzer;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded fuzzing of the gateway over raw sockets (the embedded stub behind it): every request,
 * valid or broken anywhere from its request line to its body, gets a success or an Anthropic error
 * of the error table with no internals in its message (or, where only the JDK's server parses,
 * the JDK's own refusal); the gateway keeps answering {@code /health} all along; and at the end no
 * pooled client is left in use and {@code /pool/stats} adds up.
 *
 * <p>The seed is random unless {@code -Dpoolgate.fuzz.seed=N} is given; it is printed at the start
 * and in every failure. {@code -Dpoolgate.fuzz.cases=N} runs more cases (default 3000, a few
 * seconds).
 */
@Timeout(300)
class RequestFuzzTest {

    private static final int LIMIT = 64 * 1024;
    /** What a fuzzed request may get: upstream is a healthy stub, and no proxy keys are set. */
    private static final Set<Integer> ALLOWED = Set.of(200, 400, 404, 405, 413);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void everyFuzzedRequestGetsASuccessOrAnAnthropicErrorAndNoPooledClientLeaks() {
        long seed = Long.getLong("poolgate.fuzz.seed", new SecureRandom().nextLong());
        int cases = Integer.getInteger("poolgate.fuzz.cases", 3000);
        System.out.println("RequestFuzzTest: seed " + seed + ", " + cases + " cases (rerun with -Dpoolgate.fuzz.seed="
                + seed + ")");
        try (Gateway gateway = Gateways.start("--max-request-bytes", String.valueOf(LIMIT),
                "--pool-health-check-interval", "0")) {
            GatewayClient client = new GatewayClient(gateway);
            RequestFuzzer fuzzer = new RequestFuzzer(seed, LIMIT);
            Map<String, Integer> outcomes = new TreeMap<>();
            long start = System.nanoTime();
            for (int i = 1; i <= cases; i++) {
                RequestFuzzer.Case fuzzCase = fuzzer.next();
                String where = "seed " + seed + ", case " + fuzzCase.number() + " (" + fuzzCase.description() + ")";
                RawConnection.Outcome outcome;
                try {
                    outcome = RawConnection.exchange(gateway.port(), fuzzCase.request(), fuzzCase.head(),
                            READ_TIMEOUT);
                } catch (IOException e) {
                    throw new AssertionError(where + ": " + e, e);
                }
                String problem = RequestFuzzer.judge(fuzzCase, outcome, ALLOWED);
                assertNull(problem, () -> where + ": " + problem);
                outcomes.merge(kind(outcome), 1, Integer::sum);
                if (i % 100 == 0) {
                    assertEquals(200, client.get("/health").status(), () -> where + ": /health stopped answering");
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            client.awaitStat("in_use_connections", 0, Duration.ofSeconds(10));
            JsonNode stats = client.stats();
            assertEquals(stats.path("total_connections").asLong(), stats.path("available_connections").asLong()
                    + stats.path("in_use_connections").asLong(), () -> "seed " + seed + ": " + stats);
            assertEquals(0, stats.path("waiting_acquirers").asLong(), () -> "seed " + seed + ": " + stats);
            System.out.printf("RequestFuzzTest: %d cases in %.1f s, seed %d; answers %s; pool %s%n", cases, seconds,
                    seed, outcomes, stats);
        }
    }

    /** "200", "400"..., "jdk 400" for the JDK server's own HTML answer, "none" for a closed connection. */
    static String kind(RawConnection.Outcome outcome) {
        RawConnection.Response response = outcome.response();
        if (response == null) {
            return "none";
        }
        String type = String.valueOf(response.header("content-type"));
        return (type.startsWith("text/html") ? "jdk " : "") + response.status();
    }
}
