package dev.poolgate.stub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.poolgate.testkit.RawConnection;
import dev.poolgate.testkit.RequestFuzzer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded fuzzing of the stub over raw sockets: every request, valid or broken anywhere from its
 * request line to its body, gets a success or an Anthropic error of the error table (or, where
 * only the JDK's server parses, its own refusal), and the stub keeps answering its health path.
 *
 * <p>The seed is random unless {@code -Dpoolgate.fuzz.seed=N} is given, and printed at the start
 * and in every failure; {@code -Dpoolgate.fuzz.stub.cases=N} runs more cases (default 1500).
 */
@Timeout(120)
class RequestFuzzTest {

    private static final int LIMIT = 64 * 1024;
    /** What a fuzzed request may get from the stub: its faults are off and its admin endpoint too. */
    private static final Set<Integer> ALLOWED = Set.of(200, 400, 401, 404, 405, 413);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void everyFuzzedRequestGetsASuccessOrAnAnthropicErrorAndTheStubStaysUp() throws Exception {
        long seed = Long.getLong("poolgate.fuzz.seed", new SecureRandom().nextLong());
        int cases = Integer.getInteger("poolgate.fuzz.stub.cases", 1500);
        System.out.println("RequestFuzzTest: seed " + seed + ", " + cases + " cases (rerun with -Dpoolgate.fuzz.seed="
                + seed + ")");
        StubConfig config = StubConfig.builder().maxBodyBytes(LIMIT).adminAccess(StubConfig.AdminAccess.DISABLED)
                .build();
        try (StubBackend stub = StubBackend.start(config); StubClient client = new StubClient(stub)) {
            RequestFuzzer fuzzer = new RequestFuzzer(seed, LIMIT);
            Map<String, Integer> outcomes = new TreeMap<>();
            long start = System.nanoTime();
            for (int i = 1; i <= cases; i++) {
                RequestFuzzer.Case fuzzCase = fuzzer.next();
                String where = "seed " + seed + ", case " + fuzzCase.number() + " (" + fuzzCase.description() + ")";
                RawConnection.Outcome outcome;
                try {
                    outcome = RawConnection.exchange(stub.port(), fuzzCase.request(), fuzzCase.head(), READ_TIMEOUT);
                } catch (IOException e) {
                    throw new AssertionError(where + ": " + e, e);
                }
                String problem = RequestFuzzer.judge(fuzzCase, outcome, ALLOWED);
                assertNull(problem, () -> where + ": " + problem);
                outcomes.merge(kind(outcome), 1, Integer::sum);
                if (i % 100 == 0) {
                    HttpResponse<String> health = client.send(client.request("/health").GET());
                    assertEquals(200, health.statusCode(), () -> where + ": the stub stopped answering /health");
                }
            }
            System.out.printf("RequestFuzzTest: %d cases in %.1f s, seed %d, answers by status %s%n", cases,
                    (System.nanoTime() - start) / 1e9, seed, outcomes);
        }
    }

    /** "200", "400"..., "jdk 400" for the JDK server's own HTML answer, "none" for a closed connection. */
    private static String kind(RawConnection.Outcome outcome) {
        RawConnection.Response response = outcome.response();
        if (response == null) {
            return "none";
        }
        String type = String.valueOf(response.header("content-type"));
        return (type.startsWith("text/html") ? "jdk " : "") + response.status();
    }
}
