package dev.poolgate.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.server.budget.Rates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The clients file: what it accepts, and an error naming the entry and the fix, never a key. */
class ClientsFileTest {

    private static final String SECRET = "pk-secret-never-shown";

    @TempDir
    Path directory;

    private Path write(String json) throws IOException {
        return Files.writeString(directory.resolve("clients.json"), json);
    }

    @Test
    void namedClientsWithAndWithoutBudgets() throws IOException {
        List<ClientsFile.Client> clients = ClientsFile.read(write("""
                {"clients": [
                  {"name": "team-a", "key": "pk-team-a-0001", "requests_per_minute": 60,
                   "input_tokens_per_minute": 200000, "output_tokens_per_minute": 40000},
                  {"name": "nightly.batch_2", "key": "pk-batch-0002"}
                ]}"""));
        assertEquals(2, clients.size());
        assertEquals("team-a", clients.get(0).name());
        assertEquals(new Rates(60, 200_000, 40_000), clients.get(0).rates());
        assertEquals(Rates.NONE, clients.get(1).rates());
        assertFalse(clients.get(0).toString().contains("pk-team-a"), "toString hides the key");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "not json",
        "[]",
        "{\"clients\": {}}",
        "{\"clients\": [1]}",
        "{\"clients\": [{\"name\": \"a\", \"key\": \"" + SECRET + "\", \"rpm\": 1}]}",
        "{\"clients\": [{\"name\": \"-bad\", \"key\": \"" + SECRET + "\"}]}",
        "{\"clients\": [{\"name\": \"has space\", \"key\": \"" + SECRET + "\"}]}",
        "{\"clients\": [{\"key\": \"" + SECRET + "\"}]}",
        "{\"clients\": [{\"name\": \"a\", \"key\": \"short\"}]}",
        "{\"clients\": [{\"name\": \"a\", \"key\": 12345678}]}",
        "{\"clients\": [{\"name\": \"a\", \"key\": \"" + SECRET + "\"}, {\"name\": \"a\", \"key\": \"pk-other-key\"}]}",
        "{\"clients\": [{\"name\": \"a\", \"key\": \"" + SECRET + "\"}, {\"name\": \"b\", \"key\": \"" + SECRET + "\"}]}",
        "{\"clients\": [{\"name\": \"a\", \"key\": \"" + SECRET + "\", \"requests_per_minute\": -1}]}",
        "{\"clients\": [{\"name\": \"a\", \"key\": \"" + SECRET + "\", \"requests_per_minute\": 1.5}]}",
        "{\"clients\": [{\"name\": \"a\", \"key\": \"" + SECRET + "\", \"requests_per_minute\": \"60\"}]}"
    })
    void aBadFileIsRefusedWithTheFixAndWithoutItsKeys(String json) throws IOException {
        Path file = write(json);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClientsFile.read(file));
        assertTrue(e.getMessage().startsWith("The clients file " + file), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }

    @Test
    void aMissingFileNamesTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClientsFile.read(directory.resolve("absent.json")));
        assertTrue(e.getMessage().contains("--clients-file"), e.getMessage());
    }

    @Test
    void aBadFileStopsTheStart() throws IOException {
        Path file = write("{\"clients\": [{\"name\": \"a\"}]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Settings.parse(
                new String[] {"--upstream", "stub", "--clients-file", file.toString()}, Map.of()));
        assertTrue(e.getMessage().contains("needs a \"key\""), e.getMessage());
    }
}
