package dev.poolgate.server.api;

import dev.poolgate.httpkit.HttpDate;
import java.lang.invoke.MethodHandles;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import javax.net.ssl.SSLContext;

/**
 * Start-up work done ahead, on a thread of its own, while the main thread reads the settings,
 * configures the log and fills the pool: Jackson's mappers (each class that uses one builds its
 * own, tens of milliseconds each on a cold JVM) and one pass over the request path's pure parts
 * (the Messages check, the usage scan of an answer and of a stream, an error body) and an HTTP
 * date. So neither the router's construction nor the first request pays for them
 * (docs/performance.md). The platform MBean server is not made here: the gateway registers with it
 * a second after it listens, on a thread of its own, so that it stays off the way to the first
 * answers.
 *
 * <p>It writes no log line, touches no socket and shares no state: it only initializes classes and
 * runs functions on sample input. A class another thread needs meanwhile is initialized once, by
 * whichever thread comes first (the JVM makes the other wait), so nothing is done twice.
 */
public final class Warmup {

    static final String THREAD_NAME = "poolgate-warmup";

    private static final byte[] REQUEST = ("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,\"stream\":false,"
            + "\"system\":\"s\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}],"
            + "\"tools\":[{\"name\":\"t\",\"input_schema\":{\"type\":\"object\",\"properties\":{}}}]}")
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] ANSWER = ("{\"id\":\"msg_0\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"model\":\"claude-sonnet-4-5\","
            + "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}")
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] STREAM = ("event: message_start\n"
            + "data: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n"
            + "event: content_block_delta\n"
            + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
            + "event: message_delta\n"
            + "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":2}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n").getBytes(StandardCharsets.UTF_8);

    private Warmup() {
    }

    /** Starts the work on a daemon thread and returns it (nobody needs to wait for it). */
    public static Thread start() {
        return Thread.ofPlatform().name(THREAD_NAME).daemon().start(Warmup::run);
    }

    /**
     * Sets up the JVM's default TLS context on a daemon thread of its own (trust store, random
     * source, cipher suites: about 350 ms on a cold JVM here), for an {@code https} upstream trusted
     * through the JVM's own trust store: the pool's first connections need it, and the main thread
     * has the log and the pool manager to set up before they are made.
     */
    public static Thread startTls() {
        return Thread.ofPlatform().name(THREAD_NAME + "-tls").daemon().start(() -> {
            try {
                SSLContext.getDefault();
            } catch (NoSuchAlgorithmException | RuntimeException e) {
                // Nothing to do: the first upstream connection meets the same failure and reports it.
            }
        });
    }

    /** The work itself; a failure here changes nothing, the request path meets it again where it belongs. */
    static void run() {
        try {
            MessageRequests.checkMessage(REQUEST);
            MessageRequests.checkCountTokens(REQUEST);
            UsageScanner.readAnswer(ANSWER);
            UsageScanner stream = new UsageScanner();
            stream.scan(STREAM, 0, STREAM.length);
            ApiError.invalidRequest("warm-up").body("req_0");
            MethodHandles.lookup().ensureInitialized(Endpoints.class);
            MethodHandles.lookup().ensureInitialized(BatchResultsUrls.class);
            // Shared machinery the first request meets: the Date header's date.
            HttpDate.now();
        } catch (RuntimeException | IllegalAccessException e) {
            // Nothing to do: the same code runs again when a request needs it, and fails there if it must.
        }
    }
}
