package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.MultipartField;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.files.FileMetadata;
import com.anthropic.models.files.FileUploadParams;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.SystemMessageParam;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import dev.poolgate.testkit.Await;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The official Anthropic Java SDK's flows through the gateway, against the embedded stub: a
 * system-role message, a tool round trip plain and streamed, thinking, count_tokens, the models
 * list, a batch (create, poll, results) and files (upload, list, download, delete). After each,
 * no pooled client is left in use.
 */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnthropicSdkFlowsTest {

    private static final String MODEL = "claude-sonnet-4-5";
    private static final Tool WEATHER = Tool.builder()
            .name("get_weather")
            .description("The weather in a city")
            .inputSchema(Tool.InputSchema.builder()
                    .properties(JsonValue.from(Map.of("city", Map.of("type", "string"),
                            "days", Map.of("type", "integer"))))
                    .addRequired("city")
                    .build())
            .build();

    private Gateway gateway;
    private GatewayClient stats;
    private AnthropicClient sdk;

    @BeforeAll
    void start() {
        gateway = Gateways.start();
        stats = new GatewayClient(gateway);
        sdk = AnthropicOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + gateway.port())
                .apiKey("sdk-flows-key")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(20))
                .build();
    }

    @AfterEach
    void noClientIsLeftInUse() {
        stats.awaitStat("in_use_connections", 0, Duration.ofSeconds(10));
    }

    @AfterAll
    void close() {
        sdk.close();
        gateway.close();
    }

    @Test
    void aSystemRoleMessageIsAnsweredNotRefused() {
        Message message = sdk.messages().create(MessageCreateParams.builder().model(MODEL).maxTokens(128)
                .addMessage(SystemMessageParam.builder().content("Answer briefly.").build())
                .addUserMessage("Hello with a system message")
                .build());

        assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
        assertTrue(message.content().get(0).isText(), message::toString);
    }

    @Test
    void aToolRoundTripPlain() {
        MessageCreateParams ask = MessageCreateParams.builder().model(MODEL).maxTokens(256).addTool(WEATHER)
                .addUserMessage("What is the weather in Paris?").build();

        Message first = sdk.messages().create(ask);

        assertEquals(StopReason.TOOL_USE, first.stopReason().orElseThrow());
        ToolUseBlock call = first.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow()
                .asToolUse();
        assertEquals("get_weather", call.name());
        assertTrue(call._input().toString().contains("city"), call._input().toString());

        Message answer = sdk.messages().create(ask.toBuilder()
                .addMessage(first)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId(call.id()).content("Sunny, 21 degrees").build())))
                .build());

        assertEquals(StopReason.END_TURN, answer.stopReason().orElseThrow());
        assertTrue(answer.content().get(0).isText(), answer::toString);
    }

    @Test
    void aToolRoundTripStreamed() {
        MessageCreateParams ask = MessageCreateParams.builder().model(MODEL).maxTokens(256).addTool(WEATHER)
                .addUserMessage("Stream the weather in Oslo").build();

        MessageAccumulator accumulator = MessageAccumulator.create();
        boolean[] sawInputDelta = {false};
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(ask)) {
            stream.stream().forEach(event -> {
                accumulator.accumulate(event);
                event.contentBlockDelta().ifPresent(delta -> sawInputDelta[0] |= delta.delta().isInputJson());
            });
        }
        Message first = accumulator.message();

        assertTrue(sawInputDelta[0], "the tool input came as input_json_delta events");
        assertEquals(StopReason.TOOL_USE, first.stopReason().orElseThrow());
        ToolUseBlock call = first.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow()
                .asToolUse();
        assertEquals("get_weather", call.name());

        MessageAccumulator second = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(ask.toBuilder()
                .addMessage(first)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId(call.id()).content("Snow").build())))
                .build())) {
            stream.stream().forEach(second::accumulate);
        }
        assertEquals(StopReason.END_TURN, second.message().stopReason().orElseThrow());
    }

    @Test
    void thinkingComesBeforeTheAnswer() {
        Message message = sdk.messages().create(MessageCreateParams.builder().model(MODEL).maxTokens(4096)
                .enabledThinking(1024).addUserMessage("Think first").build());

        assertTrue(message.content().get(0).isThinking(), message::toString);
        assertTrue(message.content().stream().anyMatch(ContentBlock::isText), message::toString);
    }

    @Test
    void tokensAreCountedAndModelsListed() {
        long tokens = sdk.messages().countTokens(MessageCountTokensParams.builder().model(MODEL)
                .addUserMessage("How many tokens is this?").build()).inputTokens();
        List<String> models = sdk.models().list().data().stream().map(model -> model.id()).toList();

        assertTrue(tokens > 0, "input_tokens " + tokens);
        assertFalse(models.isEmpty());
        assertEquals(models.get(0), sdk.models().retrieve(models.get(0)).id());
    }

    @Test
    void aBatchIsCreatedPolledAndItsResultsStreamed() {
        MessageBatch created = sdk.messages().batches().create(BatchCreateParams.builder()
                .addRequest(request("first", "First question"))
                .addRequest(request("second", "Second question"))
                .build());

        Await.until("batch " + created.id() + " ended", Duration.ofSeconds(20),
                () -> sdk.messages().batches().retrieve(created.id()),
                batch -> batch.processingStatus().equals(MessageBatch.ProcessingStatus.ENDED));
        List<MessageBatchIndividualResponse> results;
        try (StreamResponse<MessageBatchIndividualResponse> stream =
                sdk.messages().batches().resultsStreaming(created.id())) {
            results = stream.stream().toList();
        }

        assertEquals(List.of("first", "second"), results.stream().map(MessageBatchIndividualResponse::customId)
                .sorted().toList());
        assertTrue(results.stream().allMatch(result -> result.result().isSucceeded()), results::toString);
    }

    @Test
    void aBatchsResultsUrlPointsAtTheGatewaySoThatSdksReadingItStayBehindIt() {
        MessageBatch created = sdk.messages().batches().create(BatchCreateParams.builder()
                .addRequest(request("only", "Where are my results?")).build());
        String origin = "http://127.0.0.1:" + gateway.port();

        MessageBatch ended = Await.until("batch " + created.id() + " ended", Duration.ofSeconds(20),
                () -> sdk.messages().batches().retrieve(created.id()),
                batch -> batch.processingStatus().equals(MessageBatch.ProcessingStatus.ENDED));
        String resultsUrl = ended.resultsUrl().orElseThrow();
        List<String> listed = sdk.messages().batches().list().data().stream()
                .flatMap(batch -> batch.resultsUrl().stream()).toList();
        long upstreamReads = gateway.embeddedStub().requestCount();
        GatewayClient.Response results = stats.send(stats.request(resultsUrl.substring(origin.length())).GET());

        assertEquals(origin + "/v1/messages/batches/" + created.id() + "/results", resultsUrl);
        assertTrue(listed.contains(resultsUrl), listed::toString);
        assertTrue(listed.stream().allMatch(url -> url.startsWith(origin + "/v1/messages/batches/")), listed::toString);
        assertEquals(200, results.status(), results.body());
        assertTrue(results.body().contains("\"custom_id\":\"only\""), results.body());
        assertTrue(gateway.embeddedStub().requestCount() > upstreamReads, "the results were read through the gateway");
    }

    private static BatchCreateParams.Request request(String customId, String text) {
        return BatchCreateParams.Request.builder().customId(customId)
                .params(BatchCreateParams.Request.Params.builder().model(MODEL).maxTokens(64).addUserMessage(text)
                        .build())
                .build();
    }

    @Test
    void aFileIsUploadedListedDownloadedAndDeleted() throws Exception {
        byte[] content = "poolgate file through the SDK\n".repeat(20_000).getBytes(StandardCharsets.UTF_8);

        FileMetadata uploaded = sdk.files().upload(FileUploadParams.builder()
                .file(MultipartField.<InputStream>builder().value(new ByteArrayInputStream(content))
                        .filename("notes.txt").contentType("text/plain").build())
                .build());
        List<String> listed = sdk.files().list().data().stream().map(FileMetadata::id).toList();
        byte[] downloaded;
        try (HttpResponse download = sdk.files().download(uploaded.id())) {
            downloaded = download.body().readAllBytes();
        }
        String deleted = sdk.files().delete(uploaded.id()).id();

        assertEquals(content.length, uploaded.sizeBytes());
        assertTrue(listed.contains(uploaded.id()), listed::toString);
        assertArrayEquals(content, downloaded);
        assertEquals(uploaded.id(), deleted);
        assertFalse(sdk.files().list().data().stream().anyMatch(file -> file.id().equals(uploaded.id())));
    }
}
