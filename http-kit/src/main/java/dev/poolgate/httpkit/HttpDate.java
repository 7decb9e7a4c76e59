package dev.poolgate.httpkit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date} header's value, formatted once a second rather than once a response. Public for
 * the gateway's start-up warm-up, which formats one ahead of the first response.
 */
public final class HttpDate {

    private record Stamp(long second, String text) {
    }

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
            Locale.US).withZone(ZoneOffset.UTC);

    private static volatile Stamp current = new Stamp(-1, "");

    private HttpDate() {
    }

    /** The current second as an HTTP date, e.g. {@code Fri, 04 Dec 2026 17:40:08 GMT}. */
    public static String now() {
        long second = System.currentTimeMillis() / 1000;
        Stamp stamp = current;
        if (stamp.second != second) {
            stamp = new Stamp(second, FORMAT.format(Instant.ofEpochSecond(second)));
            current = stamp;
        }
        return stamp.text;
    }
}
