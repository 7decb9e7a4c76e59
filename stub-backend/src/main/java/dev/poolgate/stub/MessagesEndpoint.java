package dev.poolgate.stub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /v1/messages} (a JSON message, or its server-sent events with {@code "stream": true})
 * and {@code POST /v1/messages/count_tokens}. The caller ({@link Router}) has checked the key,
 * the version header and the failure faults; this checks the content type and the body, then
 * answers with the {@link Reply} of the request.
 */
final class MessagesEndpoint {

    private final int maxBodyBytes;

    MessagesEndpoint(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    void create(StubExchange exchange, FaultSettings faults) throws IOException, InterruptedException {
        MessageRequest request = MessageRequest.forMessages(readJson(exchange));
        Reply reply = Reply.to(request);
        String id = Ids.messageId();
        if (request.stream()) {
            stream(exchange, faults, id, request, reply);
        } else {
            exchange.sendJson(200, message(id, request, reply));
        }
    }

    void countTokens(StubExchange exchange) throws IOException {
        MessageRequest request = MessageRequest.forCountTokens(readJson(exchange));
        ObjectNode body = Json.object();
        body.put("input_tokens", request.inputTokens());
        exchange.sendJson(200, body);
    }

    private ObjectNode readJson(StubExchange exchange) throws IOException {
        String contentType = exchange.header("content-type");
        if (contentType == null || !mediaType(contentType).equals("application/json")) {
            throw ApiException.invalidRequest("content-type: must be application/json, but was "
                    + (contentType == null ? "missing" : "\"" + ApiException.shown(contentType) + "\"")
                    + "; send the header content-type: application/json with a JSON body");
        }
        return Json.parseObject(exchange.readBody(maxBodyBytes), "The request body", MessageRequest.EXAMPLE);
    }

    private static String mediaType(String contentType) {
        int parameters = contentType.indexOf(';');
        String type = parameters < 0 ? contentType : contentType.substring(0, parameters);
        return type.strip().toLowerCase(Locale.ROOT);
    }

    private static ObjectNode message(String id, MessageRequest request, Reply reply) {
        ObjectNode message = Json.object();
        message.put("id", id);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", request.model());
        ObjectNode block = message.putArray("content").addObject();
        block.put("type", "text");
        block.put("text", reply.text());
        message.put("stop_reason", reply.stopReason());
        message.put("stop_sequence", reply.stopSequence());
        ObjectNode usage = message.putObject("usage");
        usage.put("input_tokens", request.inputTokens());
        usage.put("output_tokens", reply.outputTokens());
        return message;
    }

    private static void stream(StubExchange exchange, FaultSettings faults, String id, MessageRequest request,
            Reply reply) throws IOException, InterruptedException {
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

            ObjectNode blockStart = EventStream.data("content_block_start");
            blockStart.put("index", 0);
            ObjectNode block = blockStart.putObject("content_block");
            block.put("type", "text");
            block.put("text", "");
            events.send(blockStart);

            List<String> deltas = reply.deltas();
            for (int i = 0; i < deltas.size(); i++) {
                if (faults.midStreamError() && i == faults.midStreamErrorAfterDeltas()) {
                    sendMidStreamError(events, exchange.requestId());
                    return;
                }
                ObjectNode delta = EventStream.data("content_block_delta");
                delta.put("index", 0);
                ObjectNode textDelta = delta.putObject("delta");
                textDelta.put("type", "text_delta");
                textDelta.put("text", deltas.get(i));
                events.send(delta);
            }
            if (faults.midStreamError()) {
                sendMidStreamError(events, exchange.requestId()); // the reply had no more than N deltas
                return;
            }

            ObjectNode blockStop = EventStream.data("content_block_stop");
            blockStop.put("index", 0);
            events.send(blockStop);

            ObjectNode messageDelta = EventStream.data("message_delta");
            ObjectNode delta = messageDelta.putObject("delta");
            delta.put("stop_reason", reply.stopReason());
            delta.put("stop_sequence", reply.stopSequence());
            messageDelta.putObject("usage").put("output_tokens", reply.outputTokens());
            events.send(messageDelta);

            events.send(EventStream.data("message_stop"));
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
