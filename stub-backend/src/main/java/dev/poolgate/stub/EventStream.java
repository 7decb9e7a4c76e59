package dev.poolgate.stub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Server-sent events on a chunked response body, each written and flushed on its own (so a client
 * sees it before the next one exists), after the per-event latency fault if one is set:
 * {@code event: <name>\ndata: <json whose "type" is the name>\n\n}.
 */
final class EventStream {

    private final OutputStream out;
    private final Duration eventLatency;

    EventStream(OutputStream out, Duration eventLatency) {
        this.out = out;
        this.eventLatency = eventLatency;
    }

    /** A new event's data: an object whose {@code type} is the event name. */
    static ObjectNode data(String event) {
        ObjectNode data = Json.object();
        data.put("type", event);
        return data;
    }

    void send(ObjectNode data) throws IOException, InterruptedException {
        if (!eventLatency.isZero()) {
            Thread.sleep(eventLatency);
        }
        String event = data.get("type").textValue();
        out.write(("event: " + event + "\ndata: " + Json.string(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
