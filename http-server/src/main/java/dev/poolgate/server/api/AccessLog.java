package dev.poolgate.server.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Writes the access log: one {@code [ACCESS]} line per request when it ends, refused ones
 * included, at INFO on the logger {@code dev.poolgate.server.access}. The text line is
 * {@code key=value} pairs after the gateway's request id (the one its own log lines name; a client
 * that got upstream's answer saw upstream's, which ends the line); with the JSON log format the same values are also
 * the event's named fields. Values the client chose (method, model) are cut to
 * {@value #MAX_VALUE_CHARS} characters of {@code [A-Za-z0-9._:@/-]}, others replaced by
 * {@code _}, so that a line always parses. The client is a digest of its key, never the key.
 */
final class AccessLog {

    private static final Logger LOG = LoggerFactory.getLogger("dev.poolgate.server.access");
    static final int MAX_VALUE_CHARS = 64;

    private final boolean fields;

    /** @param fields whether the values are also attached as named fields (the JSON log format) */
    AccessLog(boolean fields) {
        this.fields = fields;
    }

    /** Logs the request {@code call}, which ended at {@code endNanos}. */
    void write(Call call, long endNanos) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        String method = value(call.method());
        String model = call.model == null ? "-" : value(call.model);
        String origin = call.statusFromUpstream ? "upstream" : "gateway";
        String acquire = millis(call.acquireNanos);
        String firstByte = call.firstByteAt == 0 ? "-" : millis(call.firstByteAt - call.startNanos);
        String total = millis(endNanos - call.startNanos);
        String input = call.inputTokens < 0 ? "-" : Long.toString(call.inputTokens);
        String output = call.outputTokens < 0 ? "-" : Long.toString(call.outputTokens);
        // The id the client saw when upstream's answer was passed on: upstream's own.
        String upstreamId = call.statusFromUpstream ? value(String.valueOf(call.responseHeaders()
                .getFirst("request-id"))) : "-";
        String line = "[ACCESS] " + call.requestId + " client=" + call.client + " method=" + method + " route="
                + call.route + " status=" + call.status() + " origin=" + origin + " model=" + model + " stream="
                + call.stream + " input_tokens=" + input + " output_tokens=" + output + " acquire_ms=" + acquire
                + " ttfb_ms=" + firstByte + " total_ms=" + total + " bytes_in=" + call.bytesIn + " bytes_out="
                + call.bytesOut + " upstream_request_id=" + upstreamId;
        if (!fields) {
            LOG.info(line);
            return;
        }
        LoggingEventBuilder event = LOG.atInfo()
                .addKeyValue("request_id", call.requestId)
                .addKeyValue("client", call.client)
                .addKeyValue("method", method)
                .addKeyValue("route", call.route)
                .addKeyValue("status", call.status())
                .addKeyValue("origin", origin)
                .addKeyValue("model", model)
                .addKeyValue("stream", call.stream)
                .addKeyValue("input_tokens", call.inputTokens)
                .addKeyValue("output_tokens", call.outputTokens)
                .addKeyValue("acquire_ms", acquire)
                .addKeyValue("ttfb_ms", firstByte)
                .addKeyValue("total_ms", total)
                .addKeyValue("bytes_in", call.bytesIn)
                .addKeyValue("bytes_out", call.bytesOut)
                .addKeyValue("upstream_request_id", upstreamId);
        event.log(line);
    }

    /** Milliseconds with three decimals, or "-" for a negative (unknown) duration. */
    static String millis(long nanos) {
        if (nanos < 0) {
            return "-";
        }
        long micros = nanos / 1_000;
        long fraction = micros % 1_000;
        return (micros / 1_000) + "." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + fraction;
    }

    /** A client-chosen value made safe for a key=value line. */
    static String value(String raw) {
        int length = Math.min(raw.length(), MAX_VALUE_CHARS);
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            char c = raw.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '@' || c == '/' || c == '-';
            out.append(plain ? c : '_');
        }
        if (raw.length() > MAX_VALUE_CHARS) {
            out.append("...");
        }
        return out.isEmpty() ? "_" : out.toString();
    }
}
