package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * stale; and it keeps a start-up cache for each kind of start. Runs the real script against a
 * checkout of its own with a stand-in jar.
 */
@Timeout(120)
class LauncherTest {

    @Test
    void buildOutputNewerThanTheJarDoesNotTriggerABuild(@TempDir Path root) throws Exception {
        checkout(root);
        // Newer than the jar, but build output: the suite's copy of an example project.
        write(root.resolve("integration-tests/target/examples/pool-consumer/pom.xml"), "<project/>", Instant.now());
        write(root.resolve("integration-tests/target/it-work/src/main/java/Copied.java"), "class Copied {}",
                Instant.now());

        Launch launch = launch(root, Map.of(), "--version");

        assertFalse(launch.output.contains("Building the gateway"), launch.output);
        assertEquals("stand-in --version", launch.output.strip(), "the jar itself answered");
        assertEquals(0, launch.exitCode, launch.output);
    }

    /**
     * A start on the embedded stub and a start on a real upstream load different classes (the
     * latter its TLS stack), so each writes and then maps a start-up cache of its own.
     */
    @Test
    void theStubAndARealUpstreamKeepAStartUpCacheEach(@TempDir Path root) throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25+; older JDKs get a class-data archive");
        Path jar = checkout(root);
        Path stubCache = jar.resolveSibling("poolgate-server-stub.aot");
        Path upstreamCache = jar.resolveSibling("poolgate-server.aot");

        Launch stub = launch(root, Map.of());
        assertEquals(0, stub.exitCode, stub.output);
        assertTrue(stub.output.contains("stand-in --upstream stub"), "nothing named an upstream: " + stub.output);
        assertTrue(Files.isRegularFile(stubCache), "the stub's start wrote its cache: " + stub.output);
        assertFalse(Files.exists(upstreamCache), "and only its own");

        Launch upstream = launch(root, Map.of(), "--anthropic-base-url", "https://upstream.example");
        assertEquals(0, upstream.exitCode, upstream.output);
        assertTrue(Files.isRegularFile(upstreamCache), "a real upstream's start wrote a cache of its own: "
                + upstream.output);

        FileTime stubCacheWritten = Files.getLastModifiedTime(stubCache);
        Launch named = launch(root, Map.of("POOLGATE_UPSTREAM", "stub"));
        assertEquals(0, named.exitCode, named.output);
        assertEquals("stand-in", named.output.strip(), "the stub named by its setting, nothing added");
        assertEquals(stubCacheWritten, Files.getLastModifiedTime(stubCache),
                "the stub named by its setting maps the stub's cache, not writes it again");
        try (var files = Files.list(jar.getParent())) {
            assertEquals(List.of("poolgate-server-stub.aot", "poolgate-server.aot", "poolgate-server.jar"),
                    files.map(file -> file.getFileName().toString()).sorted().toList());
        }
    }

    /** A checkout of its own: the real script, one source file and a stand-in jar built after it. */
    private static Path checkout(Path root) throws IOException {
        Path script = root.resolve("bin/poolgate");
        Files.createDirectories(script.getParent());
        Files.copy(Path.of("..", "bin", "poolgate"), script);
        script.toFile().setExecutable(true);
        Instant built = Instant.now().minusSeconds(60);
        write(root.resolve("http-server/src/main/java/Example.java"), "class Example {}", built.minusSeconds(60));
        Path jar = standInJar(root.resolve("http-server/target/poolgate-server.jar"), root.resolve("classes"));
        Files.setLastModifiedTime(jar, FileTime.from(built));
        return jar;
    }

    private record Launch(String output, int exitCode) {
    }

    /** Runs the checkout's {@code bin/poolgate} with no upstream in its environment but {@code env}. */
    private static Launch launch(Path root, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("bin/poolgate").toString()));
        command.addAll(List.of(args));
        ProcessBuilder launch = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        launch.environment().keySet().removeIf(name -> name.startsWith("ANTHROPIC_") || name.startsWith("POOLGATE_"));
        launch.environment().put("POOLGATE_JAVA_HOME", System.getProperty("java.home"));
        launch.environment().putAll(env);
        Process process = launch.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(90, TimeUnit.SECONDS), "bin/poolgate ended: " + output);
        return new Launch(output, process.exitValue());
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
