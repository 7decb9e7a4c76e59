package dev.poolgate.it;

import dev.poolgate.testkit.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * A Redis image built from local files only, like {@link StubImage}: this machine's
 * {@code redis-server} (Debian's package, which {@code .ci/run} installs) and the shared libraries
 * it loads, {@code FROM scratch}, with no persistence. Built once per run, removed at exit.
 */
final class RedisImage {

    static final int PORT = 6379;

    private static final String DOCKERFILE = """
            # redis-server and its libraries: no base image, nothing to pull.
            FROM scratch
            COPY rootfs/ /
            EXPOSE %d
            ENTRYPOINT ["/usr/bin/redis-server", "--port", "%d", "--bind", "0.0.0.0", "--save", "", \
            "--appendonly", "no", "--protected-mode", "no"]
            """.formatted(PORT, PORT);

    // Guarded by RedisImage.class.
    private static ImageFromDockerfile image;

    private RedisImage() {
    }

    static synchronized ImageFromDockerfile get() {
        if (image == null) {
            image = ScratchImages.image("poolgate-it-redis", prepareContext(Suite.workDir().resolve("redis-image")));
        }
        return image;
    }

    private static Path prepareContext(Path context) {
        Path program = RedisServer.program();
        if (program == null) {
            throw new IllegalStateException(RedisServer.MISSING);
        }
        try {
            ScratchImages.deleteRecursively(context);
            Path rootfs = Files.createDirectories(context.resolve("rootfs"));
            Path binary = rootfs.resolve("usr/bin/redis-server");
            Files.createDirectories(binary.getParent());
            Files.copy(program.toRealPath(), binary);
            ScratchImages.copyLibraries(rootfs, ScratchImages.sharedLibraries(List.of(program.toRealPath()), Set.of(),
                    null));
            Files.setAttribute(Files.createDirectories(rootfs.resolve("tmp")), "unix:mode", 01777);
            ScratchImages.replaceSymlinks(rootfs);
            Files.writeString(context.resolve("Dockerfile"), DOCKERFILE);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare the Redis image's build context in " + context, e);
        }
    }
}
