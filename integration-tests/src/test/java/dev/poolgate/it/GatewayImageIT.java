package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.poolgate.testkit.Await;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The gateway's own image, as {@code bin/poolgate image} builds it from local files
 * (deploy/image/build-image.sh), run on a private Docker network in front of the stub's container:
 * its start-up lines, a request through it, {@code /ready}, and SIGTERM: requests drained, the
 * pool shut down with the catalogue's lines, and the JVM's exit status after a completed shutdown
 * (143, which deploy/systemd's unit declares a success); and the AOT cache it starts with.
 */
@Timeout(300)
class GatewayImageIT {

    private static final String PROXY_KEY = "pk-image-it-0001";
    private static String tag;

    @BeforeAll
    static void buildImage() throws Exception {
        assumeTrue(StubMode.current() == StubMode.CONTAINER, "the gateway's image needs a Docker engine");
        tag = "poolgate-it-gateway:" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path script = Suite.serverJar().getParent().getParent().getParent().resolve("deploy/image/build-image.sh");
        ProcessBuilder builder = new ProcessBuilder(script.toString(), tag).redirectErrorStream(true)
                .redirectOutput(Suite.workDir().resolve("gateway-image-build.log").toFile());
        builder.environment().put("JAVA", Suite.java().toString());
        Process build = builder.start();
        assertTrue(build.waitFor(240, TimeUnit.SECONDS), "the image build took longer than 4 minutes");
        assertEquals(0, build.exitValue(), "deploy/image/build-image.sh failed; see "
                + Suite.workDir().resolve("gateway-image-build.log"));
    }

    @AfterAll
    static void removeImage() {
        if (tag != null) {
            try {
                docker().removeImageCmd(tag).withForce(true).exec();
            } catch (RuntimeException e) {
                System.err.println("Could not remove " + tag + " (docker rmi it by hand): " + e);
            }
        }
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    /** On JDK 25+ the image starts with the AOT cache build-image.sh trained, after bin/poolgate's defaults. */
    @Test
    void theImageStartsWithItsAotCache() {
        assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25+");
        List<String> entrypoint = List.of(docker().inspectImageCmd(tag).exec().getConfig().getEntrypoint());
        assertEquals("/opt/java/bin/java", entrypoint.get(0), entrypoint::toString);
        assertEquals(List.of("-jar", "/opt/poolgate/poolgate-server.jar"),
                entrypoint.subList(entrypoint.size() - 2, entrypoint.size()), entrypoint::toString);
        assertTrue(entrypoint.contains("-XX:+UseSerialGC") && entrypoint.contains("-Xmx64m"), entrypoint::toString);
        assertTrue(entrypoint.contains("-XX:AOTCache=/opt/poolgate/poolgate-server.aot"), entrypoint::toString);
    }

    @Test
    void theImageServesDrainsAndExitsCleanly() throws Exception {
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        int hostPort = Suite.freePort();
        try (Network network = Network.newNetwork();
             GenericContainer<?> stub = new GenericContainer<>(StubImage.get())
                     .withNetwork(network).withNetworkAliases("stub")
                     .withCommand("--api-key", Suite.UPSTREAM_KEY)
                     .withExposedPorts(StubImage.PORT)
                     .waitingFor(Wait.forHttp("/health").forPort(StubImage.PORT)
                             .withStartupTimeout(Duration.ofSeconds(60)));
             GenericContainer<?> gateway = new GenericContainer<>(DockerImageName.parse(tag))
                     .withNetwork(network)
                     .withEnv("ANTHROPIC_BASE_URL", "http://stub:" + StubImage.PORT)
                     .withEnv("ANTHROPIC_API_KEY", Suite.UPSTREAM_KEY)
                     .withEnv("POOLGATE_UPSTREAM_HEALTH_PATH", "/health")
                     .withEnv("POOLGATE_PROXY_API_KEYS", PROXY_KEY)
                     // The image's AOT cache must be usable where it runs: with this, a cache the
                     // JVM cannot map stops it at once instead of being ignored.
                     .withEnv("JAVA_TOOL_OPTIONS", "-XX:AOTMode=on")
                     .withExposedPorts(8000)
                     .withCreateContainerCmdModifier(create -> create.getHostConfig().withPortBindings(new PortBinding(
                             Ports.Binding.bindIpAndPort("127.0.0.1", hostPort), ExposedPort.tcp(8000))))
                     .withLogConsumer(frame -> lines.addAll(frame.getUtf8String().lines().toList()))
                     .waitingFor(Wait.forLogMessage(".*\\[STARTUP\\] Gateway listening on.*", 1)
                             .withStartupTimeout(Duration.ofSeconds(60)))) {
            stub.start();
            gateway.start();
            // The log consumer gets the lines asynchronously, after the wait strategy saw them.
            Await.until("the listening line reached the log consumer", Duration.ofSeconds(30),
                    () -> String.join("\n", lines).contains("[STARTUP] Gateway listening on"));
            String log = String.join("\n", lines);
            assertTrue(log.contains("[STARTUP] Configuring connection pool manager..."), log);
            assertTrue(log.contains("connection pool initialized successfully"), log);
            assertTrue(log.contains("[STARTUP] Gateway listening on http://0.0.0.0:8000"), log);

            try (Api api = new Api(URI.create("http://127.0.0.1:" + hostPort))) {
                Api.Reply reply = api.send(api.messageRequest("through the image", false)
                        .setHeader("x-api-key", PROXY_KEY).build());
                assertEquals(200, reply.status(), reply::toString);
                Api.Reply ready = api.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hostPort + "/ready"))
                        .GET().build());
                assertEquals(200, ready.status(), ready::toString);
            }

            String id = gateway.getContainerId();
            docker().killContainerCmd(id).withSignal("SIGTERM").exec();
            Await.until("the gateway exits after SIGTERM", Duration.ofSeconds(60),
                    () -> !Boolean.TRUE.equals(docker().inspectContainerCmd(id).exec().getState().getRunning()));
            Long exit = docker().inspectContainerCmd(id).exec().getState().getExitCodeLong();
            Await.until("the last shutdown line reached the log consumer", Duration.ofSeconds(30),
                    () -> String.join("\n", lines).contains("connection pool shut down successfully"));
            String after = String.join("\n", lines);
            // 143 = 128 + SIGTERM: how a JVM ends after its shutdown hooks (the drain) ran to completion.
            assertEquals(143L, exit, after);
            assertTrue(after.contains("[SHUTDOWN] Shutting down"), after);
            assertTrue(after.contains("connection pool shut down successfully"), after);
        }
    }
}
