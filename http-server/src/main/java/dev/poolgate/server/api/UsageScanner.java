package dev.poolgate.server.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the tokens a message used from upstream's answer, for the access log and the metrics: the
 * {@code usage} object of a plain answer ({@link #readAnswer}), or, fed a server-sent event stream
 * chunk by chunk as it is passed through ({@link #scan}), the {@code usage} of its
 * {@code message_start} event (input tokens) and of its {@code message_delta} events (output
 * tokens, the last one counts), when its first {@code content_block_delta} (the first token)
 * passed, and whether an {@code event: error} line did. Lines may be split across chunks and end
 * in LF, CR or CRLF; the space after a field's colon is optional, as in the SSE format.
 * Nothing here changes the bytes passed on; an answer it cannot read just reports no tokens.
 */
final class UsageScanner {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();
    /** Longer data lines are skipped: usage events are small, message bodies are not buffered. */
    private static final int MAX_LINE_BYTES = 64 * 1024;

    /** Lines are kept only as far as needed to tell whether they are read: "event:" or "data:". */
    private static final int PREFIX_BYTES = 6;

    private byte[] line = new byte[256];
    private int length;
    /** Whether the current line's first bytes told if it is kept (an event line, or usage data). */
    private boolean decided;
    /** The rest of the current line is not kept: not read here, or longer than any usage line. */
    private boolean skipped;
    /** The last byte was a CR, so an LF right after it ends no further line. */
    private boolean afterCr;
    /** The event the next data line belongs to. */
    private String event = "";
    private long inputTokens = -1;
    private long outputTokens = -1;
    private long firstTokenAt;
    private boolean errorEvent;

    /**
     * Reads the next chunk of the stream. Line ends are found in one pass; of a line, only what may
     * be read is copied: the event lines, and the data lines of the usage events.
     */
    void scan(byte[] bytes, int offset, int count) {
        int end = offset + count;
        int at = offset;
        while (at < end) {
            if (afterCr) {
                afterCr = false;
                if (bytes[at] == '\n') {
                    at++; // the CR already ended this line
                    continue;
                }
            }
            int lineEnd = at;
            while (lineEnd < end && bytes[lineEnd] != '\n' && bytes[lineEnd] != '\r') {
                lineEnd++;
            }
            keep(bytes, at, lineEnd - at);
            if (lineEnd == end) {
                return; // the line goes on in the next chunk
            }
            afterCr = bytes[lineEnd] == '\r';
            endLine();
            at = lineEnd + 1;
        }
    }

    /** Appends what the current line needs kept of these bytes. */
    private void keep(byte[] bytes, int from, int count) {
        while (count > 0 && !skipped) {
            int take = decided ? count : Math.min(count, PREFIX_BYTES - length);
            if (length + take > MAX_LINE_BYTES) {
                skipped = true;
                return;
            }
            if (length + take > line.length) {
                line = Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, Math.max(length + take, line.length * 2)));
            }
            System.arraycopy(bytes, from, line, length, take);
            length += take;
            from += take;
            count -= take;
            if (!decided && length == PREFIX_BYTES) {
                decided = true;
                skipped = !(startsWith("event:") || startsWith("data:") && usageEvent());
            }
        }
    }

    private boolean usageEvent() {
        return event.equals("message_start") || event.equals("message_delta");
    }

    private void endLine() {
        if (!skipped && length > 0) {
            if (startsWith("event:")) {
                event = field(6);
                if (firstTokenAt == 0 && event.equals("content_block_delta")) {
                    firstTokenAt = System.nanoTime();
                }
                if (event.equals("error")) {
                    errorEvent = true;
                }
            } else if (startsWith("data:") && usageEvent()) {
                data(event.equals("message_start"));
            }
        } else if (length == 0) {
            event = "";
        }
        length = 0;
        decided = false;
        skipped = false;
    }

    private void data(boolean start) {
        int from = length > 5 && line[5] == ' ' ? 6 : 5;
        try {
            JsonNode root = JSON.readTree(line, from, length - from);
            JsonNode usage = start ? root.path("message").path("usage") : root.path("usage");
            if (usage.path("input_tokens").canConvertToLong()) {
                inputTokens = usage.path("input_tokens").asLong();
            }
            if (usage.path("output_tokens").canConvertToLong()) {
                outputTokens = usage.path("output_tokens").asLong();
            }
        } catch (IOException e) {
            // Not JSON: upstream's stream is passed on as it is, its tokens are just not counted.
        }
    }

    private boolean startsWith(String prefix) {
        if (length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (line[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String field(int from) {
        int start = from < length && line[from] == ' ' ? from + 1 : from;
        return new String(line, start, length - start, StandardCharsets.UTF_8);
    }

    /** Input tokens reported, or -1. */
    long inputTokens() {
        return inputTokens;
    }

    /** Output tokens reported last, or -1. */
    long outputTokens() {
        return outputTokens;
    }

    /**
     * Whether an {@code event: error} line passed: upstream ended the stream with an error after
     * the 200 status, so the connection that carried it is not trusted with another request.
     */
    boolean errorEvent() {
        return errorEvent;
    }

    /** The {@link System#nanoTime()} when the first content_block_delta passed, or 0. */
    long firstTokenAt() {
        return firstTokenAt;
    }

    /**
     * The usage of a plain answer: the top-level {@code usage} object's input and output tokens,
     * as {@code {input, output}}, each -1 when absent. Streams through the JSON without building it.
     */
    static long[] readAnswer(byte[] body) {
        long[] tokens = {-1, -1};
        try (JsonParser parser = FACTORY.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return tokens;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("usage") && value == JsonToken.START_OBJECT) {
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String field = parser.currentName();
                        JsonToken token = parser.nextToken();
                        if (token == JsonToken.VALUE_NUMBER_INT && field.equals("input_tokens")) {
                            tokens[0] = parser.getLongValue();
                        } else if (token == JsonToken.VALUE_NUMBER_INT && field.equals("output_tokens")) {
                            tokens[1] = parser.getLongValue();
                        } else {
                            parser.skipChildren();
                        }
                    }
                    return tokens;
                }
                parser.skipChildren();
            }
        } catch (IOException e) {
            // Not JSON: no tokens to report.
        }
        return tokens;
    }
}
