package dev.poolgate.httpkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written HTTP date agrees with the JDK's formatter for the same pattern. */
class HttpDateTest {

    private static final DateTimeFormatter JDK = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
            Locale.US).withZone(ZoneOffset.UTC);

    @Test
    void everyFieldMatchesTheJdksFormatter() {
        long[] edges = {0, -1, 86_399, 86_400, 951_782_400 /* 2000-02-29 */, 4_107_542_399L /* 2100-02-28 */,
            1_796_417_608 /* a Friday in 2026 */, -62_135_596_800L /* 0001-01-01 */, 253_402_300_799L /* 9999 */};
        for (long second : edges) {
            assertEquals(JDK.format(Instant.ofEpochSecond(second)), HttpDate.format(second), "second " + second);
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            long second = random.nextLong(-62_135_596_800L, 253_402_300_800L);
            assertEquals(JDK.format(Instant.ofEpochSecond(second)), HttpDate.format(second), "second " + second);
        }
    }

    @Test
    void nowIsTheCurrentSecond() {
        long before = System.currentTimeMillis() / 1000;
        String now = HttpDate.now();
        long after = System.currentTimeMillis() / 1000;
        assertTrue(now.equals(HttpDate.format(before)) || now.equals(HttpDate.format(after)), now);
    }
}
