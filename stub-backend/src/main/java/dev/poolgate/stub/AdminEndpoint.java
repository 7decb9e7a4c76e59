package dev.poolgate.stub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The admin endpoint, for tests and demos: read and change the faults at run time, read the
 * request counts. Served only where {@link StubConfig.AdminAccess} allows ({@link Router} checks).
 *
 * <ul>
 *   <li>{@code GET /admin/faults}: the current faults as JSON (the format below);
 *   <li>{@code POST /admin/faults} with a JSON object of some of those fields: changes just those,
 *       atomically (a bad field is a 400 naming it, and nothing changes); answers the new faults;
 *   <li>{@code POST /admin/faults/reset}: every fault off; answers the new faults;
 *   <li>{@code GET /admin/stats}: {@code {"requests_total":n,"requests_by_path":{...},
 *       "client_connections_seen":n,"api_in_flight":n,"api_in_flight_peak":n}}.
 * </ul>
 * Faults JSON: {@code {"request_latency_ms":0,"event_latency_ms":0,"failure_rate":0.0,
 * "failure_status":500,"retry_after_seconds":1,"mid_stream_error_after_deltas":-1,
 * "health_failing":false,"drop_rate":0.0}}.
 */
final class AdminEndpoint {

    static final String REQUEST_LATENCY_MS = "request_latency_ms";
    static final String EVENT_LATENCY_MS = "event_latency_ms";
    static final String FAILURE_RATE = "failure_rate";
    static final String FAILURE_STATUS = "failure_status";
    static final String RETRY_AFTER_SECONDS = "retry_after_seconds";
    static final String MID_STREAM_ERROR_AFTER_DELTAS = "mid_stream_error_after_deltas";
    static final String HEALTH_FAILING = "health_failing";
    static final String DROP_RATE = "drop_rate";

    private static final List<String> FIELDS = List.of(REQUEST_LATENCY_MS, EVENT_LATENCY_MS, FAILURE_RATE,
            FAILURE_STATUS, RETRY_AFTER_SECONDS, MID_STREAM_ERROR_AFTER_DELTAS, HEALTH_FAILING, DROP_RATE);
    private static final String EXAMPLE = "{\"failure_rate\": 1.0, \"failure_status\": 429}";
    /** Admin bodies are a few fields; this bounds what a stray upload can make the stub buffer. */
    private static final int MAX_BODY_BYTES = 64 * 1024;

    private final Faults faults;
    private final RequestStats stats;

    AdminEndpoint(Faults faults, RequestStats stats) {
        this.faults = faults;
        this.stats = stats;
    }

    void getFaults(StubExchange exchange) throws IOException {
        exchange.sendJson(200, toJson(faults.snapshot()));
    }

    void updateFaults(StubExchange exchange) throws IOException {
        ObjectNode update = Json.parseObject(exchange.readBody(MAX_BODY_BYTES), "The faults update", EXAMPLE);
        // Checked against the values of now; applied atomically against whatever is current then.
        apply(faults.snapshot(), update);
        faults.update(current -> apply(current, update));
        getFaults(exchange);
    }

    void resetFaults(StubExchange exchange) throws IOException {
        faults.reset();
        getFaults(exchange);
    }

    void getStats(StubExchange exchange) throws IOException {
        exchange.sendJson(200, stats.toJson());
    }

    static ObjectNode toJson(FaultSettings settings) {
        ObjectNode json = Json.object();
        json.put(REQUEST_LATENCY_MS, settings.requestLatency().toMillis());
        json.put(EVENT_LATENCY_MS, settings.eventLatency().toMillis());
        json.put(FAILURE_RATE, settings.failureRate());
        json.put(FAILURE_STATUS, settings.failureStatus());
        json.put(RETRY_AFTER_SECONDS, settings.retryAfterSeconds());
        json.put(MID_STREAM_ERROR_AFTER_DELTAS, settings.midStreamErrorAfterDeltas());
        json.put(HEALTH_FAILING, settings.healthFailing());
        json.put(DROP_RATE, settings.dropRate());
        return json;
    }

    /**
     * {@code settings} with the fields of {@code update} applied.
     *
     * @throws ApiException 400 naming the first unknown, mistyped or out-of-range field
     */
    static FaultSettings apply(FaultSettings settings, ObjectNode update) {
        FaultSettings result = settings;
        for (Map.Entry<String, JsonNode> field : update.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            try {
                result = switch (name) {
                    case REQUEST_LATENCY_MS -> result.withRequestLatency(
                            FaultSettings.requireLatencyMillis(name, integer(name, value)));
                    case EVENT_LATENCY_MS -> result.withEventLatency(
                            FaultSettings.requireLatencyMillis(name, integer(name, value)));
                    case FAILURE_RATE -> result.withFailureRate(rate(name, value));
                    case FAILURE_STATUS -> {
                        long status = integer(name, value);
                        FaultSettings.requireFailureStatus(name, status);
                        yield result.withFailureStatus((int) status);
                    }
                    case RETRY_AFTER_SECONDS -> {
                        long seconds = integer(name, value);
                        FaultSettings.requireRetryAfter(name, seconds);
                        yield result.withRetryAfterSeconds((int) seconds);
                    }
                    case MID_STREAM_ERROR_AFTER_DELTAS -> {
                        long deltas = integer(name, value);
                        FaultSettings.requireMidStreamErrorAfter(name, deltas);
                        yield result.withMidStreamErrorAfterDeltas((int) deltas);
                    }
                    case HEALTH_FAILING -> {
                        if (!value.isBoolean()) {
                            throw new IllegalArgumentException(name + " must be true or false, but was "
                                    + Json.kind(value));
                        }
                        yield result.withHealthFailing(value.booleanValue());
                    }
                    case DROP_RATE -> result.withDropRate(rate(name, value));
                    default -> throw new IllegalArgumentException("unknown fault \"" + ApiException.shown(name)
                            + "\"; the faults are "
                            + String.join(", ", FIELDS));
                };
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidRequest(e.getMessage());
            }
        }
        return result;
    }

    private static long integer(String name, JsonNode value) {
        if (!(value.isIntegralNumber() && value.canConvertToLong())) {
            throw new IllegalArgumentException(name + " must be an integer, but was " + Json.kind(value));
        }
        return value.longValue();
    }

    private static double rate(String name, JsonNode value) {
        if (!value.isNumber()) {
            throw new IllegalArgumentException(name + " must be a number from 0 to 1, but was " + Json.kind(value));
        }
        FaultSettings.requireRate(name, value.doubleValue());
        return value.doubleValue();
    }
}
