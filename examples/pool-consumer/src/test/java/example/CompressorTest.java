package example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.PoolStats;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/** The installed pool-api and pool-impl, used as a library: reuse, the bound, and closing. */
class CompressorTest {

    private static String inflate(byte[] compressed) throws DataFormatException {
        Inflater inflater = new Inflater();
        inflater.setInput(compressed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[512];
        while (!inflater.finished()) {
            out.write(buffer, 0, inflater.inflate(buffer));
        }
        inflater.end();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void sequentialCallsReuseOneDeflater() throws DataFormatException {
        try (Compressor compressor = new Compressor(4)) {
            for (int i = 0; i < 10; i++) {
                assertEquals("hello " + i, inflate(compressor.compress("hello " + i)));
            }
            PoolStats stats = compressor.stats();
            assertEquals(1, stats.connectionsCreated(), stats::toString);
            assertEquals(0, stats.inUseConnections(), stats::toString);
        }
    }

    @Test
    void manyVirtualThreadsShareAtMostTheMaximum() throws Exception {
        try (Compressor compressor = new Compressor(4);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<byte[]>> results = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                String text = ("text " + i + " ").repeat(50);
                texts.add(text);
                results.add(threads.submit(() -> compressor.compress(text)));
            }
            for (int i = 0; i < results.size(); i++) {
                assertArrayEquals(texts.get(i).getBytes(StandardCharsets.UTF_8),
                        inflate(results.get(i).get()).getBytes(StandardCharsets.UTF_8));
            }
            PoolStats stats = compressor.stats();
            assertTrue(stats.totalConnections() <= 4, stats::toString);
            assertEquals(0, stats.inUseConnections(), stats::toString);
        }
    }
}
