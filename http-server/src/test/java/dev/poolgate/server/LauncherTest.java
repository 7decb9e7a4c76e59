package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/poolgate} answers from an up-to-date jar without building: files under a build
 * directory (the test suite copies example projects there, POMs included) do not make the jar
 * stale. Runs the real script against a checkout of its own with a stand-in jar.
 */
@Timeout(120)
class LauncherTest {

    @Test
    void buildOutputNewerThanTheJarDoesNotTriggerABuild(@TempDir Path root) throws Exception {
        Path script = root.resolve("bin/poolgate");
        Files.createDirectories(script.getParent());
        Files.copy(Path.of("..", "bin", "poolgate"), script);
        script.toFile().setExecutable(true);
        Instant built = Instant.now().minusSeconds(60);
        write(root.resolve("http-server/src/main/java/Example.java"), "class Example {}", built.minusSeconds(60));
        Path jar = standInJar(root.resolve("http-server/target/poolgate-server.jar"), root.resolve("classes"));
        Files.setLastModifiedTime(jar, FileTime.from(built));
        // Newer than the jar, but build output: the suite's copy of an example project.
        write(root.resolve("integration-tests/target/examples/pool-consumer/pom.xml"), "<project/>", Instant.now());
        write(root.resolve("integration-tests/target/it-work/src/main/java/Copied.java"), "class Copied {}",
                Instant.now());

        ProcessBuilder launch = new ProcessBuilder("bash", script.toString(), "--version").directory(root.toFile())
                .redirectErrorStream(true);
        launch.environment().put("POOLGATE_JAVA_HOME", System.getProperty("java.home"));
        Process process = launch.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(60, TimeUnit.SECONDS);

        assertFalse(output.contains("Building the gateway"), output);
        assertEquals("stand-in --version", output.strip(), "the jar itself answered");
        assertEquals(0, process.exitValue(), output);
    }

    private static Path write(Path file, String text, Instant modified) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }

    /** A runnable jar whose main prints "stand-in" and its arguments. */
    private static Path standInJar(Path jar, Path work) throws IOException {
        Path source = write(work.resolve("StandIn.java"), "public class StandIn { public static void main(String[] a) "
                + "{ System.out.println(\"stand-in \" + String.join(\" \", a)); } }", Instant.now());
        int compiled = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", work.toString(),
                source.toString());
        assertEquals(0, compiled, "the stand-in compiles");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "StandIn");
        Files.createDirectories(jar.getParent());
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry("StandIn.class"));
            out.write(Files.readAllBytes(work.resolve("StandIn.class")));
            out.closeEntry();
        }
        return jar;
    }
}
