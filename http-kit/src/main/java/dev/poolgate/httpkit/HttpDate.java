package dev.poolgate.httpkit;

import java.time.LocalDate;

/**
 * The {@code Date} header's value, formatted once a second rather than once a response. Public for
 * the gateway's start-up warm-up, which formats one ahead of the first response.
 *
 * <p>The IMF-fixdate of RFC 9110 ({@code Fri, 04 Dec 2026 17:40:08 GMT}) is written by hand from
 * the epoch second: its names are fixed English and its fields fixed width, so the JDK's
 * locale-aware formatter, whose locale data cost ~25 ms of a cold start, has nothing to add.
 */
public final class HttpDate {

    private record Stamp(long second, String text) {
    }

    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};
    private static final long SECONDS_PER_DAY = 86_400;

    private static volatile Stamp current = new Stamp(-1, "");

    private HttpDate() {
    }

    /** The current second as an HTTP date, e.g. {@code Fri, 04 Dec 2026 17:40:08 GMT}. */
    public static String now() {
        long second = System.currentTimeMillis() / 1000;
        Stamp stamp = current;
        if (stamp.second != second) {
            stamp = new Stamp(second, format(second));
            current = stamp;
        }
        return stamp.text;
    }

    /** {@code epochSecond} (years 0 to 9999) as an IMF-fixdate. */
    static String format(long epochSecond) {
        long day = Math.floorDiv(epochSecond, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(epochSecond, SECONDS_PER_DAY);
        LocalDate date = LocalDate.ofEpochDay(day);
        StringBuilder text = new StringBuilder(29);
        text.append(DAYS[(int) Math.floorMod(day + 3, 7)]).append(", "); // 1970-01-01 was a Thursday
        twoDigits(text, date.getDayOfMonth()).append(' ').append(MONTHS[date.getMonthValue() - 1]).append(' ');
        int year = date.getYear();
        twoDigits(twoDigits(text, year / 100), year % 100).append(' ');
        twoDigits(text, secondOfDay / 3600).append(':');
        twoDigits(text, secondOfDay / 60 % 60).append(':');
        return twoDigits(text, secondOfDay % 60).append(" GMT").toString();
    }

    private static StringBuilder twoDigits(StringBuilder text, int value) {
        return text.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }
}
