package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's "library in ten lines", compiled and run, so that the example cannot drift from
 * the API. Nothing is sent: {@code send} and {@code ping} stand for the user's own code.
 */
@Timeout(30)
class LibraryExampleTest {

    private int sent;

    @Test
    void theReadmeExampleCompilesAndRuns() throws IOException {
        ConnectionFactory<HttpClient> factory = new ConnectionFactory<>() {
            public HttpClient create() { return HttpClient.newHttpClient(); }
            public boolean isHealthy(HttpClient client) throws Exception { return ping(client); }
            public void destroy(HttpClient client) { client.close(); }
        };
        PoolConfig config = PoolConfig.builder().name("Claude instance").minSize(2).maxSize(10).build();
        try (Pool<HttpClient> pool = Pool.create(config, factory);
             Lease<HttpClient> lease = pool.acquire()) {          // waits up to acquireTimeout
            try { send(lease.connection()); }
            catch (IOException e) { lease.invalidate(); throw e; } // destroyed, not reused
        }                                                          // close() returns it
        assertEquals(1, sent);
    }

    @Test
    void anInvalidatedLeaseInsideTryWithResourcesIsDestroyedOnce() {
        TestFactory factory = new TestFactory();
        try (Pool<TestConnection> pool = Pool.create(PoolConfig.defaults(), factory)) {
            assertThrows(IOException.class, () -> {
                try (Lease<TestConnection> lease = pool.acquire()) {
                    try { fail(lease.connection()); }
                    catch (IOException e) { lease.invalidate(); throw e; }
                }
            });
            assertEquals(0, pool.stats().inUseConnections());
            // Destroyed in the background, off the caller's thread, exactly once.
            Await.until("the invalidated connection is destroyed", () -> factory.destroys.get() == 1);
            assertEquals(1, pool.stats().connectionsDestroyed(), "destroyed, not reused");
        }
    }

    private static boolean ping(HttpClient client) {
        return client != null;
    }

    private void send(HttpClient client) throws IOException {
        if (client == null) {
            throw new IOException("no client");
        }
        sent++;
    }

    private static void fail(TestConnection connection) throws IOException {
        throw new IOException("the connection failed while in use: " + connection);
    }
}
