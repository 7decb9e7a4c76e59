package dev.poolgate.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poolgate.server.budget.Rates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The clients file ({@code --clients-file}): named proxy keys, each with its own per-minute
 * budgets, read at start and again on SIGHUP. JSON, since the gateway reads JSON already:
 *
 * <pre>{@code
 * {"clients": [
 *   {"name": "team-a", "key": "pk-team-a-...", "requests_per_minute": 60,
 *    "input_tokens_per_minute": 200000, "output_tokens_per_minute": 40000},
 *   {"name": "nightly-batch", "key": "pk-batch-..."}
 * ]}
 * }</pre>
 *
 * A budget left out (or 0) is none. Names are what the access log, the metrics and the
 * rate-limit headers show; keys are never shown, not even in an error about the file.
 */
public final class ClientsFile {

    /** The most clients a file may name: each is a label value of the metrics. */
    public static final int MAX_CLIENTS = 1_000;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> FIELDS = Set.of("name", "key", "requests_per_minute", "input_tokens_per_minute",
            "output_tokens_per_minute");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClientsFile() {
    }

    /** One named client: its proxy key and its budgets. Its {@code toString} hides the key. */
    public record Client(String name, String key, Rates rates) {
        @Override
        public String toString() {
            return "Client[name=" + name + ", rates=" + rates + "]";
        }
    }

    /**
     * Reads and checks {@code file}.
     *
     * @throws IllegalArgumentException naming the file, the entry and the fix, never a key
     */
    public static List<Client> read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("The clients file " + file + " is not JSON (line "
                    + e.getLocation().getLineNr() + "); write {\"clients\": [{\"name\": ..., \"key\": ...}]}");
        } catch (IOException e) {
            throw new IllegalArgumentException("The clients file " + file + " cannot be read (" + e.getMessage()
                    + "); check the path given to --clients-file");
        }
        if (root == null || !root.isObject() || !root.path("clients").isArray()) {
            throw new IllegalArgumentException("The clients file " + file + " must be a JSON object with a "
                    + "\"clients\" array: {\"clients\": [{\"name\": ..., \"key\": ...}]}");
        }
        JsonNode entries = root.get("clients");
        if (entries.size() > MAX_CLIENTS) {
            throw new IllegalArgumentException("The clients file " + file + " names " + entries.size()
                    + " clients; at most " + MAX_CLIENTS + " may be named");
        }
        List<Client> clients = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonNode entry = entries.get(i);
            String where = "The clients file " + file + ", client #" + (i + 1);
            if (!entry.isObject()) {
                throw new IllegalArgumentException(where + " is not an object; write {\"name\": ..., \"key\": ...}");
            }
            for (Iterator<String> fields = entry.fieldNames(); fields.hasNext(); ) {
                String field = fields.next();
                if (!FIELDS.contains(field)) {
                    throw new IllegalArgumentException(where + " has an unknown field \"" + field
                            + "\"; the fields are " + FIELDS.stream().sorted().toList());
                }
            }
            String name = entry.path("name").asText("");
            if (!entry.path("name").isTextual() || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(where + " needs a \"name\" of 1 to 64 letters, digits, '.', '_' "
                        + "or '-' (starting with a letter or digit)");
            }
            where = "The clients file " + file + ", client \"" + name + "\"";
            String key = entry.path("key").asText("");
            if (!entry.path("key").isTextual() || key.length() < 8 || !key.chars().allMatch(c -> c > 32 && c < 127)) {
                throw new IllegalArgumentException(where + " needs a \"key\" of at least 8 visible ASCII characters");
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException(where + " is named twice; names must be unique");
            }
            if (!keys.add(key)) {
                throw new IllegalArgumentException(where + " has the key of an earlier client; keys must be unique");
            }
            clients.add(new Client(name, key, new Rates(budget(entry, "requests_per_minute", where),
                    budget(entry, "input_tokens_per_minute", where), budget(entry, "output_tokens_per_minute", where))));
        }
        return List.copyOf(clients);
    }

    private static long budget(JsonNode entry, String field, String where) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull()) {
            return 0;
        }
        if (!value.isIntegralNumber() || value.asLong() < 0 || value.asLong() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be a whole number from 0 (none) to "
                    + Integer.MAX_VALUE + ", was " + value);
        }
        return value.asLong();
    }
}
