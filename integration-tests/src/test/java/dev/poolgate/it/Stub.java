package dev.poolgate.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poolgate.testkit.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The stub backend the server forwards to, in whichever form this run has it ({@link StubMode}):
 * a container or a child process. It accepts only {@link Suite#UPSTREAM_KEY}, and its admin
 * endpoint sets faults at run time. {@link #stop()} and {@link #restart()} make an outage: it
 * comes back on the same address.
 */
abstract class Stub implements AutoCloseable {

    static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    // Replaced on restart: a keep-alive connection to the old stub is dead.
    private HttpClient admin = newAdminClient();

    /** Starts a stub in this run's mode. */
    static Stub start(String name) {
        return switch (StubMode.current()) {
            case CONTAINER -> ContainerStub.start(name);
            case PROCESS -> ProcessStub.start(name);
        };
    }

    /** {@code http://127.0.0.1:<port>}, the same across a restart. */
    abstract URI baseUri();

    /** Takes the stub away (an upstream outage): connections fail until {@link #restart()}. */
    abstract void stop();

    /** Brings a stopped stub back on the same address and waits until it is healthy. */
    final void restart() {
        launch();
        admin.shutdownNow();
        admin = newAdminClient();
        awaitHealthy();
    }

    /** Starts the stub's process or container (again) on its address, without waiting. */
    abstract void launch();

    @Override
    public abstract void close();

    /** Changes some faults, e.g. {@code {"request_latency_ms": 500}}. */
    void faults(String json) {
        String answer = admin("POST", "/admin/faults", json);
        if (!Json.parse(answer).isObject()) {
            throw new AssertionError("POST /admin/faults " + json + " answered " + answer);
        }
    }

    /** Every fault off. */
    void resetFaults() {
        admin("POST", "/admin/faults/reset", "");
    }

    /** {@code GET /admin/stats}: requests counted by path, client connections seen. */
    JsonNode requestStats() {
        return Json.parse(admin("GET", "/admin/stats", null));
    }

    /** How many requests the stub has seen on {@code path}, e.g. {@code /health}. */
    long requests(String path) {
        return requestStats().path("requests_by_path").path(path).asLong(0);
    }

    final void awaitHealthy() {
        HttpRequest health = HttpRequest.newBuilder(baseUri().resolve("/health")).timeout(Duration.ofSeconds(2))
                .build();
        try (HttpClient probe = newAdminClient()) {
            Await.until("the stub at " + baseUri() + " answers /health", START_TIMEOUT, () -> {
                try {
                    return probe.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            });
        }
    }

    private String admin(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUri().resolve(path)).timeout(Duration.ofSeconds(10));
        if (body != null) {
            request.header("content-type", "application/json").method(method,
                    HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            HttpResponse<String> response = admin.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError(method + " " + path + " on the stub answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " on the stub failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    final void closeAdmin() {
        admin.shutdownNow();
    }

    private static HttpClient newAdminClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2))
                .build();
    }
}
