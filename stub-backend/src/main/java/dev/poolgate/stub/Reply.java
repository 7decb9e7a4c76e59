package dev.poolgate.stub;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The stub's deterministic answer to a message request: the same request always gets the same
 * text, stop reason and token counts (only the ids differ).
 *
 * <p>The full text is a fixed function of the last user message, at least a dozen words long:
 * {@code This is the stub backend's reply to "<its first 12 words>": <n> words, <n> characters,
 * checksum <crc32>.} Then, as a model would stop: when a stop sequence occurs in it and fits
 * within the {@code max_tokens} budget (four characters a token), the text ends just before the
 * earliest one ({@code stop_reason "stop_sequence"}); otherwise, when it is longer than the budget,
 * it is cut to the budget ({@code "max_tokens"}); otherwise it is whole ({@code "end_turn"}).
 *
 * @param text the reply text, after any cut
 * @param stopReason {@code end_turn}, {@code max_tokens} or {@code stop_sequence}
 * @param stopSequence the stop sequence that ended the text, or {@code null}
 * @param outputTokens the tokens of {@code text}
 */
record Reply(String text, String stopReason, String stopSequence, int outputTokens) {

    static final int EXCERPT_WORDS = 12;

    /** One streamed delta: a run of non-space characters with the spaces after it. */
    private static final Pattern DELTA = Pattern.compile("\\S+\\s*|\\s+");

    static Reply to(MessageRequest request) {
        String full = request.toolResults().isEmpty()
                ? fullText(request.lastUserText())
                : toolResultsText(request.toolResults());
        long budget = (long) request.maxTokens() * Tokens.CHARS_PER_TOKEN;
        int stopAt = -1;
        String stopSequence = null;
        for (String sequence : request.stopSequences()) {
            int at = full.indexOf(sequence);
            if (at >= 0 && (stopAt < 0 || at < stopAt)) {
                stopAt = at;
                stopSequence = sequence;
            }
        }
        if (stopAt >= 0 && stopAt + stopSequence.length() <= budget) {
            String text = full.substring(0, stopAt);
            return new Reply(text, "stop_sequence", stopSequence, Tokens.count(text.length()));
        }
        if (full.length() > budget) {
            int cut = (int) budget;
            if (cut > 0 && Character.isHighSurrogate(full.charAt(cut - 1))) {
                cut--; // never split a surrogate pair
            }
            String text = full.substring(0, cut);
            return new Reply(text, "max_tokens", null, Tokens.count(text.length()));
        }
        return new Reply(full, "end_turn", null, Tokens.count(full.length()));
    }

    /** The whole reply to {@code userText}, before stop sequences and {@code max_tokens}. */
    static String fullText(String userText) {
        String normalized = userText.strip().replaceAll("\\s+", " ");
        String[] words = normalized.isEmpty() ? new String[0] : normalized.split(" ");
        String excerpt = words.length <= EXCERPT_WORDS
                ? normalized
                : String.join(" ", Arrays.asList(words).subList(0, EXCERPT_WORDS)) + " ...";
        CRC32 checksum = new CRC32();
        checksum.update(userText.getBytes(StandardCharsets.UTF_8));
        return "This is the stub backend's reply to \"" + excerpt + "\": "
                + words.length + (words.length == 1 ? " word, " : " words, ")
                + userText.codePointCount(0, userText.length()) + " characters, checksum "
                + String.format(Locale.ROOT, "%08x", checksum.getValue()) + ".";
    }

    /**
     * The whole reply to the tool results of the last user message, before stop sequences and
     * {@code max_tokens}: {@code This is the stub backend's reply to the tool result of <id>:
     * <n> characters, "<its first 12 words>".} (with {@code an error, } before the count for an
     * {@code is_error} result; several results separated by {@code ; }).
     */
    static String toolResultsText(List<MessageRequest.ToolResult> results) {
        StringBuilder text = new StringBuilder("This is the stub backend's reply to the tool result")
                .append(results.size() == 1 ? " of " : "s of ");
        for (int i = 0; i < results.size(); i++) {
            MessageRequest.ToolResult result = results.get(i);
            if (i > 0) {
                text.append("; ");
            }
            text.append(result.toolUseId().isEmpty() ? "(no tool_use_id)" : result.toolUseId()).append(": ")
                    .append(result.isError() ? "an error, " : "")
                    .append(result.chars()).append(result.chars() == 1 ? " character, \"" : " characters, \"")
                    .append(excerpt(result.text())).append('"');
        }
        return text.append('.').toString();
    }

    /** The first {@value #EXCERPT_WORDS} words of {@code text}, spaces normalized, "..." when cut. */
    private static String excerpt(String text) {
        String normalized = text.strip().replaceAll("\\s+", " ");
        String[] words = normalized.isEmpty() ? new String[0] : normalized.split(" ");
        return words.length <= EXCERPT_WORDS
                ? normalized
                : String.join(" ", Arrays.asList(words).subList(0, EXCERPT_WORDS)) + " ...";
    }

    /** The text as streamed: one delta per word with the spaces after it; none for an empty text. */
    List<String> deltas() {
        return deltas(text);
    }

    /** {@code text} as streamed: one delta per word with the spaces after it; none for an empty text. */
    static List<String> deltas(String text) {
        List<String> deltas = new ArrayList<>();
        Matcher matcher = DELTA.matcher(text);
        while (matcher.find()) {
            deltas.add(matcher.group());
        }
        return deltas;
    }
}
