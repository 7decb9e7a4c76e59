package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Parses a {@code text/event-stream} body into its events and checks the Messages API's order. */
final class ServerSentEvents {

    /** One event: its {@code event:} name and its {@code data:} JSON. */
    record Event(String name, JsonNode data) {
    }

    private ServerSentEvents() {
    }

    static List<Event> parse(String body) {
        List<Event> events = new ArrayList<>();
        for (String block : body.replace("\r\n", "\n").split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String name = null;
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                }
            }
            try {
                events.add(new Event(name, GatewayClient.JSON.readTree(data.toString())));
            } catch (IOException e) {
                throw new AssertionError("event " + name + " has no JSON data: " + block, e);
            }
        }
        return events;
    }

    /**
     * Asserts the order of a complete stream: {@code message_start}, then per content block
     * {@code content_block_start}, one or more {@code content_block_delta}, {@code content_block_stop};
     * then {@code message_delta} and {@code message_stop}; {@code ping} anywhere. Each event's data
     * has the event's name as its {@code type}.
     */
    static void assertMessageOrder(List<Event> events) {
        for (Event event : events) {
            assertEquals(event.name(), event.data().path("type").asText(), "data.type of " + event);
        }
        String names = events.stream().map(Event::name).filter(name -> !name.equals("ping"))
                .collect(Collectors.joining(" "));
        assertTrue(names.matches("message_start( content_block_start( content_block_delta)+ content_block_stop)+"
                + " message_delta message_stop"), "event order: " + names);
    }

    /** The text of every {@code text_delta}, joined. */
    static String text(List<Event> events) {
        return events.stream().filter(event -> event.name().equals("content_block_delta"))
                .map(event -> event.data().path("delta").path("text").asText())
                .collect(Collectors.joining());
    }
}
