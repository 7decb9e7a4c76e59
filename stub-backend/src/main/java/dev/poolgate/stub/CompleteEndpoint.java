package dev.poolgate.stub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The legacy Text Completions API, {@code POST /v1/complete}: {@code model}, {@code prompt}
 * ({@code "\n\nHuman: ...\n\nAssistant:"}) and {@code max_tokens_to_sample} required;
 * {@code stop_sequences} and {@code stream} read; the rest accepted and ignored.
 *
 * <p>The completion is the {@link Reply} to the last human turn (the text after the last
 * {@code Human:} up to {@code \n\nAssistant:}, or the whole prompt without one), cut by
 * {@code max_tokens_to_sample} and the stop sequences as a message would be. A whole reply stops
 * as the real API's do, at {@code "\n\nHuman:"} ({@code stop_reason "stop_sequence"}). Streamed,
 * it is one {@code completion} event per word, a {@code ping}, and a last {@code completion} event
 * with an empty text and the stop reason.
 */
final class CompleteEndpoint {

    static final String HUMAN = "\n\nHuman:";
    private static final String ASSISTANT = "\n\nAssistant:";
    private static final String EXAMPLE = "{\"model\": \"claude-2.1\", \"max_tokens_to_sample\": 256,"
            + " \"prompt\": \"\\n\\nHuman: Hello\\n\\nAssistant:\"}";

    private final int maxBodyBytes;

    CompleteEndpoint(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    void complete(StubExchange exchange, FaultSettings faults) throws IOException, InterruptedException {
        ObjectNode body = MessagesEndpoint.readJson(exchange, maxBodyBytes, EXAMPLE);
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.textValue().isBlank()) {
            throw ApiException.invalidRequest("model: " + (model == null ? "field required; " : "must be a model name; ")
                    + "name the model, e.g. " + EXAMPLE);
        }
        JsonNode prompt = body.get("prompt");
        if (prompt == null || !prompt.isTextual()) {
            throw ApiException.invalidRequest("prompt: " + (prompt == null ? "field required" : "must be a string,"
                    + " but was " + Json.kind(prompt)) + "; send the conversation, e.g. " + EXAMPLE);
        }
        JsonNode maxTokens = body.get("max_tokens_to_sample");
        if (maxTokens == null || !(maxTokens.isIntegralNumber() && maxTokens.canConvertToInt() && maxTokens.intValue() >= 1)) {
            throw ApiException.invalidRequest("max_tokens_to_sample: " + (maxTokens == null ? "field required; give"
                    : "must be a positive integer, but was " + Json.kind(maxTokens) + "; give")
                    + " the most tokens the completion may have, e.g. 256");
        }
        List<String> stopSequences = new ArrayList<>();
        JsonNode sequences = body.get("stop_sequences");
        if (sequences != null && sequences.isArray()) {
            for (JsonNode sequence : sequences) {
                if (sequence.isTextual() && !sequence.textValue().isEmpty()) {
                    stopSequences.add(sequence.textValue());
                }
            }
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw ApiException.invalidRequest("stream: must be true or false, but was " + Json.kind(stream));
        }
        String text = prompt.textValue();
        MessageRequest request = new MessageRequest(model.textValue(), maxTokens.intValue(), lastHumanTurn(text),
                List.copyOf(stopSequences), stream != null && stream.asBoolean(), text.length(), List.of(),
                MessageRequest.ToolChoice.AUTO, List.of(), false);
        Reply reply = Reply.to(request);
        String stopReason = reply.stopReason().equals("max_tokens") ? "max_tokens" : "stop_sequence";
        String stop = reply.stopReason().equals("max_tokens") ? null
                : reply.stopSequence() != null ? reply.stopSequence() : HUMAN;
        String id = Ids.completionId();
        if (!request.stream()) {
            exchange.sendJson(200, completion(id, request.model(), reply.text(), stopReason, stop));
            return;
        }
        try (OutputStream out = exchange.startEventStream()) {
            EventStream events = new EventStream(out, faults.eventLatency());
            List<String> deltas = reply.deltas();
            for (int i = 0; i < deltas.size(); i++) {
                events.send(completion(id, request.model(), deltas.get(i), null, null));
                if (i == 0) {
                    events.send(EventStream.data("ping"));
                }
            }
            events.send(completion(id, request.model(), "", stopReason, stop));
        }
    }

    /** The text of the last {@code Human:} turn without the spaces around it, or the whole prompt without one. */
    static String lastHumanTurn(String prompt) {
        int human = prompt.lastIndexOf("Human:");
        if (human < 0) {
            return prompt;
        }
        String turn = prompt.substring(human + "Human:".length());
        int assistant = turn.indexOf(ASSISTANT);
        return (assistant < 0 ? turn : turn.substring(0, assistant)).strip();
    }

    private static ObjectNode completion(String id, String model, String text, String stopReason, String stop) {
        ObjectNode json = EventStream.data("completion");
        json.put("id", id);
        json.put("completion", text);
        json.put("stop_reason", stopReason);
        json.put("model", model);
        json.put("stop", stop);
        json.put("log_id", id);
        return json;
    }
}
