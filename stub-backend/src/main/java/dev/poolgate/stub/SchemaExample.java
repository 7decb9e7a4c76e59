package dev.poolgate.stub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A deterministic value that a JSON schema accepts, for the {@code input} of the stub's
 * {@code tool_use} blocks: what a model would send, minus the judgement.
 *
 * <p>The rules, in order: {@code const} is taken as is; {@code enum} gives its first value;
 * {@code $ref} to {@code #/$defs/...} or {@code #/definitions/...} is followed; {@code anyOf} and
 * {@code oneOf} give their first alternative; {@code allOf} merges its objects' properties. Then
 * by {@code type} (the first non-null one of a list; {@code object} when there are properties,
 * else {@code string}): an object gets its {@code required} properties only, each from its own
 * schema; an array gets {@code max(1, minItems)} items (none when {@code maxItems} is 0); a string
 * is the property's name (a fixed value for the {@code date-time}, {@code date}, {@code email},
 * {@code uri} and {@code uuid} formats), padded or cut to {@code minLength}/{@code maxLength}; an
 * integer or number is 1, moved into {@code minimum}/{@code maximum}; a boolean is {@code false};
 * {@code null} is null. {@code pattern} is not honoured. Nesting deeper than
 * {@value #MAX_DEPTH} levels (a recursive schema) ends in {@code null}.
 */
final class SchemaExample {

    static final int MAX_DEPTH = 16;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final JsonNode root;

    private SchemaExample(JsonNode root) {
        this.root = root;
    }

    /** The example input of a tool: always an object, {@code {}} for a missing or odd schema. */
    static ObjectNode inputFor(JsonNode inputSchema) {
        if (inputSchema == null || !inputSchema.isObject()) {
            return NODES.objectNode();
        }
        SchemaExample example = new SchemaExample(inputSchema);
        JsonNode value = example.value(inputSchema, "input", 0);
        return value instanceof ObjectNode object ? object : example.object(inputSchema, 0);
    }

    private JsonNode value(JsonNode schema, String name, int depth) {
        if (depth > MAX_DEPTH || schema == null || !schema.isObject()) {
            return depth > MAX_DEPTH ? NODES.nullNode() : NODES.textNode(name);
        }
        if (schema.has("const")) {
            return schema.get("const").deepCopy();
        }
        JsonNode values = schema.get("enum");
        if (values != null && values.isArray() && !values.isEmpty()) {
            return values.get(0).deepCopy();
        }
        JsonNode ref = schema.get("$ref");
        if (ref != null && ref.isTextual()) {
            return value(resolve(ref.textValue()), name, depth + 1);
        }
        for (String alternatives : new String[] {"anyOf", "oneOf"}) {
            JsonNode options = schema.get(alternatives);
            if (options != null && options.isArray() && !options.isEmpty() && !schema.has("type")) {
                return value(options.get(0), name, depth + 1);
            }
        }
        JsonNode allOf = schema.get("allOf");
        if (allOf != null && allOf.isArray() && !allOf.isEmpty() && !schema.has("type")) {
            ObjectNode merged = NODES.objectNode();
            for (JsonNode part : allOf) {
                JsonNode partValue = value(part, name, depth + 1);
                if (partValue instanceof ObjectNode object) {
                    merged.setAll(object);
                } else {
                    return partValue;
                }
            }
            return merged;
        }
        return switch (type(schema)) {
            case "object" -> object(schema, depth);
            case "array" -> array(schema, name, depth);
            case "integer" -> NODES.numberNode((long) Math.ceil(number(schema)));
            case "number" -> NODES.numberNode(number(schema));
            case "boolean" -> NODES.booleanNode(false);
            case "null" -> NODES.nullNode();
            default -> NODES.textNode(string(schema, name));
        };
    }

    private ObjectNode object(JsonNode schema, int depth) {
        ObjectNode object = NODES.objectNode();
        JsonNode properties = schema.path("properties");
        JsonNode required = schema.get("required");
        if (required == null || !required.isArray()) {
            return object;
        }
        for (JsonNode property : required) {
            if (property.isTextual()) {
                String name = property.textValue();
                object.set(name, value(properties.get(name), name, depth + 1));
            }
        }
        return object;
    }

    private ArrayNode array(JsonNode schema, String name, int depth) {
        ArrayNode array = NODES.arrayNode();
        int items = Math.max(1, schema.path("minItems").asInt(0));
        if (schema.has("maxItems")) {
            items = Math.min(items, schema.path("maxItems").asInt(items));
        }
        for (int i = 0; i < items; i++) {
            array.add(value(schema.get("items"), name, depth + 1));
        }
        return array;
    }

    private static String type(JsonNode schema) {
        JsonNode type = schema.get("type");
        if (type != null && type.isTextual()) {
            return type.textValue();
        }
        if (type != null && type.isArray()) {
            for (JsonNode each : type) {
                if (each.isTextual() && !each.textValue().equals("null")) {
                    return each.textValue();
                }
            }
            return "null";
        }
        return schema.has("properties") ? "object" : "string";
    }

    private static double number(JsonNode schema) {
        double value = 1;
        if (schema.path("minimum").isNumber()) {
            value = Math.max(value, schema.get("minimum").doubleValue());
        }
        if (schema.path("exclusiveMinimum").isNumber()) {
            value = Math.max(value, schema.get("exclusiveMinimum").doubleValue() + 1);
        }
        if (schema.path("maximum").isNumber()) {
            value = Math.min(value, schema.get("maximum").doubleValue());
        }
        if (schema.path("exclusiveMaximum").isNumber()) {
            value = Math.min(value, schema.get("exclusiveMaximum").doubleValue() - 1);
        }
        return value;
    }

    private static String string(JsonNode schema, String name) {
        String value = switch (schema.path("format").asText("")) {
            case "date-time" -> "2025-01-01T00:00:00Z";
            case "date" -> "2025-01-01";
            case "email" -> "stub@example.com";
            case "uri", "url" -> "https://example.com/";
            case "uuid" -> "00000000-0000-4000-8000-000000000000";
            default -> name;
        };
        int min = schema.path("minLength").asInt(0);
        StringBuilder padded = new StringBuilder(value);
        while (padded.length() < min) {
            padded.append('x');
        }
        value = padded.toString();
        if (schema.path("maxLength").isIntegralNumber() && value.length() > schema.get("maxLength").intValue()) {
            value = value.substring(0, Math.max(0, schema.get("maxLength").intValue()));
        }
        return value;
    }

    /** The schema a local {@code $ref} points at, or {@code null} (then a string) for another one. */
    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#/")) {
            return null;
        }
        JsonNode node = root;
        for (String part : ref.substring(2).split("/")) {
            node = node.path(part.replace("~1", "/").replace("~0", "~"));
        }
        return node.isMissingNode() ? null : node;
    }
}
