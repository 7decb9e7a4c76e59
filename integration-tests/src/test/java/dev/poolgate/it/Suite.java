package dev.poolgate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the suite runs and where: the jars the reactor built, the JDK that runs them, and a work
 * directory for logs and the stub image's build context. Failsafe passes the paths as system
 * properties (see the module's pom); the defaults fit a run from the module's directory.
 */
final class Suite {

    /** The upstream key the server sends and the stub accepts; clients send a different one. */
    static final String UPSTREAM_KEY = "poolgate-it-upstream-key";

    private Suite() {
    }

    static Path serverJar() {
        return jar("poolgate.it.serverJar", "../http-server/target/poolgate-server.jar", "http-server");
    }

    static Path stubJar() {
        return jar("poolgate.it.stubJar", "../stub-backend/target/stub-backend.jar", "stub-backend");
    }

    private static Path jar(String property, String fallback, String module) {
        Path jar = Path.of(System.getProperty(property, fallback)).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (mvn -B verify builds every module "
                    + "in order; or mvn -B -DskipTests package -pl " + module + " -am)");
        }
        return jar;
    }

    /**
     * The java launcher of the JDK this test JVM runs on: Failsafe forks it on the toolchain's
     * JDK 21+, which is what the server needs (Maven's own JVM may be older).
     */
    static Path java() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (Runtime.version().feature() < 21) {
            throw new IllegalStateException("The suite runs on Java " + Runtime.version() + ", but the server needs "
                    + "21+: run it through Maven, whose toolchains plugin selects a JDK 21+");
        }
        return java;
    }

    /** The JDK's tools (jlink), same JDK as {@link #java()}. */
    static Path javaHome() {
        return Path.of(System.getProperty("java.home"));
    }

    static Path workDir() {
        Path dir = Path.of(System.getProperty("poolgate.it.workDir", "target/it-work")).toAbsolutePath().normalize();
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback port free right now (the tiny race with other programs is accepted). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
