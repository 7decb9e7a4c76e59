package dev.poolgate.server.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.poolgate.httpkit.Utf8;
import java.io.IOException;

/**
 * Checks a Messages API request body before any pooled client is taken for it, for what the
 * gateway itself needs: well-formed JSON within the parser's limits, a {@code model}, and
 * {@code stream} a boolean. Everything else goes upstream untouched, so that the gateway does not
 * go stale when the API grows (a new role, block type or parameter); upstream's 400 answers a
 * request it refuses.
 *
 * <p>JSON limits: nesting at most {@value #MAX_NESTING_DEPTH} deep, numbers at most
 * {@value #MAX_NUMBER_LENGTH} characters, names at most {@value #MAX_NAME_LENGTH}; strings are
 * bounded by the body limit alone (Jackson's own default of 20 million characters would refuse a
 * large base64 document that the 32 MB body limit allows). Going over one is a 400 naming it.
 */
final class MessageRequests {

    static final int MAX_NESTING_DEPTH = 1000;
    static final int MAX_NUMBER_LENGTH = 1000;
    static final int MAX_NAME_LENGTH = 50_000;

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING_DEPTH)
                            .maxNumberLength(MAX_NUMBER_LENGTH)
                            .maxNameLength(MAX_NAME_LENGTH)
                            .maxStringLength(Integer.MAX_VALUE)
                            .build())
                    .build())
            .build();

    private MessageRequests() {
    }

    /**
     * {@code POST /v1/messages}: a JSON object with a {@code model}, and {@code stream} a boolean if
     * given (the gateway reads both). The rest (messages, roles, max_tokens, content blocks, new
     * parameters) is upstream's to check: its 400 reaches the client unchanged.
     */
    static Described checkMessage(byte[] body) {
        TopLevel fields = scan(body);
        checkModel(fields.model());
        JsonNode stream = fields.stream();
        if (stream != null && !stream.isBoolean() && !stream.isNull()) {
            throw ApiError.invalidRequest("stream: must be true or false, but was " + shown(stream));
        }
        return fields.described();
    }

    /** {@code POST /v1/messages/count_tokens}: a JSON object with a {@code model}. */
    static Described checkCountTokens(byte[] body) {
        TopLevel fields = scan(body);
        checkModel(fields.model());
        return fields.described();
    }

    /**
     * What the access log and the metrics note of a checked request, from the same scan: its
     * {@code model}, and whether it asks for a stream ({@code stream} true).
     */
    record Described(String model, boolean stream) {
    }

    /** The two top-level fields the gateway reads, as parsed (null when absent). */
    private record TopLevel(JsonNode model, JsonNode stream) {
        Described described() {
            return new Described(model != null && model.isTextual() ? model.asText() : null,
                    stream != null && stream.isBoolean() && stream.booleanValue());
        }
    }

    /**
     * Checks that the body is one well-formed JSON object within the limits and returns its
     * {@code model} and {@code stream}. A streaming scan: every token is checked as
     * {@code readTree} would, but only those two values are built; the rest (messages of a long
     * conversation, base64 documents) is skipped without making a string or a node of it, which
     * is most of a large body's cost. Errors and their order are {@code readTree}'s: syntax and
     * limits first, then trailing content, then the kind of the value.
     */
    private static TopLevel scan(byte[] body) {
        if (body.length == 0) {
            throw ApiError.invalidRequest("The request body is empty; send a JSON object");
        }
        int invalid = Utf8.invalidAt(body);
        if (invalid >= 0) {
            throw ApiError.invalidRequest("The request body is not valid UTF-8 (at byte " + invalid + "); send JSON "
                    + "encoded in UTF-8");
        }
        try (JsonParser parser = JSON.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw ApiError.invalidRequest("The request body holds no JSON value; send a JSON object");
            }
            JsonNode model = null;
            JsonNode stream = null;
            if (first == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    // A repeated name: the last one counts, as in readTree's object.
                    if ("model".equals(name)) {
                        model = JSON.readTree(parser);
                    } else if ("stream".equals(name)) {
                        stream = JSON.readTree(parser);
                    } else {
                        parser.skipChildren();
                    }
                }
            } else {
                parser.skipChildren();
            }
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw ApiError.invalidRequest("The request body is not valid JSON"
                        + where(parser.currentTokenLocation()) + ": more follows the first JSON value; send a JSON object");
            }
            if (first != JsonToken.START_OBJECT) {
                throw ApiError.invalidRequest("The request body must be a JSON object, but was " + kind(first));
            }
            return new TopLevel(model, stream);
        } catch (StreamConstraintsException e) {
            throw ApiError.invalidRequest("The request body exceeds a JSON limit of the gateway: " + limit(e)
                    + "; send a smaller or flatter request");
        } catch (JsonProcessingException e) {
            throw ApiError.invalidRequest("The request body is not valid JSON" + where(e.getLocation()) + ": "
                    + reason(e) + "; send a JSON object");
        } catch (IOException e) {
            throw ApiError.invalidRequest("The request body could not be read as JSON; send a JSON object");
        }
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> "a " + token.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * Which limit a {@link StreamConstraintsException} broke, in the gateway's words: Jackson's own
     * message names its internal classes.
     */
    static String limit(StreamConstraintsException e) {
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

    static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /**
     * Jackson's description of a syntax error, without what follows its first sentence (a
     * "start marker" location, the source description or the type bound, which name Jackson's own
     * classes and settings).
     */
    static String reason(JsonProcessingException e) {
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
        return ApiError.shown(message.replaceAll("`[^`]*`", "").strip(), 200);
    }

    /** A JSON value as a message shows it: scalars as written (cut short), containers by their kind. */
    static String shown(JsonNode node) {
        return node.isContainerNode() ? kind(node) : ApiError.shown(node.toString());
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    static void checkModel(JsonNode model) {
        if (model == null || model.isNull()) {
            throw ApiError.invalidRequest("model: Field required; name a model, e.g. claude-sonnet-4-5");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw ApiError.invalidRequest("model: must be a non-empty string, but was " + shown(model));
        }
    }
}
