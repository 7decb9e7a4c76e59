package dev.poolgate.stub;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /v1/messages} (a JSON message, or its server-sent events with {@code "stream": true})
 * and {@code POST /v1/messages/count_tokens}. The caller ({@link Router}) has checked the key,
 * the version header and the failure faults; this checks the content type and the body, then
 * answers with the {@link Answer} of the request: a thinking block when thinking is on, then a
 * {@link ToolUse} or the text of the {@link Reply}.
 */
final class MessagesEndpoint {

    private final int maxBodyBytes;

    MessagesEndpoint(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    void create(StubExchange exchange, FaultSettings faults) throws IOException, InterruptedException {
        MessageRequest request = MessageRequest.forMessages(readJson(exchange));
        Answer answer = Answer.to(request);
        String id = Ids.messageId();
        if (request.stream()) {
            stream(exchange, faults, id, request, answer);
        } else {
            exchange.sendJson(200, message(id, request, answer));
        }
    }

    void countTokens(StubExchange exchange) throws IOException {
        MessageRequest request = MessageRequest.forCountTokens(readJson(exchange));
        ObjectNode body = Json.object();
        body.put("input_tokens", request.inputTokens());
        exchange.sendJson(200, body);
    }

    private ObjectNode readJson(StubExchange exchange) throws IOException {
        return readJson(exchange, maxBodyBytes, MessageRequest.EXAMPLE);
    }

    /**
     * The JSON object body of a request, after checking its content type.
     *
     * @param example a valid body, shown in error messages
     */
    static ObjectNode readJson(StubExchange exchange, int maxBodyBytes, String example) throws IOException {
        String contentType = exchange.header("content-type");
        if (contentType == null || !mediaType(contentType).equals("application/json")) {
            throw ApiException.invalidRequest("content-type: must be application/json, but was "
                    + (contentType == null ? "missing" : "\"" + ApiException.shown(contentType) + "\"")
                    + "; send the header content-type: application/json with a JSON body");
        }
        return Json.parseObject(exchange.readBody(maxBodyBytes), "The request body", example);
    }

    /** The media type of a content-type value, lower case, without parameters. */
    static String mediaType(String contentType) {
        int parameters = contentType.indexOf(';');
        String type = parameters < 0 ? contentType : contentType.substring(0, parameters);
        return type.strip().toLowerCase(Locale.ROOT);
    }

    /** The message of an answer, as the non-streamed response and as a batch result. */
    static ObjectNode message(String id, MessageRequest request, Answer answer) {
        ObjectNode message = Json.object();
        message.put("id", id);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", request.model());
        ArrayNode content = message.putArray("content");
        if (answer.thinking() != null) {
            ObjectNode block = content.addObject();
            block.put("type", "thinking");
            block.put("thinking", answer.thinking().text());
            block.put("signature", answer.thinking().signature());
        }
        if (answer.toolUse() != null) {
            ObjectNode block = content.addObject();
            block.put("type", "tool_use");
            block.put("id", answer.toolUse().id());
            block.put("name", answer.toolUse().name());
            block.set("input", answer.toolUse().input());
        } else {
            ObjectNode block = content.addObject();
            block.put("type", "text");
            block.put("text", answer.reply().text());
        }
        message.put("stop_reason", answer.stopReason());
        message.put("stop_sequence", answer.stopSequence());
        ObjectNode usage = message.putObject("usage");
        usage.put("input_tokens", request.inputTokens());
        usage.put("output_tokens", answer.outputTokens());
        return message;
    }

    /**
     * The events of the API: {@code message_start}, {@code ping}, then per content block
     * {@code content_block_start} (the block with empty text, thinking or input), its deltas
     * ({@code thinking_delta}s then one {@code signature_delta}; {@code text_delta}s, one per word;
     * an empty {@code input_json_delta} then the input's JSON in pieces of
     * {@value #JSON_DELTA_CHARS} characters), {@code content_block_stop}; then
     * {@code message_delta} and {@code message_stop}. The mid-stream error fault counts the deltas
     * of every block.
     */
    private static void stream(StubExchange exchange, FaultSettings faults, String id, MessageRequest request,
            Answer answer) throws IOException, InterruptedException {
        try (OutputStream body = exchange.startEventStream()) {
            EventStream events = new EventStream(body, faults.eventLatency());

            ObjectNode start = EventStream.data("message_start");
            ObjectNode message = start.putObject("message");
            message.put("id", id);
            message.put("type", "message");
            message.put("role", "assistant");
            message.put("model", request.model());
            message.putArray("content");
            message.putNull("stop_reason");
            message.putNull("stop_sequence");
            ObjectNode startUsage = message.putObject("usage");
            startUsage.put("input_tokens", request.inputTokens());
            startUsage.put("output_tokens", 1);
            events.send(start);

            events.send(EventStream.data("ping"));

            List<StreamedBlock> blocks = new ArrayList<>();
            if (answer.thinking() != null) {
                blocks.add(StreamedBlock.thinking(answer.thinking()));
            }
            blocks.add(answer.toolUse() != null ? StreamedBlock.toolUse(answer.toolUse())
                    : StreamedBlock.text(answer.reply().text()));
            int deltasSent = 0;
            for (int index = 0; index < blocks.size(); index++) {
                StreamedBlock block = blocks.get(index);
                ObjectNode blockStart = EventStream.data("content_block_start");
                blockStart.put("index", index);
                blockStart.set("content_block", block.start());
                events.send(blockStart);
                for (ObjectNode deltaBody : block.deltas()) {
                    if (faults.midStreamError() && deltasSent == faults.midStreamErrorAfterDeltas()) {
                        sendMidStreamError(events, exchange.requestId());
                        return;
                    }
                    ObjectNode delta = EventStream.data("content_block_delta");
                    delta.put("index", index);
                    delta.set("delta", deltaBody);
                    events.send(delta);
                    deltasSent++;
                }
                if (faults.midStreamError() && index == blocks.size() - 1) {
                    sendMidStreamError(events, exchange.requestId()); // the answer had no more than N deltas
                    return;
                }
                ObjectNode blockStop = EventStream.data("content_block_stop");
                blockStop.put("index", index);
                events.send(blockStop);
            }

            ObjectNode messageDelta = EventStream.data("message_delta");
            ObjectNode delta = messageDelta.putObject("delta");
            delta.put("stop_reason", answer.stopReason());
            delta.put("stop_sequence", answer.stopSequence());
            messageDelta.putObject("usage").put("output_tokens", answer.outputTokens());
            events.send(messageDelta);

            events.send(EventStream.data("message_stop"));
        }
    }

    /** The longest {@code partial_json} of a streamed tool input. */
    static final int JSON_DELTA_CHARS = 16;

    /** A content block as streamed: its {@code content_block_start} body and its deltas. */
    private record StreamedBlock(ObjectNode start, List<ObjectNode> deltas) {

        static StreamedBlock text(String text) {
            ObjectNode start = Json.object();
            start.put("type", "text");
            start.put("text", "");
            List<ObjectNode> deltas = new ArrayList<>();
            for (String word : Reply.deltas(text)) {
                ObjectNode delta = Json.object();
                delta.put("type", "text_delta");
                delta.put("text", word);
                deltas.add(delta);
            }
            return new StreamedBlock(start, deltas);
        }

        static StreamedBlock thinking(Thinking thinking) {
            ObjectNode start = Json.object();
            start.put("type", "thinking");
            start.put("thinking", "");
            start.put("signature", "");
            List<ObjectNode> deltas = new ArrayList<>();
            for (String word : Reply.deltas(thinking.text())) {
                ObjectNode delta = Json.object();
                delta.put("type", "thinking_delta");
                delta.put("thinking", word);
                deltas.add(delta);
            }
            ObjectNode signature = Json.object();
            signature.put("type", "signature_delta");
            signature.put("signature", thinking.signature());
            deltas.add(signature);
            return new StreamedBlock(start, deltas);
        }

        static StreamedBlock toolUse(ToolUse toolUse) {
            ObjectNode start = Json.object();
            start.put("type", "tool_use");
            start.put("id", toolUse.id());
            start.put("name", toolUse.name());
            start.putObject("input");
            List<ObjectNode> deltas = new ArrayList<>();
            String json = toolUse.inputJson();
            deltas.add(inputDelta(""));
            for (int from = 0; from < json.length(); ) {
                int to = Math.min(json.length(), from + JSON_DELTA_CHARS);
                if (to < json.length() && Character.isHighSurrogate(json.charAt(to - 1))) {
                    to--; // never split a surrogate pair
                }
                deltas.add(inputDelta(json.substring(from, to)));
                from = to;
            }
            return new StreamedBlock(start, deltas);
        }

        private static ObjectNode inputDelta(String partialJson) {
            ObjectNode delta = Json.object();
            delta.put("type", "input_json_delta");
            delta.put("partial_json", partialJson);
            return delta;
        }
    }

    private static void sendMidStreamError(EventStream events, String requestId)
            throws IOException, InterruptedException {
        events.send(StubExchange.errorJson("overloaded_error",
                "Overloaded; this mid-stream error was injected by the stub backend's mid-stream error fault"
                        + " (turn it off with POST /admin/faults/reset)",
                requestId));
    }
}
