package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official TypeScript SDK ({@code @anthropic-ai/sdk} from npm) on node against an in-process
 * gateway over the embedded stub, behind a proxy key: a system-role message, a tool round trip
 * plain and streamed, thinking, a streamed text, count_tokens and models, a batch whose results the
 * SDK reads from its {@code results_url}, and a file uploaded, listed, downloaded and deleted
 * (src/test/resources/typescript-sdk/flows.mjs). Every flow succeeds, every request succeeds at
 * the gateway, and no pooled client stays in use.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TypeScriptSdkIT {

    /** The version these flows were checked against. */
    private static final String SDK = "@anthropic-ai/sdk@1.16.0";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern REQUESTS = Pattern.compile(
            "poolgate_http_requests_total\\{origin=\"[^\"]*\",route=\"([^\"]*)\",status=\"(\\d+)\"} (\\d+)(?:\\.0)?\n");

    private Gateway gateway;
    private GatewayClient client;
    private final Map<String, JsonNode> flows = new LinkedHashMap<>();
    private NodePackages.Run run;

    @BeforeAll
    void runTheFlows(@TempDir Path scratch) throws Exception {
        Path prefix = NodePackages.install("typescript-sdk", SDK);
        NodePackages.program(prefix, "node_modules/@anthropic-ai/sdk/package.json");
        // The script sits next to node_modules so that node resolves the SDK from there.
        Path script = prefix.resolve("flows.mjs");
        try (InputStream in = TypeScriptSdkIT.class.getResourceAsStream("/typescript-sdk/flows.mjs")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        gateway = Gateways.start("--proxy-api-keys", GatewayClient.CLIENT_KEY);
        client = new GatewayClient(gateway);
        run = NodePackages.run(Files.createDirectories(scratch.resolve("ts")), RUN_TIMEOUT, Map.of(
                "ANTHROPIC_BASE_URL", "http://127.0.0.1:" + gateway.port(),
                "ANTHROPIC_API_KEY", GatewayClient.CLIENT_KEY), List.of("node", script.toString()));
        for (String line : run.stdout().split("\n")) {
            if (line.startsWith("{")) {
                JsonNode flow = GatewayClient.JSON.readTree(line);
                flows.put(flow.path("flow").asText(), flow);
            }
        }
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private JsonNode flow(String name) {
        JsonNode flow = flows.get(name);
        assertTrue(flow != null, () -> "the script ran no flow " + name + ": " + run);
        assertTrue(flow.path("ok").asBoolean(), () -> name + " failed: " + flow);
        return flow;
    }

    @Test
    void aSystemRoleMessageIsAnswered() {
        assertEquals("text", flow("system-role").path("type").asText());
    }

    @Test
    void aToolRoundTripPlainAndStreamed() {
        JsonNode plain = flow("tool-round-trip");
        assertEquals("tool_use", plain.path("stop").asText());
        assertEquals("get_weather", plain.path("tool").asText());
        assertTrue(plain.path("input").path("city").isTextual() && plain.path("input").path("days").isInt(),
                plain::toString);
        assertEquals("text", plain.path("then").asText(), "after the tool's result the stub answers with text");
        JsonNode streamed = flow("tool-streamed");
        assertEquals("tool_use", streamed.path("stop").asText());
        assertTrue(streamed.path("deltas").asInt() > 0, "the input arrived as input_json_delta events");
        assertEquals(plain.path("input"), streamed.path("input"));
    }

    @Test
    void thinkingComesBeforeTheAnswerAndTextStreams() {
        assertEquals("[\"thinking\",\"text\"]", flow("thinking").path("types").toString());
        JsonNode streamed = flow("text-streamed");
        assertEquals("end_turn", streamed.path("stop").asText());
        assertTrue(streamed.path("textLength").asInt() > 0, streamed::toString);
    }

    @Test
    void tokensAreCountedAndModelsListed() {
        JsonNode flow = flow("count-tokens-and-models");
        assertTrue(flow.path("inputTokens").asInt() > 0, flow::toString);
        assertTrue(flow.path("models").asInt() > 0, flow::toString);
        assertTrue(flow.path("retrieved").asBoolean(), flow::toString);
    }

    @Test
    void aBatchsResultsAreReadThroughTheGateway() {
        JsonNode flow = flow("batch");
        assertEquals("ended", flow.path("status").asText());
        assertEquals("[{\"id\":\"first\",\"type\":\"succeeded\"},{\"id\":\"second\",\"type\":\"succeeded\"}]",
                flow.path("results").toString());
    }

    @Test
    void aFileIsUploadedListedDownloadedAndDeleted() {
        JsonNode flow = flow("files");
        assertTrue(flow.path("listed").asBoolean(), flow::toString);
        assertTrue(flow.path("sameBytes").asBoolean(), flow::toString);
    }

    @Test
    void everyRequestSucceededAtTheGatewayAndNoClientIsLeftInUse() {
        assertEquals(8, flows.size(), () -> "every flow ran: " + run);
        client.awaitStat("in_use_connections", 0, Duration.ofSeconds(10));
        Matcher counts = REQUESTS.matcher(client.metrics());
        long requests = 0;
        while (counts.find()) {
            String line = counts.group();
            if (counts.group(1).startsWith("/v1")) {
                assertEquals(2, Integer.parseInt(counts.group(2)) / 100, () -> "a request failed at the gateway: " + line);
                requests += Long.parseLong(counts.group(3));
            }
        }
        assertTrue(requests >= 15, "the SDK's requests went through the gateway: " + requests);
    }
}
