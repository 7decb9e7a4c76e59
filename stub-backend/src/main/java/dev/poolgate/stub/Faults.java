package dev.poolgate.stub;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The live fault controls of a running {@link StubBackend}: change them from any thread while it
 * serves; each request reads one consistent set of values when it arrives. The admin endpoint
 * ({@code GET/POST /admin/faults}, {@code POST /admin/faults/reset}) changes the same values.
 *
 * <p>Every fault is off unless enabled. Setters validate (an {@link IllegalArgumentException}
 * names the setting, the value and the accepted range, and nothing changes) and return this
 * object, so that they chain:
 * <pre>{@code
 * stub.faults().failWith(429).retryAfterSeconds(3);
 * stub.faults().reset();
 * }</pre>
 *
 * <p>Which requests each fault touches: latency and dropped connections act on the API paths
 * ({@code /v1/...}) and {@code /health}; failures and the mid-stream error on the API paths;
 * {@code healthFailing} on {@code /health}; none on {@code /admin/...}. An API request meets them
 * in this order: latency, drop, failure, then the normal validation and answer.
 */
public final class Faults {

    private final AtomicReference<FaultSettings> current;

    Faults(FaultSettings initial) {
        current = new AtomicReference<>(initial);
    }

    /** The values a request arriving now sees. */
    FaultSettings snapshot() {
        return current.get();
    }

    /** Applies {@code change} atomically; a change that fails validation changes nothing. */
    Faults update(UnaryOperator<FaultSettings> change) {
        current.updateAndGet(change);
        return this;
    }

    /** Turns every fault off (the values a stub configured with no faults starts with). */
    public Faults reset() {
        current.set(FaultSettings.NONE);
        return this;
    }

    /** Latency added before every API and health request is answered, up to 10 minutes. */
    public Faults requestLatency(Duration latency) {
        return update(settings -> settings.withRequestLatency(latency));
    }

    public Duration requestLatency() {
        return snapshot().requestLatency();
    }

    /** Latency added before every event of a streamed response, up to 10 minutes. */
    public Faults eventLatency(Duration latency) {
        return update(settings -> settings.withEventLatency(latency));
    }

    public Duration eventLatency() {
        return snapshot().eventLatency();
    }

    /** The fraction of API requests, from 0 (never) to 1 (always), answered with the failure status. */
    public Faults failureRate(double rate) {
        return update(settings -> settings.withFailureRate(rate));
    }

    public double failureRate() {
        return snapshot().failureRate();
    }

    /**
     * The status of an injected failure: 429 {@code rate_limit_error} (with {@code retry-after}),
     * 500 {@code api_error} (the default) or 529 {@code overloaded_error} (with {@code retry-after}).
     */
    public Faults failureStatus(int status) {
        return update(settings -> settings.withFailureStatus(status));
    }

    public int failureStatus() {
        return snapshot().failureStatus();
    }

    /** Every API request fails with {@code status} (429, 500 or 529): failure rate 1. */
    public Faults failWith(int status) {
        return update(settings -> settings.withFailureStatus(status).withFailureRate(1.0));
    }

    /** The {@code retry-after} seconds of an injected 429 or 529, from 0 to 86400; 1 by default. */
    public Faults retryAfterSeconds(int seconds) {
        return update(settings -> settings.withRetryAfterSeconds(seconds));
    }

    public int retryAfterSeconds() {
        return snapshot().retryAfterSeconds();
    }

    /**
     * A streamed response sends {@code deltas} content deltas (text, thinking or tool input), then an {@code error} event
     * ({@code overloaded_error}), then ends; when the reply has fewer deltas, the error follows
     * the last one. -1 turns it off.
     */
    public Faults midStreamErrorAfterDeltas(int deltas) {
        return update(settings -> settings.withMidStreamErrorAfterDeltas(deltas));
    }

    public int midStreamErrorAfterDeltas() {
        return snapshot().midStreamErrorAfterDeltas();
    }

    /** {@code GET /health} answers 503 while on. */
    public Faults healthFailing(boolean failing) {
        return update(settings -> settings.withHealthFailing(failing));
    }

    public boolean healthFailing() {
        return snapshot().healthFailing();
    }

    /**
     * The fraction of API and health requests, from 0 (never) to 1 (always), whose connection is
     * closed without any response; the client sees an {@link java.io.IOException}.
     */
    public Faults dropRate(double rate) {
        return update(settings -> settings.withDropRate(rate));
    }

    public double dropRate() {
        return snapshot().dropRate();
    }

    /** The current values as the JSON of {@code GET /admin/faults}. */
    @Override
    public String toString() {
        return Json.string(AdminEndpoint.toJson(snapshot()));
    }
}
