package dev.poolgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment examples in deploy/ are valid and say what the gateway really is: the Kubernetes
 * manifest parses, its probes ask /health and /ready on the container's port, every variable it
 * sets is a setting of the gateway (as {@code --help} lists them) and the grace period outlasts
 * the drain; the systemd unit passes {@code systemd-analyze verify} where that exists, and in any
 * case stops with SIGTERM and waits longer than the drain; the unit and the container image start
 * the JVM with bin/poolgate's default settings, which this JVM accepts without a word.
 */
@Timeout(120)
class DeployFilesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern VARIABLE = Pattern.compile("\\b((?:POOLGATE|ANTHROPIC)_[A-Z_]+)\\b");

    /** The environment variables the gateway reads, from its own --help. */
    private static Set<String> settingVariables() throws Exception {
        Ran help = run(List.of(Suite.java().toString(), "-jar", Suite.serverJar().toString(), "--help"), 60);
        String text = help.output();
        assertTrue(help.exitCode() == 0, text);
        Set<String> variables = new TreeSet<>();
        Matcher matcher = VARIABLE.matcher(text);
        while (matcher.find()) {
            variables.add(matcher.group(1));
        }
        assertTrue(variables.contains("POOLGATE_PORT") && variables.contains("ANTHROPIC_API_KEY"), text);
        return variables;
    }

    private static List<JsonNode> manifest() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<JsonNode> documents = new ArrayList<>();
        try (var parser = yaml.getFactory().createParser(ROOT.resolve("deploy/kubernetes/poolgate.yaml").toFile())) {
            yaml.readValues(parser, JsonNode.class).forEachRemaining(documents::add);
        }
        return documents;
    }

    private static long seconds(String duration) {
        return duration.endsWith("s") ? Long.parseLong(duration.substring(0, duration.length() - 1))
                : Long.parseLong(duration);
    }

    @Test
    void theKubernetesManifestProbesTheRealEndpointsAndSetsRealSettings() throws Exception {
        Map<String, JsonNode> byKind = new HashMap<>();
        for (JsonNode document : manifest()) {
            byKind.put(document.path("kind").asText(), document);
        }
        assertEquals(Set.of("Secret", "Deployment", "Service"), byKind.keySet());
        JsonNode container = byKind.get("Deployment").path("spec").path("template").path("spec")
                .path("containers").get(0);
        assertEquals("/health", container.path("livenessProbe").path("httpGet").path("path").asText());
        assertEquals("/ready", container.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals("http", container.path("readinessProbe").path("httpGet").path("port").asText());
        assertEquals(8000, container.path("ports").get(0).path("containerPort").asInt());
        assertEquals("http", container.path("ports").get(0).path("name").asText());

        Set<String> known = settingVariables();
        Map<String, String> env = new LinkedHashMap<>();
        container.path("env").forEach(entry -> env.put(entry.path("name").asText(), entry.path("value").asText()));
        byKind.get("Secret").path("stringData").fieldNames().forEachRemaining(name -> env.put(name, "(secret)"));
        for (String name : env.keySet()) {
            assertTrue(known.contains(name), name + " is not a setting of the gateway: " + known);
        }
        long grace = byKind.get("Deployment").path("spec").path("template").path("spec")
                .path("terminationGracePeriodSeconds").asLong();
        assertTrue(grace > seconds(env.get("POOLGATE_DRAIN_TIMEOUT")), "the grace period outlasts the drain");
        assertEquals("poolgate-upstream", container.path("envFrom").get(0).path("secretRef").path("name").asText());
        assertEquals(byKind.get("Secret").path("metadata").path("name").asText(), "poolgate-upstream");
    }

    @Test
    void theSystemdUnitStopsWithSigtermAndWaitsLongerThanTheDrain() throws Exception {
        Path unit = ROOT.resolve("deploy/systemd/poolgate.service");
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String line : Files.readAllLines(unit)) {
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            if (text.startsWith("[") && text.endsWith("]")) {
                current = sections.computeIfAbsent(text.substring(1, text.length() - 1), name -> new LinkedHashMap<>());
            } else {
                assertTrue(current != null && text.contains("="), "not a key=value in a section: " + text);
                int equals = text.indexOf('=');
                current.merge(text.substring(0, equals), text.substring(equals + 1), (a, b) -> a + "\n" + b);
            }
        }
        assertEquals(Set.of("Unit", "Service", "Install"), sections.keySet());
        Map<String, String> service = sections.get("Service");
        assertTrue(service.get("ExecStart").endsWith("-jar /opt/poolgate/poolgate-server.jar"), service.toString());
        assertEquals("SIGTERM", service.get("KillSignal"));
        long drain = 0;
        Set<String> known = settingVariables();
        for (String assignment : service.get("Environment").split("\n")) {
            String name = assignment.substring(0, assignment.indexOf('='));
            assertTrue(known.contains(name), name + " is not a setting of the gateway");
            if (name.equals("POOLGATE_DRAIN_TIMEOUT")) {
                drain = seconds(assignment.substring(assignment.indexOf('=') + 1));
            }
        }
        assertTrue(Long.parseLong(service.get("TimeoutStopSec")) > drain, "systemd waits longer than the drain");

        Path analyze = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed: the unit's syntax was checked by "
                + "the parser above only");
        Ran verify = run(List.of(analyze.toString(), "verify", unit.toString()), 60);
        assertEquals(0, verify.exitCode(), verify.output());
        assertEquals("", verify.output().strip(), "systemd-analyze verify has remarks");
    }

    /** The JVM options between the java command and {@code -jar} in one line of text. */
    private static List<String> optionsBeforeJar(String command) {
        List<String> words = List.of(command.strip().split("\\s+"));
        int jar = words.indexOf("-jar");
        assertTrue(jar > 0, "no -jar in " + command);
        return words.subList(1, jar);
    }

    @Test
    void theUnitAndTheImageStartTheJvmWithTheLaunchersDefaults() throws Exception {
        Matcher launcher = Pattern.compile("(?m)^defaults=\\$\\{POOLGATE_JVM_DEFAULTS-\"([^\"]*)\"}$")
                .matcher(Files.readString(ROOT.resolve("bin/poolgate")));
        assertTrue(launcher.find(), "bin/poolgate no longer sets defaults=${POOLGATE_JVM_DEFAULTS-\"...\"}");
        List<String> defaults = List.of(launcher.group(1).split(" "));
        assertTrue(defaults.contains("-Xmx64m"), defaults.toString());

        Matcher unit = Pattern.compile("(?m)^ExecStart=(.*)$")
                .matcher(Files.readString(ROOT.resolve("deploy/systemd/poolgate.service")));
        assertTrue(unit.find(), "the unit has no ExecStart");
        assertEquals(defaults, optionsBeforeJar(unit.group(1)), "deploy/systemd/poolgate.service");

        // The image's ENTRYPOINT starts with these, then its AOT cache's (GatewayImageIT inspects the built image).
        Matcher image = Pattern.compile("(?m)^defaults=\"([^\"]*)\"$")
                .matcher(Files.readString(ROOT.resolve("deploy/image/build-image.sh")));
        assertTrue(image.find(), "build-image.sh no longer sets defaults=\"...\"");
        assertEquals(defaults, List.of(image.group(1).split(" ")), "deploy/image/build-image.sh");

        List<String> command = new ArrayList<>(List.of(Suite.java().toString()));
        command.addAll(defaults);
        command.add("-version");
        Process java = new ProcessBuilder(command).start();
        String out = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(java.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(java.waitFor(60, TimeUnit.SECONDS), "java -version did not finish");
        assertEquals(0, java.exitValue(), err);
        assertEquals("", out, "the defaults make the JVM print on stdout (a CompileCommand without quiet?)");
        assertTrue(err.startsWith("openjdk version") || err.startsWith("java version"), err);
    }

    /**
     * The image's AOT cache, trained as build-image.sh trains it but on this machine's JDK and the
     * gateway's jar (no Docker needed): the script writes a cache, and a JVM told to use it or fail
     * ({@code -XX:AOTMode=on}) starts from it.
     */
    @Test
    void theImagesCacheTrainingWritesACacheTheJvmStartsFrom(@TempDir Path work) throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25+");
        Path jar = Files.copy(Suite.serverJar(), work.resolve("poolgate-server.jar"));
        Path cache = work.resolve("poolgate-server.aot");
        List<String> options = List.of("-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTRecordTraining", "-XX:-AOTReplayTraining");
        List<String> train = new ArrayList<>(List.of(ROOT.resolve("deploy/image/train-aot-cache.sh").toString(),
                Suite.java().toString(), jar.toString(), cache.toString()));
        train.addAll(options);
        Ran training = run(train, 90);
        assertEquals(0, training.exitCode(), training.output());
        assertTrue(Files.size(cache) > 0, "no cache written: " + training.output());

        List<String> start = new ArrayList<>(List.of(Suite.java().toString()));
        start.addAll(options);
        start.addAll(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache, "-jar", jar.toString(), "--version"));
        Ran version = run(start, 60);
        assertEquals(0, version.exitCode(), "the JVM could not use the cache: " + version.output());
        assertTrue(version.output().startsWith("poolgate "), version.output());
    }

    private record Ran(String output, int exitCode) {
    }

    /** Runs {@code command} to its end, within {@code seconds}, its error stream merged into its output. */
    private static Ran run(List<String> command, int seconds) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(seconds, TimeUnit.SECONDS), command.get(0) + " did not finish: " + output);
        return new Ran(output, process.exitValue());
    }
}
