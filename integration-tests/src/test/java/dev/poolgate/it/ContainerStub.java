package dev.poolgate.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.rnorth.ducttape.ratelimits.RateLimiterBuilder;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The stub in a container of the {@link StubImage}, published on a fixed loopback port of the
 * host, so that after a stop and a start of the same container it answers at the same address.
 * A scratch image has no shell, so readiness is an HTTP wait on {@code /health}, polled every
 * 50 ms rather than Testcontainers' default once a second.
 */
final class ContainerStub extends Stub {

    private final GenericContainer<?> container;
    private final int hostPort;

    private ContainerStub(GenericContainer<?> container, int hostPort) {
        this.container = container;
        this.hostPort = hostPort;
    }

    static ContainerStub start(String name) {
        int hostPort = Suite.freePort();
        Path log = Suite.workDir().resolve("logs").resolve("stub-container-" + name + ".log");
        delete(log);
        GenericContainer<?> container = new GenericContainer<>(StubImage.get())
                .withCommand("--api-key", Suite.UPSTREAM_KEY)
                .withExposedPorts(StubImage.PORT)
                .withCreateContainerCmdModifier(create -> create.getHostConfig().withPortBindings(new PortBinding(
                        Ports.Binding.bindIpAndPort("127.0.0.1", hostPort), ExposedPort.tcp(StubImage.PORT))))
                .withLogConsumer(frame -> append(log, frame.getUtf8String()))
                .waitingFor(Wait.forHttp("/health")
                        .forPort(StubImage.PORT)
                        .withRateLimiter(RateLimiterBuilder.newBuilder().withRate(20, TimeUnit.SECONDS)
                                .withConstantThroughput().build())
                        .withStartupTimeout(START_TIMEOUT));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw e;
        }
        return new ContainerStub(container, hostPort);
    }

    private static void delete(Path log) {
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void append(Path log, String text) {
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    URI baseUri() {
        return URI.create("http://127.0.0.1:" + hostPort);
    }

    /** {@code docker stop}: SIGTERM to the stub, the container stays, its port binding too. */
    @Override
    void stop() {
        docker().stopContainerCmd(container.getContainerId()).withTimeout(5).exec();
    }

    /** {@code docker start} of the same container. */
    @Override
    void launch() {
        docker().startContainerCmd(container.getContainerId()).exec();
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    @Override
    public void close() {
        closeAdmin();
        container.close();
    }

    @Override
    public String toString() {
        return "stub container " + container.getContainerId() + " on 127.0.0.1:" + hostPort;
    }
}
