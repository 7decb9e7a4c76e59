package dev.poolgate.it;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

/**
 * The frame of every scenario: one stub per test class (faults reset before each test), servers
 * started by the test and stopped after it, and after every test the invariants of scenario 11 on
 * each server still running: {@code total = available + in_use <= max} and
 * {@code created - destroyed = total}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EndToEndTest {

    /** A connection id in the log: eight hex digits. */
    static final String ID = "[0-9a-f]{8}";

    protected Stub stub;
    private final List<Server> servers = new ArrayList<>();
    private String testName = "test";

    @BeforeAll
    final void startStub() {
        stub = Stub.start(getClass().getSimpleName());
    }

    @BeforeEach
    final void resetStub(TestInfo test) {
        testName = getClass().getSimpleName() + "-" + test.getTestMethod().map(Method::getName).orElse("test");
        stub.resetFaults();
    }

    /** Starts a server against this class's stub; {@code flags} come after the suite's defaults. */
    protected final Server startServer(String... flags) {
        return startServer(List.of(), flags);
    }

    /** Starts a server with JVM options (log levels, ...) against this class's stub. */
    protected final Server startServer(List<String> jvmOptions, String... flags) {
        Server server = Server.start(testName, stub, jvmOptions, flags);
        servers.add(server);
        return server;
    }

    @AfterEach
    final void checkInvariantsAndStopServers() {
        try {
            for (Server server : servers) {
                if (server.isAlive()) {
                    server.assertPoolConsistent();
                }
            }
        } finally {
            servers.forEach(Server::close);
            servers.clear();
        }
    }

    @AfterAll
    final void stopStub() {
        if (stub != null) {
            stub.close();
        }
    }

    /** Runs {@code count} tasks on virtual threads released at once, and returns their results in order. */
    static <T> List<T> concurrently(int count, IntFunction<T> task) {
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(executor.submit(() -> {
                    go.await();
                    return task.apply(index);
                }));
            }
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(result(future, Api.REQUEST_TIMEOUT.plusSeconds(10)));
            }
            return results;
        }
    }

    /** The result of a task, its failure rethrown as the test's. */
    static <T> T result(Future<T> future, Duration timeout) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("A task failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("A task did not finish within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The first group of {@code regex} in each line that matches it wholly. */
    static List<String> captured(List<String> lines, String regex) {
        Pattern pattern = Pattern.compile(regex);
        List<String> values = new ArrayList<>();
        for (String line : lines) {
            Matcher matcher = pattern.matcher(line);
            if (matcher.matches()) {
                values.add(matcher.group(1));
            }
        }
        return values;
    }
}
