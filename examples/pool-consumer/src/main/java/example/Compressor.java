package example;

import dev.poolgate.pool.ConnectionFactory;
import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolStats;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.Deflater;

/**
 * A library user's code: compresses texts with pooled {@link Deflater}s, whose native buffers are
 * worth reusing rather than making per call. Many virtual threads share at most four of them.
 */
public final class Compressor implements AutoCloseable {

    private final Pool<Deflater> pool;

    /** A compressor with at most {@code maxDeflaters} deflaters, of which {@code 1} is made at once. */
    public Compressor(int maxDeflaters) {
        ConnectionFactory<Deflater> factory = new ConnectionFactory<>() {
            @Override
            public Deflater create() {
                return new Deflater(Deflater.BEST_SPEED);
            }

            @Override
            public void destroy(Deflater deflater) {
                deflater.end();
            }
        };
        PoolConfig config = PoolConfig.builder()
                .name("deflaters")
                .minSize(1)
                .maxSize(maxDeflaters)
                .acquireTimeout(Duration.ofSeconds(10))
                .build();
        pool = Pool.create(config, factory);
    }

    /** The compressed bytes of {@code text}. */
    public byte[] compress(String text) {
        try (Lease<Deflater> lease = pool.acquire()) {
            Deflater deflater = lease.connection();
            deflater.reset();
            deflater.setInput(text.getBytes(StandardCharsets.UTF_8));
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[512];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        }
    }

    /** The pool's counters. */
    public PoolStats stats() {
        return pool.stats();
    }

    @Override
    public void close() {
        pool.close();
    }
}
