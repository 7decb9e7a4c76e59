package dev.poolgate.stub;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The {@code thinking} block that precedes the stub's answer when the request turns thinking on
 * ({@code enabled} or {@code adaptive}): a fixed sentence about what comes next, and a signature
 * that is the Base64 of the SHA-256 of that sentence, so the same request always thinks the same.
 * Its tokens count in {@code output_tokens}; {@code max_tokens} does not cut it.
 *
 * @param text the thinking
 * @param signature its signature, as clients send it back with the block
 */
record Thinking(String text, String signature) {

    /** The thinking before an answer: a tool call of {@code toolUse}, or text when it is null. */
    static Thinking before(MessageRequest request, ToolUse toolUse) {
        String about = request.toolResults().isEmpty()
                ? "the message of " + Reply.deltas(request.lastUserText().strip()).size() + " words"
                : "the result of " + request.toolResults().size() + (request.toolResults().size() == 1 ? " tool" : " tools");
        String plan = toolUse == null ? "answer with text" : "call the tool " + toolUse.name();
        String text = "The stub backend reads " + about + " and will " + plan + ".";
        return new Thinking(text, signatureOf(text));
    }

    int tokens() {
        return Tokens.count(text.length());
    }

    static String signatureOf(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
