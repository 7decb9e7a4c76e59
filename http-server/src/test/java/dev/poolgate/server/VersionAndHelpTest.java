package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.upstream.AnthropicHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code --version} prints the build's version and exits; {@code --help} names the real command. */
@Timeout(60)
class VersionAndHelpTest {

    @Test
    void versionIsTheBuildsAndNothingStarts() {
        List<String> output = ServerProcess.run(List.of("--version"), Map.of(), Duration.ofSeconds(30));
        assertEquals(1, output.size(), output::toString);
        assertTrue(output.get(0).matches("poolgate \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), output.get(0));
        assertEquals("poolgate " + Version.get(), output.get(0));
    }

    @Test
    void theUserAgentTokenCarriesTheSameVersion() {
        assertEquals("poolgate/" + Version.get(), AnthropicHeaders.PRODUCT);
        assertTrue(!Version.get().equals("dev"), "the build filled in version.properties");
    }

    @Test
    void helpNamesTheCommandUsersRun() {
        List<String> output = ServerProcess.run(List.of("--help"), Map.of(), Duration.ofSeconds(30));
        String help = String.join("\n", output);
        assertTrue(help.contains("Usage: bin/poolgate [options]"), help);
        assertTrue(help.contains("--version"), help);
    }
}
