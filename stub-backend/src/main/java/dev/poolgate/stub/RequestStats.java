package dev.poolgate.stub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of what arrived, for tests and demos ({@code GET /admin/stats}): every request as it
 * arrives (before any fault), in total and by route template, the client connections seen, and
 * the API requests ({@code /v1/...}) in progress now and at most at once, which is what a
 * concurrency limit in front of the stub (one gateway's pool, or many sharing a budget) must bound.
 *
 * <p>{@code com.sun.net.httpserver} tells a handler nothing about connections, so a connection
 * is recognised by its client address and port, which stay fixed for the connection's life. The
 * count is therefore of distinct client {@code address:port} pairs that sent at least one request:
 * exact while the client does not reuse a port of a closed connection for a new one (operating
 * systems cycle through tens of thousands of ephemeral ports first). Sequential requests over one
 * kept-alive connection count once, which is what a pooling client's tests want to see.
 */
final class RequestStats {

    private final LongAdder total = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> byPath = new ConcurrentHashMap<>();
    private final Set<InetSocketAddress> clientConnections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger apiInFlight = new AtomicInteger();
    private final AtomicInteger apiInFlightPeak = new AtomicInteger();

    void record(String pathKey, InetSocketAddress client) {
        total.increment();
        byPath.computeIfAbsent(pathKey, key -> new LongAdder()).increment();
        if (client != null) {
            clientConnections.add(client);
        }
    }

    /** An API request began; {@link #apiFinished()} must follow. */
    void apiStarted() {
        apiInFlightPeak.accumulateAndGet(apiInFlight.incrementAndGet(), Math::max);
    }

    void apiFinished() {
        apiInFlight.decrementAndGet();
    }

    int apiInFlight() {
        return apiInFlight.get();
    }

    int apiInFlightPeak() {
        return apiInFlightPeak.get();
    }

    long total() {
        return total.sum();
    }

    long count(String pathKey) {
        LongAdder count = byPath.get(pathKey);
        return count == null ? 0 : count.sum();
    }

    long clientConnectionsSeen() {
        return clientConnections.size();
    }

    ObjectNode toJson() {
        ObjectNode json = Json.object();
        json.put("requests_total", total());
        ObjectNode paths = json.putObject("requests_by_path");
        Map<String, Long> sorted = new TreeMap<>();
        byPath.forEach((path, count) -> sorted.put(path, count.sum()));
        sorted.forEach(paths::put);
        json.put("client_connections_seen", clientConnectionsSeen());
        json.put("api_in_flight", apiInFlight());
        json.put("api_in_flight_peak", apiInFlightPeak());
        return json;
    }
}
