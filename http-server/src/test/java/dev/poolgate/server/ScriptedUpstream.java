package dev.poolgate.server;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written HTTP/1.1 upstream on a {@link ServerSocket}, for the faults no real HTTP server
 * makes on purpose: a reset before the response, a reset in the middle of a body or a stream, a
 * request read and never answered, a listener that goes away and comes back. Each connection is
 * served on a virtual thread and kept alive between requests, like the API's.
 *
 * <p>{@code GET /health} is always answered 200: start the gateway with
 * {@code --upstream-health-path /health} so that its warm-up and health checks never use a
 * script. Every other request takes the next {@link Script} queued with {@link #then} (a plain
 * answer when none is left) and counts in {@link #apiRequests()}. It counts the TCP connections it
 * accepted and the times the gateway hung up on a request upstream was still working on (a request
 * never answered, a stream still open), so a test sees what happened to the upstream request.
 */
final class ScriptedUpstream implements AutoCloseable {

    /** What upstream does with one API request. */
    enum Script {
        /** 200 and a complete JSON message, or a complete event stream for a streamed request. */
        ANSWER,
        /** Reads the request and never answers; waits until the gateway closes the connection. */
        NEVER_ANSWER,
        /** Resets the connection before any byte of the response. */
        RESET_BEFORE_HEADERS,
        /** 200 with a content-length, part of the JSON body, then an orderly close: a body ended early. */
        END_MID_BODY,
        /**
         * 200 event stream and {@code message_start}; then, at {@link #resetStreams()}, a reset. (A
         * reset at once could discard the event unread at the gateway: TCP drops received data
         * nobody read when a reset arrives.)
         */
        RESET_MID_STREAM,
        /**
         * Waits for {@link #release()}, then answers: a JSON message in full, or for a streamed
         * request the start of a stream that stays open (like {@link #STREAM_UNTIL_HUNG_UP}).
         */
        HOLD,
        /**
         * 200 event stream, {@code message_start}, then one {@code ping} per {@link #nudge()}, until
         * the gateway hangs up (counted in {@link #hangUps()}).
         */
        STREAM_UNTIL_HUNG_UP,
        /** An error status with an Anthropic error body and chosen headers: see {@link #thenError}. */
        ERROR
    }

    /** One queued script; status and headers are those of an {@link Script#ERROR}. */
    private record Step(Script script, int status, Map<String, String> headers) {
    }

    private static final String MESSAGE = "{\"id\":\"msg_scripted\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-scripted-1\",\"content\":[{\"type\":\"text\",\"text\":\"Scripted answer.\"}],"
            + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":3}}";
    private static final String MESSAGE_START = "event: message_start\ndata: {\"type\":\"message_start\","
            + "\"message\":{\"id\":\"msg_scripted\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-scripted-1\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n";
    private static final List<String> REST_OF_STREAM = List.of(
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                    + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Scripted answer.\"}}\n\n",
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                    + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    private static final String PING = "event: ping\ndata: {\"type\":\"ping\"}\n\n";

    private final int port;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ConcurrentLinkedQueue<Step> steps = new ConcurrentLinkedQueue<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Streams held open by STREAM_UNTIL_HUNG_UP and HOLD, which {@link #nudge()} writes a ping to. */
    private final List<OutputStream> heldStreams = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger apiRequests = new AtomicInteger();
    private final AtomicInteger hangUps = new AtomicInteger();
    private final CountDownLatch released = new CountDownLatch(1);
    private final CountDownLatch resetStreams = new CountDownLatch(1);
    private volatile ServerSocket listener;

    private ScriptedUpstream() {
        listener = bind(0);
        port = listener.getLocalPort();
        accept(listener);
    }

    static ScriptedUpstream start() {
        return new ScriptedUpstream();
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The flags that point a gateway here, with the health path this upstream always answers. */
    String[] gatewayFlags(String... more) {
        String[] flags = {"--anthropic-base-url", baseUri().toString(), "--anthropic-api-key", "sk-scripted",
                "--upstream-health-path", "/health"};
        String[] all = new String[flags.length + more.length];
        System.arraycopy(flags, 0, all, 0, flags.length);
        System.arraycopy(more, 0, all, flags.length, more.length);
        return all;
    }

    /** Queues what upstream does with the next API requests, in order. */
    ScriptedUpstream then(Script... scripts) {
        for (Script script : scripts) {
            if (script == Script.ERROR) {
                throw new IllegalArgumentException("queue an error answer with thenError(status, headers)");
            }
            steps.add(new Step(script, 200, Map.of()));
        }
        return this;
    }

    /** Queues an error answer: {@code status}, an Anthropic error body, and {@code headers}. */
    ScriptedUpstream thenError(int status, Map<String, String> headers) {
        steps.add(new Step(Script.ERROR, status, headers));
        return this;
    }

    /** TCP connections accepted so far. */
    int connectionsAccepted() {
        return connections.get();
    }

    /** API requests (anything but {@code GET /health}) received so far. */
    int apiRequests() {
        return apiRequests.get();
    }

    /** Requests upstream was still working on when the gateway closed their connection. */
    int hangUps() {
        return hangUps.get();
    }

    /** Lets every {@link Script#HOLD} request, waiting or to come, answer. */
    void release() {
        released.countDown();
    }

    /** Lets every {@link Script#RESET_MID_STREAM} request, waiting or to come, reset its stream. */
    void resetStreams() {
        resetStreams.countDown();
    }

    /**
     * Streams a message through {@code client}'s gateway to a {@link Script#RESET_MID_STREAM}
     * upstream: reads the first event, then lets upstream reset the stream (a reset at once could
     * discard that event unread) and reads the rest.
     *
     * @return the status and the whole streamed body
     */
    GatewayClient.Response streamResetAfterFirstEvent(GatewayClient client, String text) throws IOException,
            InterruptedException {
        HttpRequest request = client.request("/v1/messages").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.message(text, 64, true)))
                .build();
        HttpResponse<InputStream> response = client.http().send(request,
                HttpResponse.BodyHandlers.ofInputStream());
        StringBuilder body = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            for (String line; !(line = reader.readLine()).isEmpty(); ) {
                body.append(line).append('\n');
            }
            body.append('\n');
            resetStreams();
            for (String line; (line = reader.readLine()) != null; ) {
                body.append(line).append('\n');
            }
        }
        return new GatewayClient.Response(response.statusCode(), response.headers(), body.toString());
    }

    /** Writes one {@code ping} event to every stream held open. */
    void nudge() {
        for (OutputStream out : heldStreams) {
            try {
                chunk(out, PING);
            } catch (IOException e) {
                heldStreams.remove(out); // the gateway hung up; the reader counts it
            }
        }
    }

    /**
     * Stops listening and resets every open connection: connecting now is refused, and a pooled
     * client's kept-alive connection is gone.
     */
    void refuse() {
        close(listener);
        for (Socket socket : open) {
            reset(socket);
        }
    }

    /** Listens again on the same port after {@link #refuse()}. */
    void listenAgain() {
        listener = bind(port);
        accept(listener);
    }

    private static ServerSocket bind(int port) {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(ServerSocket server) {
        executor.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    connections.incrementAndGet();
                    open.add(socket);
                    executor.execute(() -> serve(socket));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
    }

    /** One connection: requests one after another until either side closes it. */
    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                String requestLine = line(in);
                if (requestLine == null) {
                    return;
                }
                long length = 0;
                for (String header; !(header = line(in)).isEmpty(); ) {
                    int colon = header.indexOf(':');
                    String name = header.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                    if (name.equals("content-length")) {
                        length = Long.parseLong(header.substring(colon + 1).strip());
                    } else if (name.equals("transfer-encoding")) {
                        throw new IllegalStateException("this upstream reads content-length bodies only");
                    }
                }
                String body = new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
                if (requestLine.startsWith("GET /health ")) {
                    respond(out, 200, "application/json", "{\"status\":\"ok\"}", Map.of());
                    continue;
                }
                apiRequests.incrementAndGet();
                Step step = steps.poll();
                if (!answer(step == null ? new Step(Script.ANSWER, 200, Map.of()) : step, socket, in, out,
                        body.replace(" ", "").contains("\"stream\":true"))) {
                    return;
                }
            }
        } catch (IOException e) {
            // The gateway went away, or refuse() reset the connection.
        } finally {
            open.remove(socket);
        }
    }

    /** Carries out one step; returns whether the connection can take another request. */
    private boolean answer(Step step, Socket socket, InputStream in, OutputStream out, boolean stream)
            throws IOException {
        switch (step.script()) {
            case ANSWER -> {
                if (stream) {
                    startStream(out);
                    for (String event : REST_OF_STREAM) {
                        chunk(out, event);
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } else {
                    respond(out, 200, "application/json", MESSAGE, Map.of());
                }
                return true;
            }
            case ERROR -> {
                respond(out, step.status(), "application/json", "{\"type\":\"error\",\"error\":{\"type\":\""
                        + (step.status() == 429 ? "rate_limit_error" : step.status() == 529 ? "overloaded_error"
                                : "api_error") + "\",\"message\":\"scripted " + step.status()
                        + "\"},\"request_id\":\"req_scripted\"}", step.headers());
                return true;
            }
            case NEVER_ANSWER -> {
                awaitHangUp(in);
                return false;
            }
            case RESET_BEFORE_HEADERS -> {
                reset(socket);
                return false;
            }
            case END_MID_BODY -> {
                out.write(("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nrequest-id: req_scripted\r\n"
                        + "content-length: " + MESSAGE.length() + "\r\n\r\n" + MESSAGE.substring(0, 40))
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                socket.shutdownOutput();
                return false;
            }
            case RESET_MID_STREAM -> {
                startStream(out);
                if (await(resetStreams, "resetStreams()")) {
                    reset(socket);
                }
                return false;
            }
            case HOLD -> {
                if (!await(released, "release()")) {
                    return false;
                }
                if (!stream) {
                    respond(out, 200, "application/json", MESSAGE, Map.of());
                    return true;
                }
                holdStream(in, out);
                return false;
            }
            case STREAM_UNTIL_HUNG_UP -> {
                holdStream(in, out);
                return false;
            }
        }
        throw new AssertionError(step);
    }

    /** Waits for a test's signal; false when interrupted (closing). */
    private static boolean await(CountDownLatch signal, String call) {
        try {
            if (!signal.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("upstream waited 30 s in vain; the test must call " + call);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void holdStream(InputStream in, OutputStream out) throws IOException {
        try {
            startStream(out);
        } catch (IOException e) {
            // The gateway hung up between the parts of the stream's start (its client had left).
            hangUps.incrementAndGet();
            throw e;
        }
        heldStreams.add(out);
        try {
            awaitHangUp(in);
        } finally {
            heldStreams.remove(out);
        }
    }

    /** Reads until the gateway closes the connection (it sends nothing more while waiting). */
    private void awaitHangUp(InputStream in) {
        try {
            while (in.read() >= 0) {
                // discard
            }
        } catch (IOException e) {
            // a reset: a hang-up too
        }
        hangUps.incrementAndGet();
    }

    private static void startStream(OutputStream out) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\nrequest-id: req_scripted\r\n"
                + "transfer-encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        chunk(out, MESSAGE_START);
    }

    private static void chunk(OutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void respond(OutputStream out, int status, String contentType, String body,
            Map<String, String> headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(" Scripted\r\n")
                .append("content-type: ").append(contentType).append("\r\n")
                .append("request-id: req_scripted\r\n")
                .append("content-length: ").append(bytes.length).append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    /** One CRLF-terminated line, or null at the end of the stream before any byte of it. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                String text = bytes.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            bytes.write(b);
        }
        if (bytes.size() == 0) {
            return null;
        }
        throw new IOException("the connection ended in the middle of a line");
    }

    /** Closes with a TCP reset instead of an orderly close, as a crashed upstream or middlebox would. */
    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (SocketException e) {
            // already closed
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void close(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        close(listener);
        for (Socket socket : open) {
            reset(socket);
        }
        executor.shutdownNow();
    }
}
