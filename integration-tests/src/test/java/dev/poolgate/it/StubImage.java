package dev.poolgate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The stub backend's image, built from local files only, once per run: a Dockerfile
 * {@code FROM scratch} whose root file system is a {@code jlink}ed runtime, the shared libraries
 * that runtime loads (found by {@code ldd}, copied to the same paths), {@code /tmp} (mode 1777),
 * and the stub's jar. No base image exists to be pulled, and none is asked for: the context is
 * handed over with {@code withFileFromPath(".", ...)}, never {@code withDockerfile(path)}, which
 * pre-pulls every {@code FROM} image (even {@code scratch}). The image is removed when the test JVM
 * exits (.ci/docker-engine.sh finish removes any a killed run left).
 */
final class StubImage {

    /** The port the stub listens on inside the container. */
    static final int PORT = 8080;

    /**
     * What the stub needs. jdeps also names java.desktop and java.sql, for Jackson's optional
     * support of java.beans annotations and java.sql types, which Jackson looks up reflectively and
     * the stub never uses; every scenario exercises the stub's JSON without them.
     */
    private static final String MODULES = "java.base,jdk.httpserver";

    private static final String DOCKERFILE = """
            # The stub backend on a jlinked runtime: no base image, nothing to pull.
            FROM scratch
            COPY rootfs/ /
            EXPOSE %d
            ENTRYPOINT ["/opt/java/bin/java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", \
            "-jar", "/opt/stub/stub-backend.jar", "--host", "0.0.0.0", "--port", "%d", "--enable-admin"]
            """.formatted(PORT, PORT);

    // Guarded by StubImage.class.
    private static ImageFromDockerfile image;

    private StubImage() {
    }

    /** The image, its context prepared on the first call; Testcontainers builds it on first use. */
    static synchronized ImageFromDockerfile get() {
        if (image == null) {
            long start = System.nanoTime();
            Path context = prepareContext(Suite.workDir().resolve("stub-image"));
            System.out.printf("Stub image context prepared in %d ms (jlinked %s, %s)%n",
                    (System.nanoTime() - start) / 1_000_000, MODULES, context);
            image = ScratchImages.image("poolgate-it-stub", context);
        }
        return image;
    }

    private static Path prepareContext(Path context) {
        try {
            ScratchImages.deleteRecursively(context);
            Path rootfs = Files.createDirectories(context.resolve("rootfs"));
            Path runtime = rootfs.resolve("opt/java");
            Files.createDirectories(runtime.getParent());
            jlink(runtime);
            ScratchImages.copyLibraries(rootfs, runtimeLibraries(runtime));
            Path jar = rootfs.resolve("opt/stub/stub-backend.jar");
            Files.createDirectories(jar.getParent());
            Files.copy(Suite.stubJar(), jar);
            Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
            Files.setAttribute(tmp, "unix:mode", 01777);
            ScratchImages.replaceSymlinks(rootfs);
            Files.writeString(context.resolve("Dockerfile"), DOCKERFILE);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare the stub image's build context in " + context, e);
        }
    }

    /** The jlink tool of this JDK, as a command: in-process (ToolProvider) it takes three times longer. */
    private static void jlink(Path output) throws IOException {
        Path jlink = Suite.javaHome().resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IllegalStateException("The JDK at " + Suite.javaHome() + " has no bin/jlink; the container mode "
                    + "needs a full JDK 21+");
        }
        ScratchImages.run(jlink.toString(), "--add-modules", MODULES, "--strip-debug", "--no-header-files", "--no-man-pages",
                "--compress=zip-6", "--output", output.toString());
    }


    /**
     * The shared libraries outside the runtime that its launcher and its {@code .so} files load; a
     * library {@code ldd} cannot find must be one of the runtime's own.
     */
    private static Set<Path> runtimeLibraries(Path runtime) throws IOException {
        List<Path> binaries = new ArrayList<>();
        Set<String> own = new TreeSet<>();
        try (Stream<Path> files = Files.walk(runtime)) {
            files.filter(Files::isRegularFile).forEach(file -> {
                if (file.getFileName().toString().endsWith(".so")) {
                    binaries.add(file);
                    own.add(file.getFileName().toString());
                }
            });
        }
        binaries.add(runtime.resolve("bin/java"));
        return ScratchImages.sharedLibraries(binaries, own, runtime);
    }
}
