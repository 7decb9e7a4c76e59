package dev.poolgate.stub;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The one Jackson mapper of the stub (thread-safe once built), reading request bodies into trees
 * and writing response trees. Responses are built as trees so that the field order and the
 * explicit {@code null}s match the Anthropic wire format exactly.
 */
final class Json {

    private static final JsonMapper MAPPER = JsonMapper.builder()
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
        JsonNode tree;
        try {
            tree = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            throw ApiException.invalidRequest(what + " is not valid JSON (" + where + e.getOriginalMessage()
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
        return string(MAPPER.getNodeFactory().textNode(shown));
    }

    /** The JSON kind of a node for error messages: "a string", "a number", "null"... */
    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "the string " + quoted(node.textValue());
            case NUMBER -> "a number (" + node.asText() + ")";
            case BOOLEAN -> "a boolean (" + node.asText() + ")";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase(Locale.ROOT) + " value";
        };
    }
}
