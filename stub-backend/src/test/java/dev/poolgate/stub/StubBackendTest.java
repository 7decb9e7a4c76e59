package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Starting and closing an in-process stub. */
@Timeout(30)
class StubBackendTest {

    @Test
    void portZeroBindsAFreePortOnTheConfiguredHost() {
        try (StubBackend first = StubBackend.start(StubConfig.defaults());
                StubBackend second = StubBackend.start(StubConfig.defaults())) {
            assertTrue(first.port() > 0);
            assertNotEquals(first.port(), second.port());
            assertEquals(URI.create("http://127.0.0.1:" + first.port()), first.baseUri());
            assertEquals("127.0.0.1", first.address().getAddress().getHostAddress());
        }
    }

    @Test
    void busyPortFailsNamingTheAddress() {
        try (StubBackend running = StubBackend.start(StubConfig.defaults())) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> StubBackend.start(StubConfig.builder().port(running.port()).build()));
            assertTrue(e.getMessage().contains("Could not start the stub backend on 127.0.0.1:" + running.port()),
                    e.getMessage());
        }
    }

    @Test
    void closeStopsServingAndIsIdempotent() throws Exception {
        StubBackend stub = StubBackend.start(StubConfig.defaults());
        try (StubClient client = new StubClient(stub)) {
            assertEquals(200, client.send(client.request("/health").GET()).statusCode());

            stub.close();
            stub.close();

            assertThrows(IOException.class, () -> client.send(client.request("/health").GET()));
            assertTrue(stub.port() > 0, "the port is still known after close");
        }
    }

    @Test
    void closeReturnsPromptlyWhileARequestWaitsOutALatencyFault() throws Exception {
        StubBackend stub = StubBackend.start(StubConfig.defaults());
        try (StubClient client = new StubClient(stub)) {
            stub.faults().requestLatency(Duration.ofMinutes(5));
            CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.postMessages(message("waiting", 10)).statusCode();
                } catch (IOException e) {
                    return -1;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -2;
                }
            });
            while (stub.requestCount("/v1/messages") == 0) {
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            }

            long started = System.nanoTime();
            stub.close();
            long closeNanos = System.nanoTime() - started;

            assertTrue(closeNanos < Duration.ofSeconds(5).toNanos(), "closed in " + closeNanos / 1_000_000 + " ms");
            assertEquals(-1, waiting.get(10, TimeUnit.SECONDS), "the waiting client sees its connection closed");
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        } finally {
            stub.close();
        }
    }
}
