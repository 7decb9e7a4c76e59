package dev.poolgate.it;

import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * What the suite's images built {@code FROM scratch} share (the stub's and Redis's): the shared
 * libraries a binary loads, found by {@code ldd} and copied to the same paths in the image's root
 * file system, symbolic links replaced by copies, and the commands run on the way.
 */
final class ScratchImages {

    private ScratchImages() {
    }

    /**
     * An image of the build context in {@code context}, tagged {@code repository:<random>}, that
     * Testcontainers builds on first use and that is removed when the test JVM exits.
     */
    static ImageFromDockerfile image(String repository, Path context) {
        String name = repository + ":" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        // Testcontainers' own clean-up at exit prunes only untagged images: this one goes by name.
        ImageFromDockerfile image = new ImageFromDockerfile(name, false).withFileFromPath(".", context);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> remove(name), "remove-" + repository));
        return image;
    }

    private static void remove(String name) {
        try {
            DockerClientFactory.instance().client().removeImageCmd(name).withForce(true).exec();
        } catch (NotFoundException e) {
            // Never built: no container was started.
        } catch (RuntimeException e) {
            System.err.println("Could not remove the image " + name + " (docker rmi it by hand): " + e);
        }
    }

    /**
     * The shared libraries {@code binaries} load, by {@code ldd}, except those under {@code exclude}
     * (a runtime's own); a library {@code ldd} cannot find must be named in {@code own}.
     */
    static Set<Path> sharedLibraries(List<Path> binaries, Set<String> own, Path exclude) throws IOException {
        Set<Path> libraries = new TreeSet<>();
        for (Path binary : binaries) {
            for (String line : run("ldd", binary.toString()).lines().toList()) {
                String entry = line.strip();
                String name = entry.contains("=>") ? entry.substring(0, entry.indexOf("=>")).strip() : null;
                String target = entry.contains("=>") ? entry.substring(entry.indexOf("=>") + 2).strip() : entry;
                if (target.startsWith("not found")) {
                    if (!own.contains(name)) {
                        throw new IllegalStateException("ldd cannot find " + name + ", which " + binary + " needs");
                    }
                    continue;
                }
                String path = target.split("\\s+")[0];
                if (path.startsWith("/") && (exclude == null || !Path.of(path).startsWith(exclude))) {
                    libraries.add(Path.of(path));
                }
            }
        }
        return libraries;
    }

    /** Copies each library (following links) to its own path under {@code rootfs}. */
    static void copyLibraries(Path rootfs, Set<Path> libraries) throws IOException {
        for (Path library : libraries) {
            Path copy = rootfs.resolve(library.toString().substring(1));
            Files.createDirectories(copy.getParent());
            Files.copy(library, copy, StandardCopyOption.REPLACE_EXISTING); // follows symlinks
        }
    }

    /** Runs a command to its end and returns its output; a failure names the command and its output. */
    static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "): "
                        + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return output;
    }

    /** Replaces every symbolic link under {@code root} with a plain copy of its target. */
    static void replaceSymlinks(Path root) throws IOException {
        List<Path> links;
        try (Stream<Path> files = Files.walk(root)) {
            links = files.filter(Files::isSymbolicLink).toList();
        }
        for (Path link : links) {
            Path target = link.toRealPath();
            Files.delete(link);
            Files.copy(target, link);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
