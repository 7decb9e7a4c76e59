package dev.poolgate.stub;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poolgate.httpkit.Utf8;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The one Jackson mapper of the stub (thread-safe once built), reading request bodies into trees
 * and writing response trees. Responses are built as trees so that the field order and the
 * explicit {@code null}s match the Anthropic wire format exactly.
 *
 * <p>Limits of a parsed body: nesting at most {@value #MAX_NESTING_DEPTH} deep, numbers at most
 * {@value #MAX_NUMBER_LENGTH} characters, names at most {@value #MAX_NAME_LENGTH}; strings are
 * bounded by the body limit alone (Jackson's default of 20 million characters would refuse a large
 * base64 document that the body limit allows). Going over one is a 400 naming it.
 */
final class Json {

    static final int MAX_NESTING_DEPTH = 1000;
    static final int MAX_NUMBER_LENGTH = 1000;
    static final int MAX_NAME_LENGTH = 50_000;

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING_DEPTH)
                            .maxNumberLength(MAX_NUMBER_LENGTH)
                            .maxNameLength(MAX_NAME_LENGTH)
                            .maxStringLength(Integer.MAX_VALUE)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * Parses a request body that must be one JSON object.
     *
     * @param what the body's name in the error message ("The request body")
     * @param example a valid body to show in the error message
     * @throws ApiException 400 {@code invalid_request_error} naming the problem and its place
     */
    static ObjectNode parseObject(byte[] body, String what, String example) {
        int invalid = Utf8.invalidAt(body);
        if (invalid >= 0) {
            throw ApiException.invalidRequest(what + " is not valid UTF-8 (at byte " + invalid + "); send JSON"
                    + " encoded in UTF-8, such as " + example);
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(body);
        } catch (StreamConstraintsException e) {
            throw ApiException.invalidRequest(what + " exceeds a JSON limit of the stub: " + limit(e)
                    + "; send a smaller or flatter JSON object");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            throw ApiException.invalidRequest(what + " is not valid JSON (" + where + reason(e)
                    + "); send a JSON object such as " + example);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from a byte array failed", e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw ApiException.invalidRequest(what + " is empty; send a JSON object such as " + example);
        }
        if (!tree.isObject()) {
            throw ApiException.invalidRequest(what + " must be a JSON object, but was " + kind(tree)
                    + "; send a JSON object such as " + example);
        }
        return (ObjectNode) tree;
    }

    /**
     * Which limit a {@link StreamConstraintsException} broke, in the stub's words: Jackson's own
     * message names its internal classes.
     */
    private static String limit(StreamConstraintsException e) {
        String message = String.valueOf(e.getOriginalMessage());
        if (message.contains("nesting depth")) {
            return "arrays and objects nest deeper than " + MAX_NESTING_DEPTH + " levels";
        }
        if (message.startsWith("Number value length")) {
            return "a number is longer than " + MAX_NUMBER_LENGTH + " characters";
        }
        if (message.startsWith("Name length")) {
            return "a field name is longer than " + MAX_NAME_LENGTH + " characters";
        }
        return "a value is too large";
    }

    /**
     * Jackson's description of a syntax error, without what follows its first sentence (a
     * "start marker" location, the source description or the type bound, which name Jackson's own
     * classes and settings).
     */
    private static String reason(JsonProcessingException e) {
        String message = String.valueOf(e.getOriginalMessage());
        if (message.startsWith("Trailing token")) {
            return "more follows the first JSON value";
        }
        for (String end : new String[] {"\n", " (start marker", " at [Source", " (bound as"}) {
            int at = message.indexOf(end);
            if (at >= 0) {
                message = message.substring(0, at);
            }
        }
        // Back-quoted text in Jackson's messages names its classes and settings.
        return ApiException.shown(message.replaceAll("`[^`]*`", "").strip(), 200);
    }

    /**
     * The JSON object at the start of {@code text} (what follows it is left alone), or
     * {@code null} when there is none or it is malformed.
     */
    static ObjectNode leadingObject(String text) {
        try (JsonParser parser = MAPPER.createParser(text)) {
            JsonNode tree = MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(parser);
            return tree instanceof ObjectNode object ? object : null;
        } catch (IOException e) {
            return null; // not an object: the caller goes without
        }
    }

    static byte[] bytes(JsonNode tree) {
        try {
            return MAPPER.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written: " + e.getOriginalMessage(), e);
        }
    }

    static String string(JsonNode tree) {
        return new String(bytes(tree), StandardCharsets.UTF_8);
    }

    private static String quoted(String text) {
        int max = 40;
        String shown = text.length() <= max ? text : text.substring(0, max) + "...";
        // JSON quoting escapes the C0 controls; shown() the rest that does not print (DEL, C1, lone surrogates...).
        return ApiException.shown(string(MAPPER.getNodeFactory().textNode(shown)));
    }

    /** The JSON kind of a node for error messages: "a string", "a number", "null"... */
    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "the string " + quoted(node.textValue());
            case NUMBER -> "a number (" + ApiException.shown(node.asText()) + ")";
            case BOOLEAN -> "a boolean (" + node.asText() + ")";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase(Locale.ROOT) + " value";
        };
    }
}
