package dev.poolgate.stub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.testkit.SlowClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slow clients of the stub: 100 connections dribble a request a byte at a time (headers or body);
 * the stub answers other requests meanwhile and closes each dribbler once the read timeout has
 * passed since its first byte, not before, without an answer. The stub's own latency fault does not
 * count against a client.
 */
@Timeout(60)
class SlowClientsTest {

    /** Long enough that the other requests finish before the first cut-off even on a loaded machine. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(4);
    private static final int DRIBBLERS = 100;
    private static final long DRIBBLE_EVERY_MS = 100;

    @Test
    void dribblersAreCutOffAtTheReadTimeoutWhileOtherRequestsAreServed() throws Exception {
        List<SlowClient> dribblers = new ArrayList<>();
        try (StubBackend stub = StubBackend.start(StubConfig.builder().requestReadTimeout(READ_TIMEOUT).build());
                StubClient client = new StubClient(stub);
                ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
                ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            String head = "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + StubClient.KEY
                    + "\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n";
            CountDownLatch allClosed = new CountDownLatch(DRIBBLERS);
            long firstOpen = System.nanoTime();
            for (int i = 0; i < DRIBBLERS; i++) {
                SlowClient dribbler = i % 2 == 0
                        ? new SlowClient(head + "x-slow: ", 'h')
                        : new SlowClient(head + "Content-Length: 100000\r\n\r\n{\"model\":\"", 'b');
                dribblers.add(dribbler);
                dribbler.open(stub.port());
                readers.submit(() -> {
                    dribbler.awaitClose();
                    allClosed.countDown();
                });
            }
            ticks.scheduleAtFixedRate(() -> dribblers.forEach(SlowClient::dribble), DRIBBLE_EVERY_MS, DRIBBLE_EVERY_MS,
                    TimeUnit.MILLISECONDS);

            for (int i = 0; i < 10; i++) {
                HttpResponse<String> response = client.postMessages(StubClient.message("normal " + i, 10));
                assertEquals(200, response.statusCode(), response::body);
            }
            long phase = System.nanoTime() - firstOpen;
            assertTrue(dribblers.stream().noneMatch(SlowClient::closed), () -> "a dribbler was cut off before the"
                    + " others were served, " + phase / 1_000_000 + " ms after the first dribbler opened");

            assertTrue(allClosed.await(READ_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS),
                    () -> allClosed.getCount() + " dribblers still connected");
            for (SlowClient dribbler : dribblers) {
                assertTrue(dribbler.lifetimeNanos() >= READ_TIMEOUT.toNanos(),
                        () -> "cut off after " + dribbler.lifetimeNanos() / 1_000_000 + " ms");
                assertEquals("", dribbler.answer(), "a dribbler got an answer");
            }
            assertEquals(DRIBBLERS, stub.requestsCutOff());
        } finally {
            for (SlowClient dribbler : dribblers) {
                dribbler.close();
            }
        }
    }

    @Test
    void theLatencyFaultDoesNotCountAgainstTheReadTimeout() throws Exception {
        StubConfig config = StubConfig.builder().requestReadTimeout(Duration.ofMillis(200))
                .requestLatency(Duration.ofMillis(600)).build();
        try (StubBackend stub = StubBackend.start(config); StubClient client = new StubClient(stub)) {
            HttpResponse<String> message = client.postMessages(StubClient.message("slow stub", 10));
            assertEquals(200, message.statusCode(), message::body);
            assertEquals(200, client.send(client.request("/health").GET()).statusCode());
            assertEquals(0, stub.requestsCutOff());
        }
    }
}
