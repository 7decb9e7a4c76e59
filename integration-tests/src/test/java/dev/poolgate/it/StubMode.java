package dev.poolgate.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where this run's stub backend lives. A container when a Docker engine answers at
 * {@code DOCKER_HOST}; where none can be had (a laptop without Docker), a child process, and the
 * suite's first line of output says so. In CI ({@code CI=true}) it is always the container: no
 * engine is a failure there, not a reason to fall back.
 *
 * <p>System property {@code poolgate.it.stub}: {@code auto} (the default), {@code container} or
 * {@code process}. The engine is asked directly ({@code GET /version}), before Testcontainers is
 * touched, so that nothing Testcontainers logs while looking for an engine comes first.
 */
enum StubMode {
    CONTAINER, PROCESS;

    /** Testcontainers settings without which it pulls images (see shared/notes/containers.md). */
    private static final List<String> NO_PULL_SETTINGS = List.of("TESTCONTAINERS_RYUK_DISABLED=true",
            "TESTCONTAINERS_CHECKS_DISABLE=true", "TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1");
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    // Guarded by StubMode.class.
    private static StubMode decided;
    private static String refusal;

    /** This run's mode, decided (and announced) on first use. */
    static synchronized StubMode current() {
        if (decided == null && refusal == null) {
            decide();
        }
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
        return decided;
    }

    private static void decide() {
        String wanted = System.getProperty("poolgate.it.stub", "auto");
        String dockerHost = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        if (wanted.equals("process")) {
            announce(PROCESS, "poolgate end-to-end suite: stub backend as a child process (-Dpoolgate.it.stub=process)");
            return;
        }
        if (!wanted.equals("auto") && !wanted.equals("container")) {
            refuse("-Dpoolgate.it.stub=" + wanted + " is not a mode; use auto, container or process");
            return;
        }
        String version;
        try {
            version = engineVersion(dockerHost);
        } catch (IOException e) {
            boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
            if (ci || wanted.equals("container")) {
                refuse("poolgate end-to-end suite: no Docker engine answers at " + dockerHost + " (" + e.getMessage()
                        + "), and " + (ci ? "CI=true" : "-Dpoolgate.it.stub=container") + " demands the container "
                        + "mode; start one first (.ci/docker-engine.sh start)");
                return;
            }
            announce(PROCESS, "poolgate end-to-end suite: NO Docker engine answers at " + dockerHost + " ("
                    + e.getMessage() + "), so the stub backend runs as a child process instead of a container "
                    + "(CI runs the container mode)");
            return;
        }
        for (String setting : NO_PULL_SETTINGS) {
            String[] pair = setting.split("=", 2);
            if (!pair[1].equals(System.getenv(pair[0]))) {
                refuse("poolgate end-to-end suite: the container mode needs " + String.join(", ", NO_PULL_SETTINGS)
                        + " in the environment, or Testcontainers pulls images; run the suite through Maven "
                        + "(mvn -B verify), whose Failsafe configuration sets them");
                return;
            }
        }
        announce(CONTAINER, "poolgate end-to-end suite: stub backend in a Docker container (engine " + version
                + " at " + dockerHost + "; image built from local files, nothing pulled)");
    }

    private static void announce(StubMode mode, String line) {
        System.out.println(line);
        decided = mode;
    }

    private static void refuse(String reason) {
        System.out.println(reason);
        refusal = reason;
    }

    /**
     * The engine's version from {@code GET /version}, over its Unix socket or TCP.
     *
     * @throws IOException saying why no engine answers
     */
    static String engineVersion(String dockerHost) throws IOException {
        URI host = URI.create(dockerHost);
        String body = switch (String.valueOf(host.getScheme())) {
            case "unix" -> overUnixSocket(host.getPath());
            case "tcp" -> overTcp(URI.create("http://" + host.getAuthority() + "/version"));
            default -> throw new IOException("the probe reads unix:// and tcp:// hosts only");
        };
        JsonNode version = Json.parse(body);
        return version.path("Version").asText("?") + ", API " + version.path("ApiVersion").asText("?");
    }

    private static String overUnixSocket(String path) throws IOException {
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        Future<String> answer = executor.submit(() -> {
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(path));
                channel.write(ByteBuffer.wrap("GET /version HTTP/1.0\r\nHost: docker\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)));
                ByteArrayOutputStream response = new ByteArrayOutputStream();
                ByteBuffer buffer = ByteBuffer.allocate(8192);
                while (channel.read(buffer) >= 0 && response.size() < 1 << 20) {
                    response.write(buffer.array(), 0, buffer.position());
                    buffer.clear();
                }
                return response.toString(StandardCharsets.UTF_8);
            }
        });
        try {
            String response = answer.get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            int end = response.indexOf("\r\n\r\n");
            if (end < 0 || !response.matches("(?s)HTTP/1\\.\\d 200 .*")) {
                throw new IOException("GET /version answered "
                        + response.lines().findFirst().orElse("nothing"));
            }
            return response.substring(end + 4);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no answer within " + PROBE_TIMEOUT.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } finally {
            executor.shutdownNow();
        }
    }

    private static String overTcp(URI version) throws IOException {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(version).timeout(PROBE_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("GET /version answered " + response.statusCode());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
