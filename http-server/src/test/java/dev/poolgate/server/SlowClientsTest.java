package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.testkit.Await;
import dev.poolgate.testkit.SlowClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slow clients: 200 connections dribble a request a byte at a time, half of them their headers and
 * half their body. Meanwhile normal requests are served at once; each dribbler is cut off once the
 * read timeout has passed since its first byte (however steadily it keeps sending), not before;
 * and none of them ever takes a pooled client.
 */
@Timeout(60)
class SlowClientsTest {

    /** Long enough that the normal requests finish before the first cut-off even on a loaded machine. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    private static final int DRIBBLERS = 200;
    private static final int NORMAL_REQUESTS = 10;
    private static final long DRIBBLE_EVERY_MS = 100;

    @Test
    void dribblersAreCutOffAtTheReadTimeoutWhileOtherRequestsAreServedAndNoneTakesAPooledClient() throws Exception {
        List<SlowClient> dribblers = new ArrayList<>();
        try (Gateway gateway = Gateways.start("--request-read-timeout", READ_TIMEOUT.toMillis() + "ms",
                "--pool-health-check-interval", "0");
                ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
                ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            GatewayClient client = new GatewayClient(gateway);
            String head = "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + GatewayClient.CLIENT_KEY
                    + "\r\nanthropic-version: " + GatewayClient.VERSION + "\r\ncontent-type: application/json\r\n";
            CountDownLatch allClosed = new CountDownLatch(DRIBBLERS);
            long firstOpen = System.nanoTime();
            for (int i = 0; i < DRIBBLERS; i++) {
                SlowClient dribbler = i % 2 == 0
                        ? new SlowClient(head + "x-slow: ", 'h')                                    // headers never end
                        : new SlowClient(head + "Content-Length: 100000\r\n\r\n{\"model\":\"", 'b'); // nor the body
                dribblers.add(dribbler);
                dribbler.open(gateway.port());
                readers.submit(() -> {
                    dribbler.awaitClose();
                    allClosed.countDown();
                });
            }
            ticks.scheduleAtFixedRate(() -> dribblers.forEach(SlowClient::dribble), DRIBBLE_EVERY_MS, DRIBBLE_EVERY_MS,
                    TimeUnit.MILLISECONDS);
            Await.until("every dribbler sending", Duration.ofSeconds(5),
                    () -> dribblers.stream().allMatch(d -> d.bytesDribbled() >= 2));

            long longest = 0;
            for (int i = 0; i < NORMAL_REQUESTS; i++) {
                long start = System.nanoTime();
                assertEquals(200, client.post("/v1/messages", GatewayClient.message("normal " + i)).status());
                longest = Math.max(longest, System.nanoTime() - start);
            }
            long phase = System.nanoTime() - firstOpen;
            assertTrue(dribblers.stream().noneMatch(SlowClient::closed), () -> "a dribbler was cut off before the "
                    + "normal requests were done, " + phase / 1_000_000 + " ms after the first dribbler opened");
            long longestNormal = longest;
            assertTrue(longestNormal < READ_TIMEOUT.toNanos() / 4,
                    () -> "a normal request took " + longestNormal / 1_000_000 + " ms beside the dribblers");

            assertTrue(allClosed.await(READ_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS),
                    () -> allClosed.getCount() + " dribblers still connected");
            long first = Long.MAX_VALUE;
            long last = 0;
            for (SlowClient dribbler : dribblers) {
                long lived = dribbler.lifetimeNanos();
                assertTrue(lived >= READ_TIMEOUT.toNanos(), () -> "cut off after " + lived / 1_000_000 + " ms");
                assertTrue(dribbler.bytesDribbled() >= READ_TIMEOUT.toMillis() / DRIBBLE_EVERY_MS / 2,
                        () -> "only " + dribbler.bytesDribbled() + " bytes dribbled: the cut-off is not for idleness");
                assertEquals("", dribbler.answer(), "a dribbler got an answer");
                first = Math.min(first, lived);
                last = Math.max(last, lived);
            }
            System.out.printf("SlowClientsTest: %d dribblers cut off %d to %d ms after their first byte (timeout %d ms);"
                    + " %d normal requests meanwhile, the longest %d ms%n", DRIBBLERS, first / 1_000_000,
                    last / 1_000_000, READ_TIMEOUT.toMillis(), NORMAL_REQUESTS, longestNormal / 1_000_000);

            String metrics = client.metrics();
            assertEquals(DRIBBLERS, metric(metrics, "poolgate_http_request_read_timeouts_total"));
            assertEquals(NORMAL_REQUESTS, metric(metrics, "poolgate_pool_acquire_wait_seconds_count"),
                    "pooled clients taken: only for the normal requests");
            assertEquals(NORMAL_REQUESTS, gateway.embeddedStub().requestCount("/v1/messages"));
            client.awaitStat("in_use_connections", 0, Duration.ofSeconds(5));
            JsonNode stats = client.stats();
            assertEquals(stats.path("total_connections").asLong(), stats.path("available_connections").asLong()
                    + stats.path("in_use_connections").asLong(), stats.toString());
        } finally {
            for (SlowClient dribbler : dribblers) {
                dribbler.close();
            }
        }
    }

    private static long metric(String metrics, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\d+)(?:\\.0)?$").matcher(metrics);
        if (!matcher.find()) {
            throw new AssertionError(name + " not in /metrics");
        }
        return Long.parseLong(matcher.group(1));
    }
}
