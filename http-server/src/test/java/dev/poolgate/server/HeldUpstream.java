package dev.poolgate.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that holds every message request until the test lets one go ({@link #release}), and
 * counts how many it holds at once and at most: the view of upstream that a concurrency limit
 * over several gateways must keep below its maximum. Health checks and model lists are answered at
 * once. Each answer reports 10 input and 20 output tokens.
 */
final class HeldUpstream implements AutoCloseable {

    private static final byte[] MESSAGE = ("{\"id\":\"msg_held\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"held\"}],"
            + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":10,\"output_tokens\":20}}").getBytes(StandardCharsets.UTF_8);

    private final HttpServer server;
    private final Semaphore released = new Semaphore(0);
    private final AtomicInteger holding = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();

    HeldUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            if (exchange.getRequestURI().getPath().equals("/v1/messages")) {
                peak.accumulateAndGet(holding.incrementAndGet(), Math::max);
                try {
                    released.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    holding.decrementAndGet();
                }
                answered.incrementAndGet();
                send(exchange, MESSAGE);
            } else {
                send(exchange, "{\"data\":[],\"has_more\":false}".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void send(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Lets {@code count} held (or future) requests be answered. */
    void release(int count) {
        released.release(count);
    }

    /** Requests held now. */
    int holding() {
        return holding.get();
    }

    /** The most requests held at once. */
    int peak() {
        return peak.get();
    }

    int answered() {
        return answered.get();
    }

    @Override
    public void close() {
        released.release(10_000);
        server.stop(0);
    }
}
