package dev.poolgate.it;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The stub as a child process ({@code java -jar stub-backend.jar}), where no Docker engine answers. */
final class ProcessStub extends Stub {

    private final String name;
    private final int port;
    private ChildProcess process;
    private int starts;

    private ProcessStub(String name, int port) {
        this.name = name;
        this.port = port;
    }

    static ProcessStub start(String name) {
        ProcessStub stub = new ProcessStub(name, Suite.freePort());
        try {
            stub.launch();
            stub.awaitHealthy();
            return stub;
        } catch (RuntimeException | AssertionError e) {
            stub.close();
            throw e;
        }
    }

    @Override
    void launch() {
        process = ChildProcess.start("stub-" + name + (starts++ == 0 ? "" : "-" + starts), List.of(
                Suite.java().toString(), "-jar", Suite.stubJar().toString(),
                "--host", "127.0.0.1",
                "--port", Integer.toString(port),
                "--api-key", Suite.UPSTREAM_KEY,
                "--enable-admin"), Map.of());
    }

    @Override
    URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    @Override
    void stop() {
        process.terminate();
        process.awaitExit(Duration.ofSeconds(20));
    }

    @Override
    public void close() {
        closeAdmin();
        if (process != null) {
            process.close();
        }
    }

    @Override
    public String toString() {
        return "stub process " + process;
    }
}
