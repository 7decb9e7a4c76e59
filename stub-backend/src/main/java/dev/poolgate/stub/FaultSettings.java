package dev.poolgate.stub;

import java.time.Duration;
import java.util.List;

/**
 * One consistent set of fault values: what {@link StubConfig} starts with, what {@link Faults}
 * holds and swaps atomically, what a request reads once when it arrives. {@link #NONE} is every
 * fault off.
 *
 * <p>The range checks are here once and take the name the caller knows the value by: a record
 * component ({@code requestLatency}), an admin JSON field ({@code request_latency_ms}) or a flag
 * ({@code --latency-ms}).
 *
 * @param requestLatency added before every API and health request is answered
 * @param eventLatency added before every event of a streamed response
 * @param failureRate the fraction of API requests (0 to 1) answered with {@code failureStatus}
 * @param failureStatus the status of an injected failure: 429, 500 or 529
 * @param retryAfterSeconds the {@code retry-after} of an injected 429 or 529
 * @param midStreamErrorAfterDeltas the number of content deltas (text, thinking, tool input) a
 *        streamed response sends before an {@code error} event ends it; {@link #MID_STREAM_ERROR_OFF}
 *        for none
 * @param healthFailing {@code GET /health} answers 503
 * @param dropRate the fraction of API and health requests (0 to 1) whose connection is closed
 *        without any response
 */
record FaultSettings(
        Duration requestLatency,
        Duration eventLatency,
        double failureRate,
        int failureStatus,
        int retryAfterSeconds,
        int midStreamErrorAfterDeltas,
        boolean healthFailing,
        double dropRate) {

    static final Duration MAX_LATENCY = Duration.ofMinutes(10);
    static final long MAX_LATENCY_MS = MAX_LATENCY.toMillis();
    static final List<Integer> FAILURE_STATUSES = List.of(429, 500, 529);
    static final int DEFAULT_FAILURE_STATUS = 500;
    static final int DEFAULT_RETRY_AFTER_SECONDS = 1;
    static final int MAX_RETRY_AFTER_SECONDS = 86_400;
    static final int MID_STREAM_ERROR_OFF = -1;

    static final FaultSettings NONE = new FaultSettings(Duration.ZERO, Duration.ZERO, 0.0,
            DEFAULT_FAILURE_STATUS, DEFAULT_RETRY_AFTER_SECONDS, MID_STREAM_ERROR_OFF, false, 0.0);

    FaultSettings {
        requireLatency("requestLatency", requestLatency);
        requireLatency("eventLatency", eventLatency);
        requireRate("failureRate", failureRate);
        requireFailureStatus("failureStatus", failureStatus);
        requireRetryAfter("retryAfterSeconds", retryAfterSeconds);
        requireMidStreamErrorAfter("midStreamErrorAfterDeltas", midStreamErrorAfterDeltas);
        requireRate("dropRate", dropRate);
    }

    static void requireLatency(String name, Duration latency) {
        if (latency == null) {
            throw new IllegalArgumentException(name + " must not be null; pass Duration.ZERO for no added latency");
        }
        if (latency.isNegative() || latency.compareTo(MAX_LATENCY) > 0) {
            throw new IllegalArgumentException(name + " must be between 0 and " + MAX_LATENCY_MS + " ms, but was "
                    + latency);
        }
    }

    static Duration requireLatencyMillis(String name, long millis) {
        if (millis < 0 || millis > MAX_LATENCY_MS) {
            throw new IllegalArgumentException(name + " must be an integer from 0 to " + MAX_LATENCY_MS
                    + " (milliseconds), but was " + millis);
        }
        return Duration.ofMillis(millis);
    }

    static void requireRate(String name, double rate) {
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException(name + " must be a number from 0 to 1 (0 = never, 1 = always), but was "
                    + rate);
        }
    }

    static void requireFailureStatus(String name, long status) {
        if (!(status == (int) status && FAILURE_STATUSES.contains((int) status))) {
            throw new IllegalArgumentException(name + " must be one of 429 (rate_limit_error), 500 (api_error)"
                    + " or 529 (overloaded_error), but was " + status);
        }
    }

    static void requireRetryAfter(String name, long seconds) {
        if (seconds < 0 || seconds > MAX_RETRY_AFTER_SECONDS) {
            throw new IllegalArgumentException(name + " must be an integer from 0 to " + MAX_RETRY_AFTER_SECONDS
                    + " (seconds), but was " + seconds);
        }
    }

    static void requireMidStreamErrorAfter(String name, long deltas) {
        if (deltas < MID_STREAM_ERROR_OFF || deltas > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be a number of deltas from 0 to " + Integer.MAX_VALUE
                    + ", or " + MID_STREAM_ERROR_OFF + " for no mid-stream error, but was " + deltas);
        }
    }

    boolean midStreamError() {
        return midStreamErrorAfterDeltas != MID_STREAM_ERROR_OFF;
    }

    FaultSettings withRequestLatency(Duration latency) {
        return new FaultSettings(latency, eventLatency, failureRate, failureStatus, retryAfterSeconds,
                midStreamErrorAfterDeltas, healthFailing, dropRate);
    }

    FaultSettings withEventLatency(Duration latency) {
        return new FaultSettings(requestLatency, latency, failureRate, failureStatus, retryAfterSeconds,
                midStreamErrorAfterDeltas, healthFailing, dropRate);
    }

    FaultSettings withFailureRate(double rate) {
        return new FaultSettings(requestLatency, eventLatency, rate, failureStatus, retryAfterSeconds,
                midStreamErrorAfterDeltas, healthFailing, dropRate);
    }

    FaultSettings withFailureStatus(int status) {
        return new FaultSettings(requestLatency, eventLatency, failureRate, status, retryAfterSeconds,
                midStreamErrorAfterDeltas, healthFailing, dropRate);
    }

    FaultSettings withRetryAfterSeconds(int seconds) {
        return new FaultSettings(requestLatency, eventLatency, failureRate, failureStatus, seconds,
                midStreamErrorAfterDeltas, healthFailing, dropRate);
    }

    FaultSettings withMidStreamErrorAfterDeltas(int deltas) {
        return new FaultSettings(requestLatency, eventLatency, failureRate, failureStatus, retryAfterSeconds,
                deltas, healthFailing, dropRate);
    }

    FaultSettings withHealthFailing(boolean failing) {
        return new FaultSettings(requestLatency, eventLatency, failureRate, failureStatus, retryAfterSeconds,
                midStreamErrorAfterDeltas, failing, dropRate);
    }

    FaultSettings withDropRate(double rate) {
        return new FaultSettings(requestLatency, eventLatency, failureRate, failureStatus, retryAfterSeconds,
                midStreamErrorAfterDeltas, healthFailing, rate);
    }
}
