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
 * tokens, the last one counts), and when its first {@code content_block_delta} (the first token)
 * passed. Lines may be split across chunks and end in LF, CR or CRLF, as in ErrorEventScanner.
 * Nothing here changes the bytes passed on; an answer it cannot read just reports no tokens.
 */
final class UsageScanner {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();
    /** Longer data lines are skipped: usage events are small, message bodies are not buffered. */
    private static final int MAX_LINE_BYTES = 64 * 1024;

    private byte[] line = new byte[256];
    private int length;
    private boolean overlong;
    /** The last byte was a CR, so an LF right after it ends no further line. */
    private boolean afterCr;
    /** The event the next data line belongs to. */
    private String event = "";
    private long inputTokens = -1;
    private long outputTokens = -1;
    private long firstTokenAt;

    void scan(byte[] bytes, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            byte b = bytes[i];
            boolean crlf = afterCr && b == '\n';
            afterCr = b == '\r';
            if (crlf) {
                continue; // the CR already ended this line
            }
            if (b == '\n' || b == '\r') {
                endLine();
            } else if (!overlong) {
                if (length == MAX_LINE_BYTES) {
                    overlong = true;
                } else {
                    if (length == line.length) {
                        line = Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, line.length * 2));
                    }
                    line[length++] = b;
                }
            }
        }
    }

    private void endLine() {
        if (!overlong && length > 0) {
            if (startsWith("event:")) {
                event = field(6);
                if (firstTokenAt == 0 && event.equals("content_block_delta")) {
                    firstTokenAt = System.nanoTime();
                }
            } else if (startsWith("data:") && (event.equals("message_start") || event.equals("message_delta"))) {
                data(event.equals("message_start"));
            }
        } else if (length == 0) {
            event = "";
        }
        length = 0;
        overlong = false;
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
