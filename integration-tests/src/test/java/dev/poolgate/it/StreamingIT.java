package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.testkit.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scenario 8: streaming through the server, event by event, and a client that leaves mid-stream. */
class StreamingIT extends EndToEndTest {

    /** One server-sent event and when it arrived. */
    private record Event(String name, JsonNode data, long atNanos) {
    }

    @Test
    @Timeout(60)
    void streamedEventsPassThroughInOrderAsTheyArriveThenTheConnectionIsReleased() throws IOException {
        Server server = startServer();
        int listening = server.log().size();
        stub.faults("{\"event_latency_ms\": 40}");

        String text = "stream these words through the gateway one event at a time";
        List<Event> events = new ArrayList<>();
        HttpResponse<InputStream> response = server.api().stream(text);
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"),
                response.headers().toString());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String name = null;
            String data = null;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                } else if (line.isEmpty() && name != null) {
                    events.add(new Event(name, Json.parse(data), System.nanoTime()));
                    name = null;
                    data = null;
                }
            }
        }

        List<String> names = events.stream().map(Event::name).filter(name -> !name.equals("ping")).toList();
        int deltas = (int) names.stream().filter(name -> name.equals("content_block_delta")).count();
        assertTrue(deltas >= 10, "one delta per word: " + names);
        List<String> expected = new ArrayList<>(List.of("message_start", "content_block_start"));
        expected.addAll(Collections.nCopies(deltas, "content_block_delta"));
        expected.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
        assertEquals(expected, names);
        events.forEach(event -> assertEquals(event.name(), event.data().path("type").asText(), event.toString()));
        StringBuilder reply = new StringBuilder();
        events.stream().filter(event -> event.name().equals("content_block_delta"))
                .forEach(event -> reply.append(event.data().path("delta").path("text").asText()));
        assertTrue(reply.toString().startsWith(Api.replyPrefix(text)), reply.toString());
        // Passed on as they came (40 ms apart upstream), not gathered into one write at the end.
        long spreadMillis = (events.getLast().atNanos() - events.getFirst().atNanos()) / 1_000_000;
        assertTrue(spreadMillis >= deltas * 40L / 2, "events arrived within " + spreadMillis + " ms");

        server.awaitLog("[POOL] Released connection ", 1, Duration.ofSeconds(10));
        List<String> lines = server.log().subList(listening, server.log().size());
        String id = captured(lines, "\\[POOL_MANAGER\\] Acquired pooled connection (" + ID + ") .*").getFirst();
        assertEquals(List.of(
                "[API] Acquiring Claude client from pool for message request",
                "[POOL_MANAGER] Acquiring client from pool",
                "[POOL] Reusing existing connection " + id + " (use_count: 1, pool_size: 2)",
                "[POOL_MANAGER] Acquired pooled connection " + id + " (use_count: 1)",
                "[API] Releasing Claude client connection " + id + " back to pool",
                "[POOL_MANAGER] Releasing connection " + id + " back to pool",
                "[POOL] Released connection " + id + " back to pool (available: 2, in_use: 0)"), lines);
        assertEquals(0, server.stats().inUse());
        assertEquals(List.of(), server.problems(), "warnings or errors in " + server.logFile());
    }

    @Test
    @Timeout(60)
    void aClientThatLeavesMidStreamGetsItsConnectionDestroyedNotReused() {
        Server server = startServer();
        int listening = server.log().size();
        long destroyedBefore = server.stats().destroyed();
        stub.faults("{\"event_latency_ms\": 100}");

        String text = "a stream the client will not wait for, since it leaves after three of the words";
        readThreeDeltasThenHangUp(server, text);

        // The upstream response was cut off, so its connection is in an unknown state: destroyed,
        // and the pool back at min with a new one (the gateway issue's rule for a client that left).
        PoolStats stats = Await.until("the stream's connection is destroyed and replaced", Duration.ofSeconds(15),
                server::stats, s -> s.inUse() == 0 && s.available() == 2 && s.destroyed() == destroyedBefore + 1,
                server::log);
        assertEquals(2, stats.total(), stats.toString());
        // The counters change when the connection leaves the pool; its lines follow once it is
        // destroyed and the server's output has been read.
        server.awaitLog("[POOL] Destroyed connection ", 1, Duration.ofSeconds(10));
        server.awaitLog("[POOL] Created new pooled connection ", 3, Duration.ofSeconds(10));
        List<String> lines = server.log().subList(listening, server.log().size());
        String id = captured(lines, "\\[POOL_MANAGER\\] Acquired pooled connection (" + ID + ") .*").getFirst();
        assertEquals(List.of(
                "[API] Acquiring Claude client from pool for message request",
                "[POOL_MANAGER] Acquiring client from pool",
                "[POOL] Reusing existing connection " + id + " (use_count: 1, pool_size: 2)",
                "[POOL_MANAGER] Acquired pooled connection " + id + " (use_count: 1)"), lines.subList(0, 4));
        List<String> about = lines.stream().filter(line -> line.contains(id)).toList();
        assertEquals(List.of(
                "[POOL] Reusing existing connection " + id + " (use_count: 1, pool_size: 2)",
                "[POOL_MANAGER] Acquired pooled connection " + id + " (use_count: 1)",
                "[POOL] Connection " + id + " was invalidated by its holder",
                "[POOL] Destroyed connection " + id + " (total remaining: 1)"), about,
                "the connection of a stream whose client went away is destroyed, never released");

        stub.resetFaults();
        String next = "the next request after the hang-up";
        assertTrue(server.api().message(next).text().startsWith(Api.replyPrefix(next)));
        Await.until("the next request's connection is back", Duration.ofSeconds(10),
                () -> server.stats().inUse() == 0);
        List<String> all = server.log();
        List<String> afterDestruction = all.subList(all.indexOf("[POOL] Destroyed connection " + id
                + " (total remaining: 1)") + 1, all.size());
        assertTrue(afterDestruction.stream().noneMatch(line -> line.contains(id)),
                "the destroyed connection is never handed out again: " + afterDestruction);
    }

    /** A raw HTTP/1.1 client that reads the stream until three text deltas came, then closes its socket. */
    private static void readThreeDeltasThenHangUp(Server server, String text) {
        byte[] body = Api.messageBody(text, true).getBytes(StandardCharsets.UTF_8);
        String head = "POST /v1/messages HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + server.uri().getPort() + "\r\n"
                + "x-api-key: " + Api.CLIENT_KEY + "\r\n"
                + "anthropic-version: 2023-06-01\r\n"
                + "content-type: application/json\r\n"
                + "content-length: " + body.length + "\r\n\r\n";
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.uri().getPort()), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            int deltas = 0;
            for (String line; deltas < 3 && (line = in.readLine()) != null; ) {
                if (line.equals("event: content_block_delta")) {
                    deltas++;
                }
            }
            assertEquals(3, deltas, "the stream ended before three deltas");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
