package dev.poolgate.stub;

/**
 * The content of the stub's answer to a message request: an optional {@link Thinking} block, then
 * either a {@link ToolUse} (stop reason {@code tool_use}) or the text of a {@link Reply}.
 *
 * @param thinking the thinking block, or null when thinking is off
 * @param toolUse the tool call, or null for a text answer
 * @param reply the text answer, or null for a tool call
 */
record Answer(Thinking thinking, ToolUse toolUse, Reply reply) {

    static Answer to(MessageRequest request) {
        ToolUse toolUse = ToolUse.decide(request).orElse(null);
        Thinking thinking = request.thinking() ? Thinking.before(request, toolUse) : null;
        return new Answer(thinking, toolUse, toolUse == null ? Reply.to(request) : null);
    }

    String stopReason() {
        return toolUse != null ? "tool_use" : reply.stopReason();
    }

    String stopSequence() {
        return toolUse != null ? null : reply.stopSequence();
    }

    /** The tokens of the thinking, the tool call's input JSON or the text. */
    int outputTokens() {
        int tokens = toolUse != null ? Tokens.count(toolUse.inputJson().length()) : reply.outputTokens();
        return thinking == null ? tokens : tokens + thinking.tokens();
    }
}
