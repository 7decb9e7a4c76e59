package dev.poolgate.server.api;

import dev.poolgate.server.config.UpstreamRetries;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Decides whether a request that failed upstream is sent again, and after how long. The decisions
 * are pure functions of the attempt, the outcome, the random source and the clock, so that tests
 * check them without waiting; {@link #sleep} is the one place that waits.
 *
 * <p>What is retried, at most {@link UpstreamRetries#retries()} times: a connection that failed
 * before any answer (it could not be made, or broke before the status line), and an answer whose
 * {@code x-should-retry} is {@code true}, or that is a 429 or 529 without {@code x-should-retry:
 * false}; this follows the official SDKs, except that other statuses are left to the client. An
 * upstream timeout is not retried: the request may still be running upstream, and another wait as
 * long would rarely be welcome.
 *
 * <p>How long: upstream's {@code retry-after-ms} or {@code retry-after} (seconds or an HTTP date)
 * when it sent one, exactly, unless it is longer than the max backoff: then there is no retry and
 * the answer goes to the client, who can wait as long as it likes. Otherwise an exponential backoff,
 * {@code backoff * 2^(retry - 1)} capped at the max backoff, less up to {@value #JITTER} of it at
 * random so that clients refused together do not come back together.
 */
final class RetryPolicy {

    /** Waits; {@code Thread::sleep} outside tests. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /**
     * Whether to retry, after how long, and why (for the {@code [API]} line).
     *
     * @param retry true to send the request again
     * @param delay the wait before it; zero when giving up
     * @param reason what the decision rests on, in words
     */
    record Decision(boolean retry, Duration delay, String reason) {

        static Decision retryAfter(Duration delay, String reason) {
            return new Decision(true, delay, reason);
        }

        static Decision giveUp(String reason) {
            return new Decision(false, Duration.ZERO, reason);
        }
    }

    /** The largest share of a backoff taken off at random. */
    static final double JITTER = 0.25;

    private final UpstreamRetries settings;
    private final DoubleSupplier random;
    private final Clock clock;
    private final Sleeper sleeper;

    /**
     * @param random values in [0, 1) for the jitter
     * @param clock the wall clock, for a {@code retry-after} that is a date
     */
    RetryPolicy(UpstreamRetries settings, DoubleSupplier random, Clock clock, Sleeper sleeper) {
        this.settings = Objects.requireNonNull(settings, "settings must not be null; pass UpstreamRetries.OFF");
        this.random = Objects.requireNonNull(random, "random must not be null; pass a source of [0, 1) values");
        this.clock = Objects.requireNonNull(clock, "clock must not be null; pass Clock.systemUTC()");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper must not be null; pass Thread::sleep");
    }

    /** The policy of {@code settings} with a real random source, clock and sleep. */
    static RetryPolicy of(UpstreamRetries settings) {
        return new RetryPolicy(settings, () -> ThreadLocalRandom.current().nextDouble(), Clock.systemUTC(),
                Thread::sleep);
    }

    /** The most retries per request. */
    int retries() {
        return settings.retries();
    }

    /**
     * After attempt number {@code attempt} (from 1) failed to connect, or its connection broke
     * before the status line.
     */
    Decision afterConnectionFailure(int attempt) {
        requireAttempt(attempt);
        Optional<Decision> spent = spent(attempt);
        if (spent.isPresent()) {
            return spent.get();
        }
        return Decision.retryAfter(backoff(attempt), "the upstream connection failed before any answer");
    }

    /**
     * After attempt number {@code attempt} (from 1) was answered with {@code status}.
     *
     * @param headers the answer's headers, names in lower case
     */
    Decision afterAnswer(int attempt, int status, Map<String, List<String>> headers) {
        requireAttempt(attempt);
        Objects.requireNonNull(headers, "headers must not be null; pass the answer's headers");
        if (status < 400) {
            return Decision.giveUp("upstream answered " + status + ", not an error");
        }
        String shouldRetry = first(headers, "x-should-retry").strip().toLowerCase(Locale.ROOT);
        if (shouldRetry.equals("false")) {
            return Decision.giveUp("upstream answered " + status + " with x-should-retry: false");
        }
        if (!shouldRetry.equals("true") && status != 429 && status != 529) {
            return Decision.giveUp("upstream answered " + status + ", which is retried only with x-should-retry: "
                    + "true");
        }
        Optional<Decision> spent = spent(attempt);
        if (spent.isPresent()) {
            return spent.get();
        }
        Optional<Duration> asked = retryAfter(headers);
        if (asked.isEmpty()) {
            return Decision.retryAfter(backoff(attempt), "upstream answered " + status);
        }
        if (asked.get().compareTo(settings.maxBackoff()) > 0) {
            return Decision.giveUp("upstream answered " + status + " asking for a wait of " + millis(asked.get())
                    + ", longer than the max backoff of " + millis(settings.maxBackoff()));
        }
        return Decision.retryAfter(asked.get(), "upstream answered " + status + " asking for a wait of "
                + millis(asked.get()));
    }

    /** A decision to give up when retries are off or used up; empty while one is left. */
    private Optional<Decision> spent(int attempt) {
        if (!settings.enabled()) {
            return Optional.of(Decision.giveUp("retries are off"));
        }
        if (attempt > settings.retries()) {
            return Optional.of(Decision.giveUp("all " + settings.retries() + " retries were used"));
        }
        return Optional.empty();
    }

    /**
     * The wait before retry number {@code retry} (from 1) when upstream asked for none:
     * {@code backoff * 2^(retry - 1)}, at most the max backoff, less up to {@link #JITTER} of it.
     */
    Duration backoff(int retry) {
        requireAttempt(retry);
        long max = settings.maxBackoff().toNanos();
        long nanos = settings.backoff().toNanos();
        for (int i = 1; i < retry && nanos < max; i++) {
            nanos = nanos > max / 2 ? max : nanos * 2;
        }
        nanos = Math.min(nanos, max);
        double draw = random.getAsDouble();
        if (!(draw >= 0.0 && draw < 1.0)) {
            throw new IllegalStateException("the random source gave " + draw + "; it must give values in [0, 1)");
        }
        return Duration.ofNanos(Math.round(nanos * (1.0 - JITTER * draw)));
    }

    /**
     * The wait upstream asked for: {@code retry-after-ms} (milliseconds), else {@code retry-after}
     * (seconds, or an HTTP date); empty without one, or with one that is no number, date or is
     * negative. A date in the past is a wait of zero.
     */
    Optional<Duration> retryAfter(Map<String, List<String>> headers) {
        Optional<Duration> millis = number(first(headers, "retry-after-ms"), 1_000_000L);
        if (millis.isPresent()) {
            return millis;
        }
        String value = first(headers, "retry-after").strip();
        Optional<Duration> seconds = number(value, 1_000_000_000L);
        if (seconds.isPresent() || value.isEmpty()) {
            return seconds;
        }
        try {
            Duration until = Duration.between(clock.instant(),
                    ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return Optional.of(until.isNegative() ? Duration.ZERO : until);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Waits {@code duration}. */
    void sleep(Duration duration) throws InterruptedException {
        if (duration.isPositive()) {
            sleeper.sleep(duration);
        }
    }

    private static Optional<Duration> number(String value, long nanosPerUnit) {
        if (value.isBlank()) {
            return Optional.empty();
        }
        try {
            BigDecimal amount = new BigDecimal(value.strip());
            if (amount.signum() < 0) {
                return Optional.empty();
            }
            // Anything beyond a day is as good as forever here, and must not overflow.
            BigDecimal nanos = amount.multiply(BigDecimal.valueOf(nanosPerUnit));
            return Optional.of(nanos.compareTo(BigDecimal.valueOf(Duration.ofDays(1).toNanos())) > 0
                    ? Duration.ofDays(1) : Duration.ofNanos(nanos.longValue()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? "" : values.get(0);
    }

    private static String millis(Duration duration) {
        return duration.toMillis() + " ms";
    }

    private static void requireAttempt(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1 (the first attempt is 1), but was " + attempt);
        }
    }
}
