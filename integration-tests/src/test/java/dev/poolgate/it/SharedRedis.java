package dev.poolgate.it;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.poolgate.testkit.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The Redis that gateway instances share in cluster mode: a container of {@link RedisImage} when
 * the suite's stub runs in a container, else a redis-server child process; on a fixed loopback
 * port either way, so that {@link #restart()} (a crash: its data is gone) keeps the address the
 * instances were given.
 */
final class SharedRedis implements AutoCloseable {

    private final int port;
    private GenericContainer<?> container;
    private RedisServer process;

    private SharedRedis(int port) {
        this.port = port;
    }

    static SharedRedis start() throws IOException {
        SharedRedis redis;
        if (StubMode.current() == StubMode.CONTAINER) {
            redis = new SharedRedis(Suite.freePort());
            redis.launchContainer();
        } else {
            redis = new SharedRedis(0);
            redis.process = RedisServer.start();
        }
        return redis;
    }

    private void launchContainer() {
        container = new GenericContainer<>(RedisImage.get())
                .withExposedPorts(RedisImage.PORT)
                .withCreateContainerCmdModifier(create -> create.getHostConfig().withPortBindings(new PortBinding(
                        Ports.Binding.bindIpAndPort("127.0.0.1", port), ExposedPort.tcp(RedisImage.PORT))))
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1)
                        .withStartupTimeout(Duration.ofSeconds(30)));
        container.start();
    }

    /** {@code redis://127.0.0.1:<port>}. */
    String url() {
        return process != null ? process.url() : "redis://127.0.0.1:" + port;
    }

    /** Whether it answers PING now. */
    boolean answers() {
        return process != null ? process.answersPing() : container.isRunning();
    }

    /** Stops it (an outage); {@link #restart()} brings an empty one back on the same address. */
    void stop() {
        if (process != null) {
            process.stop();
        } else {
            container.stop();
        }
    }

    void restart() {
        try {
            if (process != null) {
                process.restart();
            } else {
                container.stop();
                launchContainer();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
        if (container != null) {
            container.stop();
        }
    }
}
