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
        String full = fullText(request.lastUserText());
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

    /** The text as streamed: one delta per word with the spaces after it; none for an empty text. */
    List<String> deltas() {
        List<String> deltas = new ArrayList<>();
        Matcher matcher = DELTA.matcher(text);
        while (matcher.find()) {
            deltas.add(matcher.group());
        }
        return deltas;
    }
}
