package dev.poolgate.stub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code tool_use} block of the stub's answer, and the rule that decides whether there is one.
 *
 * <p>The stub asks for a tool when the request has {@code tools}, its {@code tool_choice} is not
 * {@code none}, and the last user message holds no {@code tool_result} (after one, the answer is
 * text, so that every tool loop ends). Which tool: a {@code tool} choice's; otherwise the one a
 * hint in the last user text names, else the first tool. The hint, the last one in the text
 * winning: {@code use tool NAME}, optionally followed by {@code  with {...JSON object...}} whose
 * properties replace those of the generated input (an object that does not parse is ignored, as
 * a model would ignore a garbled instruction); and, under {@code auto} only,
 * {@code use no tool} for a text answer. A hint naming no tool given is ignored. The input is
 * {@link SchemaExample#inputFor the example} of the tool's {@code input_schema}.
 *
 * @param id a new {@code toolu_} id
 * @param name the tool's name
 * @param input the tool's input
 */
record ToolUse(String id, String name, ObjectNode input) {

    /** {@code use tool NAME} or {@code use no tool}; group 1 is the tool name of the first form. */
    static final Pattern HINT = Pattern.compile("\\b[Uu]se (?:tool ([A-Za-z0-9_-]{1,128})|no tool\\b)");

    private static final String WITH = " with ";

    /** The tool call answering {@code request}, or empty when the answer is text. */
    static Optional<ToolUse> decide(MessageRequest request) {
        String choice = request.toolChoice().type();
        if (request.tools().isEmpty() || choice.equals("none") || !request.toolResults().isEmpty()) {
            return Optional.empty();
        }
        Hint hint = Hint.last(request.lastUserText(), request.tools());
        String name;
        if (choice.equals("tool")) {
            name = request.toolChoice().name();
        } else if (hint != null && hint.noTool()) {
            if (choice.equals("auto")) {
                return Optional.empty();
            }
            name = firstNamed(request.tools());
        } else {
            name = hint != null ? hint.tool() : firstNamed(request.tools());
        }
        if (name == null) {
            return Optional.empty(); // no tool has a name: nothing to call
        }
        JsonNode tool = named(request.tools(), name);
        ObjectNode input = SchemaExample.inputFor(tool.get("input_schema"));
        if (hint != null && name.equals(hint.tool()) && hint.input() != null) {
            input.setAll(hint.input());
        }
        return Optional.of(new ToolUse(Ids.toolUseId(), name, input));
    }

    /** The input as one JSON text, as the streamed {@code input_json_delta}s spell it out. */
    String inputJson() {
        return Json.string(input);
    }

    /**
     * A hint of the user text.
     *
     * @param tool the tool named, or null for {@code use no tool}
     * @param input the JSON object after {@code with}, or null
     */
    private record Hint(String tool, ObjectNode input) {

        boolean noTool() {
            return tool == null;
        }

        /** The last hint of {@code text} that names a tool given (or says no tool), or null. */
        static Hint last(String text, List<JsonNode> tools) {
            Hint last = null;
            Matcher matcher = HINT.matcher(text);
            while (matcher.find()) {
                String tool = matcher.group(1);
                if (tool == null) {
                    last = new Hint(null, null);
                } else if (named(tools, tool) != null) {
                    ObjectNode input = null;
                    if (text.startsWith(WITH, matcher.end())) {
                        input = Json.leadingObject(text.substring(matcher.end() + WITH.length()));
                    }
                    last = new Hint(tool, input);
                }
            }
            return last;
        }
    }

    private static String firstNamed(List<JsonNode> tools) {
        for (JsonNode tool : tools) {
            if (tool.path("name").isTextual()) {
                return tool.get("name").textValue();
            }
        }
        return null;
    }

    private static JsonNode named(List<JsonNode> tools, String name) {
        for (JsonNode tool : tools) {
            if (name.equals(tool.path("name").asText(null))) {
                return tool;
            }
        }
        return null;
    }
}
