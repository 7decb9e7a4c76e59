package dev.poolgate.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's package) as a child process on a free loopback port, with
 * no persistence, for the tests of cluster mode. {@link #available()} says whether the program is
 * installed ({@code .ci/run} installs it); tests skip with that reason where it is not.
 * {@link #restart()} stops and starts it on the same port, losing its data, as a crashed Redis does.
 */
public final class RedisServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Path program;
    private final int port;
    private Process process;

    private RedisServer(Path program, int port) {
        this.program = program;
        this.port = port;
    }

    /** The path of redis-server, or null when it is not installed. */
    public static Path program() {
        String path = System.getenv("PATH");
        List<String> directories = new ArrayList<>(List.of("/usr/bin", "/usr/local/bin", "/usr/sbin"));
        if (path != null) {
            directories.addAll(0, List.of(path.split(File.pathSeparator)));
        }
        for (String directory : directories) {
            Path candidate = Path.of(directory, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Whether redis-server is installed; the reason to skip when not. */
    public static boolean available() {
        return program() != null;
    }

    public static final String MISSING = "redis-server is not installed: apt-get install redis-server "
            + "(.ci/run does) to run the cluster-mode tests";

    /** Starts a server on a free loopback port and waits until it answers PING. */
    public static RedisServer start() throws IOException {
        Path program = program();
        if (program == null) {
            throw new IllegalStateException(MISSING);
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        RedisServer server = new RedisServer(program, port);
        server.launch();
        return server;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(program.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!answersPing()) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited at start with code " + process.exitValue()
                        + " (port " + port + ")");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("redis-server did not answer PING on port " + port + " within " + START_TIMEOUT);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /** Whether the server answers PING now. */
    public boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int read = in.readNBytes(reply, 0, 7);
            return read == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** Kills the server (its data is gone) without starting it again. */
    public void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Kills the server and starts a new, empty one on the same port. */
    public void restart() throws IOException {
        stop();
        launch();
    }

    @Override
    public void close() {
        stop();
    }
}
