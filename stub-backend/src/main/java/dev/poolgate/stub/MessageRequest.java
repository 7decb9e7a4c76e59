package dev.poolgate.stub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated body of {@code POST /v1/messages} or {@code POST /v1/messages/count_tokens}: what
 * the stub's answer depends on, and the checks of the real API with their field names.
 *
 * <p>Required: {@code model} (a string), {@code max_tokens} (a positive integer; not for
 * count_tokens), {@code messages} (a non-empty array of {@code {role, content}}). The optional
 * fields the API documents are checked for their type when present and not {@code null}; fields
 * it does not know are accepted and ignored. A failed check is a 400 {@code invalid_request_error}
 * whose message starts with the field's path ({@code messages.0.content}) and says the fix.
 *
 * <p>What the real API accepts, the stub accepts too, even where it has nothing to do with it:
 * any role (Claude Code sends {@code system}-role messages; only {@code user} messages shape the
 * answer), any content block type (only {@code text} and {@code tool_result} blocks are read),
 * any {@code thinking} type, unknown fields. The checks left are those of the answer's inputs.
 *
 * @param model the requested model, echoed in the response
 * @param maxTokens the output budget in tokens; 0 for count_tokens
 * @param lastUserText the text of the last {@code user} message (its text blocks joined by a newline,
 *        without Claude Code's {@code <system-reminder>} blocks)
 * @param stopSequences the stop sequences, in request order
 * @param stream whether a streamed response was asked for
 * @param inputChars the characters of the input: system, message texts, other blocks and tools as JSON
 * @param tools the tool definitions (objects), in request order; empty without {@code tools}
 * @param toolChoice the {@code tool_choice}; {@link ToolChoice#AUTO} when absent
 * @param toolResults the {@code tool_result} blocks of the last {@code user} message, in order
 * @param thinking whether {@code thinking} is on: its type is {@code enabled} or {@code adaptive}
 */
record MessageRequest(
        String model,
        int maxTokens,
        String lastUserText,
        List<String> stopSequences,
        boolean stream,
        long inputChars,
        List<JsonNode> tools,
        ToolChoice toolChoice,
        List<ToolResult> toolResults,
        boolean thinking) {

    /**
     * The {@code tool_choice} of a request: {@code auto} (also for a type the stub does not know),
     * {@code any}, {@code tool} with the tool's name, or {@code none}.
     *
     * @param type the choice's type
     * @param name the tool a {@code tool} choice names; null for the others
     */
    record ToolChoice(String type, String name) {
        static final ToolChoice AUTO = new ToolChoice("auto", null);
    }

    /**
     * A {@code tool_result} block of the last user message.
     *
     * @param toolUseId its {@code tool_use_id} ("" when absent)
     * @param text its content as text: the string, or its text blocks joined by a newline
     * @param chars the characters of its content (other blocks as JSON)
     * @param isError its {@code is_error}
     */
    record ToolResult(String toolUseId, String text, long chars, boolean isError) {
    }

    /** A valid body, shown in error messages. */
    static final String EXAMPLE = "{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 1024,"
            + " \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}";

    static MessageRequest forMessages(ObjectNode body) {
        return parse(body, true);
    }

    static MessageRequest forCountTokens(ObjectNode body) {
        return parse(body, false);
    }

    int inputTokens() {
        return Tokens.count(inputChars);
    }

    private static MessageRequest parse(ObjectNode body, boolean maxTokensRequired) {
        String model = requiredModel(body);
        int maxTokens = maxTokensRequired ? requiredMaxTokens(body) : 0;
        Conversation conversation = requiredMessages(body);
        long chars = conversation.chars();

        JsonNode system = optional(body, "system");
        if (system != null) {
            if (system.isTextual()) {
                chars += system.textValue().length();
            } else if (system.isArray()) {
                chars += blocks(system, "system", new StringBuilder());
            } else {
                throw invalid("system", "must be a string or an array of text blocks"
                        + " such as [{\"type\": \"text\", \"text\": \"You are terse.\"}]", system);
            }
        }
        JsonNode stream = optional(body, "stream");
        if (stream != null && !stream.isBoolean()) {
            throw invalid("stream", "must be true or false", stream);
        }
        requireFraction(body, "temperature");
        requireFraction(body, "top_p");
        JsonNode topK = optional(body, "top_k");
        if (topK != null && !(topK.isIntegralNumber() && topK.canConvertToInt() && topK.intValue() >= 0)) {
            throw invalid("top_k", "must be a non-negative integer such as 40", topK);
        }
        List<String> stopSequences = stopSequences(body);
        JsonNode tools = optional(body, "tools");
        List<JsonNode> toolList = new ArrayList<>();
        if (tools != null) {
            if (!tools.isArray()) {
                throw invalid("tools", "must be an array of tool definitions"
                        + " such as [{\"name\": \"get_weather\", \"input_schema\": {\"type\": \"object\"}}]", tools);
            }
            for (int i = 0; i < tools.size(); i++) {
                if (!tools.get(i).isObject()) {
                    throw invalid("tools." + i, "must be an object with a name and an input_schema", tools.get(i));
                }
                toolList.add(tools.get(i));
            }
            chars += Json.string(tools).length();
        }
        for (String field : List.of("tool_choice", "metadata", "thinking")) {
            JsonNode value = optional(body, field);
            if (value != null && !value.isObject()) {
                throw invalid(field, "must be an object (see the Messages API reference)", value);
            }
        }
        ToolChoice toolChoice = toolChoice(optional(body, "tool_choice"), toolList);
        JsonNode thinking = optional(body, "thinking");
        boolean thinkingOn = thinking != null && thinking.path("type").isTextual()
                && (thinking.get("type").textValue().equals("enabled") || thinking.get("type").textValue().equals("adaptive"));
        return new MessageRequest(model, maxTokens, conversation.lastUserText(), stopSequences,
                stream != null && stream.booleanValue(), chars, List.copyOf(toolList), toolChoice,
                conversation.toolResults(), thinkingOn);
    }

    /**
     * The {@code tool_choice} (already known to be an object or absent). The stub answers a
     * {@code tool} choice only with the tool it names, so that name must be one of the tools.
     */
    private static ToolChoice toolChoice(JsonNode choice, List<JsonNode> tools) {
        if (choice == null || !choice.path("type").isTextual()) {
            return ToolChoice.AUTO;
        }
        String type = choice.get("type").textValue();
        return switch (type) {
            case "any", "none" -> new ToolChoice(type, null);
            case "tool" -> {
                JsonNode name = choice.get("name");
                if (name == null || name.isNull()) {
                    throw missing("tool_choice.name", "a tool choice names the tool to use, e.g."
                            + " {\"type\": \"tool\", \"name\": \"get_weather\"}");
                }
                if (!name.isTextual()) {
                    throw invalid("tool_choice.name", "must be the name of one of the tools", name);
                }
                boolean given = tools.stream().anyMatch(tool -> name.textValue().equals(tool.path("name").asText(null)));
                if (!given) {
                    throw ApiException.invalidRequest("tool_choice.name: \"" + ApiException.shown(name.textValue())
                            + "\" is not the name of any tool in tools; name one of the tools given");
                }
                yield new ToolChoice(type, name.textValue());
            }
            default -> ToolChoice.AUTO;
        };
    }

    private static String requiredModel(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null) {
            throw missing("model", "name the model to use, e.g. \"model\": \"claude-sonnet-4-5\"");
        }
        if (!model.isTextual() || model.textValue().isBlank()) {
            throw invalid("model", "must be a model name such as \"claude-sonnet-4-5\"", model);
        }
        return model.textValue();
    }

    private static int requiredMaxTokens(ObjectNode body) {
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens == null) {
            throw missing("max_tokens", "give the most tokens the reply may have, e.g. \"max_tokens\": 1024");
        }
        if (!(maxTokens.isIntegralNumber() && maxTokens.canConvertToInt() && maxTokens.intValue() >= 1)) {
            throw invalid("max_tokens", "must be a positive integer such as 1024", maxTokens);
        }
        return maxTokens.intValue();
    }

    /**
     * What the stub takes from {@code messages}: the last user text, the tool results of the last
     * user message, and the characters of all.
     */
    private record Conversation(String lastUserText, List<ToolResult> toolResults, long chars) {
    }

    private static Conversation requiredMessages(ObjectNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null) {
            throw missing("messages", "send the conversation, e.g. \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            String was = messages.isArray() ? "an empty array" : Json.kind(messages);
            throw ApiException.invalidRequest("messages: must be a non-empty array of messages"
                    + " such as [{\"role\": \"user\", \"content\": \"Hello\"}], but was " + was);
        }
        String lastUserText = "";
        List<ToolResult> toolResults = List.of();
        long chars = 0;
        for (int i = 0; i < messages.size(); i++) {
            String path = "messages." + i;
            JsonNode message = messages.get(i);
            if (!message.isObject()) {
                throw invalid(path, "must be an object such as {\"role\": \"user\", \"content\": \"Hello\"}", message);
            }
            JsonNode role = message.get("role");
            if (role == null) {
                throw missing(path + ".role", "say who speaks: \"user\" or \"assistant\"");
            }
            if (!role.isTextual()) {
                throw invalid(path + ".role", "must be a string such as \"user\" or \"assistant\"", role);
            }
            JsonNode content = message.get("content");
            if (content == null) {
                throw missing(path + ".content", "give the message's text, e.g. \"content\": \"Hello\"");
            }
            String text;
            List<ToolResult> results = new ArrayList<>();
            if (content.isTextual()) {
                text = content.textValue();
                chars += text.length();
            } else if (content.isArray()) {
                StringBuilder texts = new StringBuilder();
                chars += blocks(content, path + ".content", texts);
                text = texts.toString();
                for (JsonNode block : content) {
                    if (block.path("type").asText("").equals("tool_result")) {
                        results.add(toolResult(block));
                    }
                }
            } else {
                throw invalid(path + ".content", "must be a string or an array of content blocks"
                        + " such as [{\"type\": \"text\", \"text\": \"Hello\"}]", content);
            }
            if (role.textValue().equals("user")) {
                lastUserText = text;
                toolResults = List.copyOf(results);
            }
        }
        return new Conversation(lastUserText, toolResults, chars);
    }

    /** A {@code tool_result} block as the answer reads it; its content is not checked beyond that. */
    private static ToolResult toolResult(JsonNode block) {
        String id = block.path("tool_use_id").asText("");
        JsonNode content = block.get("content");
        String text;
        long chars;
        if (content == null || content.isNull()) {
            text = "";
            chars = 0;
        } else if (content.isTextual()) {
            text = content.textValue();
            chars = text.length();
        } else if (content.isArray()) {
            StringBuilder texts = new StringBuilder();
            chars = 0;
            for (JsonNode inner : content) {
                if (inner.path("type").asText("").equals("text") && inner.path("text").isTextual()) {
                    if (!texts.isEmpty()) {
                        texts.append('\n');
                    }
                    texts.append(inner.get("text").textValue());
                    chars += inner.get("text").textValue().length();
                } else {
                    chars += Json.string(inner).length();
                }
            }
            text = texts.toString();
        } else {
            text = content.asText();
            chars = Json.string(content).length();
        }
        return new ToolResult(id, text, chars, block.path("is_error").asBoolean(false));
    }

    /**
     * Whether a text block is one of the {@code <system-reminder>} blocks Claude Code adds to a
     * user message (context, not the prompt): the answer quotes the prompt, not them.
     */
    private static boolean isReminder(String text) {
        String stripped = text.strip();
        return stripped.startsWith("<system-reminder>") && stripped.endsWith("</system-reminder>");
    }

    /**
     * Checks an array of content blocks; appends the texts of its text blocks, newline-separated,
     * to {@code texts}, except {@link #isReminder reminders}; returns its characters (text blocks
     * by their text, others as JSON).
     */
    private static long blocks(JsonNode blocks, String path, StringBuilder texts) {
        long chars = 0;
        for (int i = 0; i < blocks.size(); i++) {
            String blockPath = path + "." + i;
            JsonNode block = blocks.get(i);
            if (!block.isObject()) {
                throw invalid(blockPath, "must be a content block such as {\"type\": \"text\", \"text\": \"Hello\"}", block);
            }
            JsonNode type = block.get("type");
            if (type == null) {
                throw missing(blockPath + ".type", "name the block's kind, e.g. \"type\": \"text\"");
            }
            if (!type.isTextual()) {
                throw invalid(blockPath + ".type", "must be a block type such as \"text\" or \"image\"", type);
            }
            if (type.textValue().equals("text")) {
                JsonNode text = block.get("text");
                if (text == null) {
                    throw missing(blockPath + ".text", "a text block needs its text, e.g. \"text\": \"Hello\"");
                }
                if (!text.isTextual()) {
                    throw invalid(blockPath + ".text", "must be a string", text);
                }
                if (!isReminder(text.textValue())) {
                    if (!texts.isEmpty()) {
                        texts.append('\n');
                    }
                    texts.append(text.textValue());
                }
                chars += text.textValue().length();
            } else {
                chars += Json.string(block).length();
            }
        }
        return chars;
    }

    private static List<String> stopSequences(ObjectNode body) {
        JsonNode sequences = optional(body, "stop_sequences");
        if (sequences == null) {
            return List.of();
        }
        if (!sequences.isArray()) {
            throw invalid("stop_sequences", "must be an array of strings such as [\"\\n\\nHuman:\"]", sequences);
        }
        List<String> result = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            JsonNode sequence = sequences.get(i);
            if (!sequence.isTextual() || sequence.textValue().isEmpty()) {
                throw invalid("stop_sequences." + i, "must be a non-empty string", sequence);
            }
            result.add(sequence.textValue());
        }
        return List.copyOf(result);
    }

    private static void requireFraction(ObjectNode body, String field) {
        JsonNode value = optional(body, field);
        if (value != null && !(value.isNumber() && value.doubleValue() >= 0.0 && value.doubleValue() <= 1.0)) {
            throw invalid(field, "must be a number from 0 to 1", value);
        }
    }

    /** The value of an optional field, or {@code null} when it is absent or JSON {@code null}. */
    private static JsonNode optional(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        return value == null || value.isNull() ? null : value;
    }

    private static ApiException missing(String path, String fix) {
        return ApiException.invalidRequest(path + ": field required; " + fix);
    }

    private static ApiException invalid(String path, String rule, JsonNode was) {
        return ApiException.invalidRequest(path + ": " + rule + ", but was " + Json.kind(was));
    }
}
