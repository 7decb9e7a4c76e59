package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.ErrorType;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.TextDelta;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The official Anthropic Java SDK works against the gateway by its base URL alone: plain and
 * streamed messages, and the gateway's errors as the SDK's typed exceptions.
 */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnthropicSdkTest {

    private static final String PROXY_KEY = "sdk-proxy-key";

    private Gateway gateway;
    private AnthropicClient sdk;

    @BeforeAll
    void start() {
        gateway = Gateways.start("--proxy-api-keys", PROXY_KEY);
        sdk = client(PROXY_KEY);
    }

    private AnthropicClient client(String apiKey) {
        return AnthropicOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + gateway.port())
                .apiKey(apiKey)
                // Unchanged otherwise: the SDK sends its own default anthropic-version.
                .maxRetries(0)
                .timeout(Duration.ofSeconds(20))
                .build();
    }

    @AfterEach
    void resetFaults() {
        gateway.embeddedStub().faults().reset();
    }

    @AfterAll
    void close() {
        sdk.close();
        gateway.close();
    }

    private static MessageCreateParams params(String text, long maxTokens) {
        return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(maxTokens).addUserMessage(text)
                .build();
    }

    private String plainText(String text) {
        Message message = sdk.messages().create(params(text, 256));
        return message.content().get(0).text().orElseThrow().text();
    }

    @Test
    void theSdkSendsAMessageThroughTheGateway() {
        Message message = sdk.messages().create(params("Hello from the SDK", 256));

        assertTrue(message.id().startsWith("msg_"), message.id());
        assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
        assertTrue(message.content().get(0).text().orElseThrow().text().contains("\"Hello from the SDK\""),
                message.toString());
        assertTrue(message.usage().outputTokens() > 0);
    }

    @Test
    void theSdkStreamsAMessageThroughTheGateway() {
        String expected = plainText("Stream through the SDK");

        String streamed;
        try (StreamResponse<RawMessageStreamEvent> stream =
                sdk.messages().createStreaming(params("Stream through the SDK", 256))) {
            streamed = stream.stream()
                    .flatMap(event -> event.contentBlockDelta().stream())
                    .flatMap(delta -> delta.delta().text().stream())
                    .map(TextDelta::text)
                    .collect(Collectors.joining());
        }

        assertEquals(expected, streamed);
    }

    @Test
    void anInvalidRequestIsTheSdksBadRequestException() {
        // The SDK does not check max_tokens itself; the gateway refuses 0 before going upstream.
        BadRequestException error = assertThrows(BadRequestException.class,
                () -> sdk.messages().create(params("zero tokens", 0)));

        assertEquals(400, error.statusCode());
        assertEquals(ErrorType.INVALID_REQUEST_ERROR, error.errorType().orElseThrow());
        assertTrue(error.getMessage().contains("max_tokens"), error.getMessage());
        assertTrue(error.requestId().orElseThrow().startsWith("req_"));
    }

    @Test
    void otherErrorsAreTheirTypedExceptions() {
        NotFoundException notFound = assertThrows(NotFoundException.class,
                () -> sdk.models().retrieve("claude-no-such-model"));
        assertEquals(404, notFound.statusCode());

        AnthropicClient wrongKey = client("not-a-proxy-key");
        try {
            UnauthorizedException unauthorized = assertThrows(UnauthorizedException.class,
                    () -> wrongKey.messages().create(params("let me in", 16)));
            assertEquals(ErrorType.AUTHENTICATION_ERROR, unauthorized.errorType().orElseThrow());
        } finally {
            wrongKey.close();
        }

        gateway.embeddedStub().faults().failWith(529).retryAfterSeconds(2);
        OverloadedException overloaded = assertThrows(OverloadedException.class,
                () -> sdk.messages().create(params("busy?", 16)));
        assertEquals("2", overloaded.headers().values("retry-after").get(0));
    }

    @Test
    void anErrorMidStreamReachesTheSdkAsAnError() {
        gateway.embeddedStub().faults().midStreamErrorAfterDeltas(1);

        RuntimeException error = assertThrows(RuntimeException.class, () -> {
            try (StreamResponse<RawMessageStreamEvent> stream =
                    sdk.messages().createStreaming(params("break it", 256))) {
                stream.stream().forEach(event -> { });
            }
        });

        assertTrue(error instanceof SseException || error instanceof AnthropicServiceException, error.toString());
        assertTrue(error.getMessage().contains("overloaded"), error.getMessage());
    }
}
