package dev.poolgate.server;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny upstream that answers like the Anthropic API and records every request it receives, with
 * its headers, so that a test can see exactly what the gateway sends upstream. It answers the
 * default health path ({@code GET /v1/models?limit=1}) and {@code GET /v1/models}, and
 * {@code POST /v1/messages} plain or streamed, always with {@link #RESPONSE_HEADERS}. A streamed
 * request whose body contains {@link #DROP_MID_STREAM} gets its first event, then a connection
 * closed without the end of the chunked body. {@code POST /v1/files} answers the size of the upload
 * it received; {@code GET /v1/files/{id}/content} sends {@link #DOWNLOAD_BYTES} of binary content,
 * chunked, stopping half-way until {@link #releaseDownload()} so that a test can see the first
 * half arrive before the rest exists.
 */
final class CapturingUpstream implements AutoCloseable {

    /** Put in a message's text to have its stream cut off after the first event. */
    static final String DROP_MID_STREAM = "drop-mid-stream";

    /** Headers of every answer, the ones the gateway must pass back unchanged. */
    static final Map<String, String> RESPONSE_HEADERS = Map.of(
            "anthropic-ratelimit-requests-limit", "50",
            "anthropic-ratelimit-requests-remaining", "49",
            "anthropic-ratelimit-tokens-reset", "2026-01-01T00:00:00Z",
            "retry-after", "3",
            "x-should-retry", "false");

    /** One request as upstream saw it; header names lower-cased. */
    record Seen(String method, String target, Map<String, List<String>> headers, String body) {

        List<String> header(String name) {
            return headers.getOrDefault(name, List.of());
        }
    }

    /** The size of a file download; its byte i is {@code (byte) (i * 31)}. */
    static final int DOWNLOAD_BYTES = 3 * 1024 * 1024;

    private final java.util.concurrent.CountDownLatch downloadReleased = new java.util.concurrent.CountDownLatch(1);
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger requestIds = new AtomicInteger();

    private CapturingUpstream() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    static CapturingUpstream start() {
        return new CapturingUpstream();
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Lets a download that is waiting half-way send its second half. */
    void releaseDownload() {
        downloadReleased.countDown();
    }

    /** The content of a download, as {@link #DOWNLOAD_BYTES} describes it. */
    static byte[] downloadContent() {
        byte[] content = new byte[DOWNLOAD_BYTES];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        return content;
    }

    List<Seen> requests() {
        return List.copyOf(seen);
    }

    /** The requests whose path (without query) is {@code path}. */
    List<Seen> requestsTo(String method, String path) {
        return seen.stream().filter(s -> s.method().equals(method) && s.target().split("\\?")[0].equals(path))
                .toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readAllBytes();
            // An upload is binary: kept byte for byte (ISO-8859-1 maps each byte to one char).
            body = new String(bytes, exchange.getRequestURI().getPath().equals("/v1/files")
                    ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        String target = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        seen.add(new Seen(exchange.getRequestMethod(), target, headers, body));

        Headers response = exchange.getResponseHeaders();
        RESPONSE_HEADERS.forEach(response::set);
        response.set("request-id", "req_upstream" + requestIds.incrementAndGet());
        String version = exchange.getRequestHeaders().getFirst("anthropic-version");
        if (version != null) {
            response.set("anthropic-version", version);
        }
        String beta = exchange.getRequestHeaders().getFirst("anthropic-beta");
        if (beta != null) {
            response.set("anthropic-beta", beta);
        }
        String path = exchange.getRequestURI().getPath();
        if (exchange.getRequestMethod().equals("GET") && path.equals("/v1/models")) {
            json(exchange, 200, "{\"data\":[{\"type\":\"model\",\"id\":\"claude-capture-1\",\"display_name\":\"Capture\","
                    + "\"created_at\":\"2025-01-01T00:00:00Z\"}],\"has_more\":false,\"first_id\":\"claude-capture-1\","
                    + "\"last_id\":\"claude-capture-1\"}");
        } else if (exchange.getRequestMethod().equals("POST") && path.equals("/v1/messages")) {
            if (body.replace(" ", "").contains("\"stream\":true")) {
                stream(exchange, body.contains(DROP_MID_STREAM));
            } else {
                json(exchange, 200, "{\"id\":\"msg_capture\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-capture-1\",\"content\":[{\"type\":\"text\",\"text\":\"Captured.\"}],"
                        + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":3,\"output_tokens\":2}}");
            }
        } else if (exchange.getRequestMethod().equals("POST") && path.equals("/v1/files")) {
            json(exchange, 200, "{\"type\":\"file\",\"id\":\"file_capture\",\"size_bytes\":"
                    + body.getBytes(StandardCharsets.ISO_8859_1).length + "}");
        } else if (exchange.getRequestMethod().equals("GET") && path.matches("/v1/files/[^/]+/content")) {
            download(exchange);
        } else {
            json(exchange, 404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"no "
                    + path + "\"},\"request_id\":\"req_upstream404\"}");
        }
    }

    private static void json(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void stream(HttpExchange exchange, boolean dropMidStream) throws IOException {
        exchange.getResponseHeaders().set("content-type", "text/event-stream; charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        event(out, "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_capture\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude-capture-1\",\"content\":[],\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}");
        if (dropMidStream) {
            // The JDK server closes the connection of a handler that throws, before the last chunk.
            throw new IllegalStateException("upstream dropped the stream on purpose");
        }
        event(out, "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
        event(out, "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Captured.\"}}");
        event(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
        event(out, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}");
        event(out, "message_stop", "{\"type\":\"message_stop\"}");
        out.close();
    }

    private void download(HttpExchange exchange) throws IOException {
        byte[] content = downloadContent();
        exchange.getResponseHeaders().set("content-type", "application/octet-stream");
        exchange.getResponseHeaders().set("content-disposition", "attachment; filename=\"capture.bin\"");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(content, 0, content.length / 2);
            out.flush();
            try {
                downloadReleased.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("stopped while holding back the download", e);
            }
            out.write(content, content.length / 2, content.length - content.length / 2);
        }
    }

    private static void event(OutputStream out, String name, String data) throws IOException {
        out.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
