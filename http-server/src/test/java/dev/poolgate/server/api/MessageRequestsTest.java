package dev.poolgate.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.poolgate.httpkit.Utf8;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The streaming check of a Messages request answers exactly as the check it replaced, which built
 * the whole tree with {@code readTree} (kept here as the reference): same verdict, same message,
 * on valid bodies and on every kind of broken one.
 */
class MessageRequestsTest {

    private static final List<String> BODIES = List.of(
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "{\"model\":\"m\",\"stream\":true}",
            "{\"model\":\"m\",\"stream\":null}",
            "{\"model\":\"m\",\"stream\":\"yes\"}",
            "{\"model\":\"m\",\"stream\":1}",
            "{\"model\":\"m\",\"stream\":{\"a\":1}}",
            "{\"model\":\"m\",\"stream\":[true]}",
            "{\"messages\":[{\"model\":\"nested, not the top level\"}]}",
            "{\"model\":null}",
            "{\"model\":\"\"}",
            "{\"model\":\"   \"}",
            "{\"model\":42}",
            "{\"model\":1e5}",
            "{\"model\":-0.50}",
            "{\"model\":true}",
            "{\"model\":[\"a\"]}",
            "{\"model\":{\"name\":\"m\"}}",
            "{\"model\":\"a\\u0000b\"}",
            "{\"model\":\"first\",\"model\":7}",
            "{\"model\":7,\"model\":\"second\"}",
            "{}",
            "[]",
            "[1, 2",
            "\"text\"",
            "12",
            "true",
            "null",
            "   ",
            "",
            "{\"model\":\"m\"} {}",
            "{\"model\":\"m\"} x",
            "{\"model\":\"m\"}}",
            "[] []",
            "{\"model\":\"m\",}",
            "{\"model\":\"m\" \"stream\":true}",
            "{model:\"m\"}",
            "{\"model\":\"m\",\"x\":tru}",
            "{\"model\":\"m\",\"x\":01}",
            "{\"model\":\"m\",\"x\":\"unterminated}",
            "{\"model\":\"m\",\"x\":[1,2,]}",
            "{\"model\":\"m\",\"x\":\"" + "a".repeat(100_000) + "\"}",
            "{\"model\":\"m\",\"x\":" + "1".repeat(1_001) + "}",
            "{\"" + "n".repeat(50_001) + "\":1,\"model\":\"m\"}",
            "{\"model\":\"m\",\"x\":" + "[".repeat(1_001) + "]".repeat(1_001) + "}",
            "{\"model\":\"m\",\"x\":" + "[".repeat(999) + "]".repeat(999) + "}",
            "\n{\n  \"model\": \"m\",\n  \"x\": [1, 2,\n}");

    @Test
    void answersAsTheReadTreeCheckDidForMessages() {
        List<String> differences = new ArrayList<>();
        for (String body : BODIES) {
            compare("messages", body, MessageRequests::checkMessage, ReadTreeReference::checkMessage, differences);
        }
        assertEquals(List.of(), differences);
    }

    @Test
    void answersAsTheReadTreeCheckDidForTokenCounts() {
        List<String> differences = new ArrayList<>();
        for (String body : BODIES) {
            compare("count_tokens", body, MessageRequests::checkCountTokens, ReadTreeReference::checkCountTokens,
                    differences);
        }
        assertEquals(List.of(), differences);
    }

    @Test
    void theCheckReturnsTheModelAndStreamTheAccessLogNotes() {
        byte[] body = ("{\"messages\":[{\"role\":\"user\",\"content\":\"model\"}],\"model\":\"claude-sonnet-4-5\","
                + "\"stream\":true}").getBytes(StandardCharsets.UTF_8);
        assertEquals(new MessageRequests.Described("claude-sonnet-4-5", true), MessageRequests.checkMessage(body));
        assertEquals(new MessageRequests.Described("m", false),
                MessageRequests.checkMessage("{\"model\":\"m\",\"stream\":null}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(new MessageRequests.Described("m", false),
                MessageRequests.checkCountTokens("{\"model\":\"m\",\"stream\":\"yes\"}".getBytes(StandardCharsets.UTF_8)),
                "count_tokens does not check stream; a non-boolean one is no stream");
    }

    @Test
    void invalidUtf8IsRefusedFirst() {
        byte[] body = {'{', '"', 'm', (byte) 0xC3, '"', ':', '1', '}'};
        List<String> differences = new ArrayList<>();
        compareBytes("messages", body, MessageRequests::checkMessage, ReadTreeReference::checkMessage, differences);
        assertEquals(List.of(), differences);
    }

    private static void compare(String endpoint, String body, Consumer<byte[]> now, Consumer<byte[]> before,
            List<String> differences) {
        compareBytes(endpoint, body.getBytes(StandardCharsets.UTF_8), now, before, differences);
    }

    private static void compareBytes(String endpoint, byte[] body, Consumer<byte[]> now, Consumer<byte[]> before,
            List<String> differences) {
        String expected = verdict(before, body);
        String actual = verdict(now, body);
        if (!expected.equals(actual)) {
            String shown = new String(body, StandardCharsets.UTF_8);
            differences.add(endpoint + " " + (shown.length() > 60 ? shown.substring(0, 60) + "..." : shown)
                    + ": was <" + expected + "> now <" + actual + ">");
        }
    }

    private static String verdict(Consumer<byte[]> check, byte[] body) {
        try {
            check.accept(body);
            return "accepted";
        } catch (ApiError e) {
            return e.status + " " + e.type + " " + e.getMessage();
        }
    }

    /**
     * The check as it was before the streaming scan: the whole body read into a tree, then the
     * same questions asked of it. Its messages come from the same helpers as today's check; what
     * is compared is the reading of the body.
     */
    private static final class ReadTreeReference {

        private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder()
                                .maxNestingDepth(MessageRequests.MAX_NESTING_DEPTH)
                                .maxNumberLength(MessageRequests.MAX_NUMBER_LENGTH)
                                .maxNameLength(MessageRequests.MAX_NAME_LENGTH)
                                .maxStringLength(Integer.MAX_VALUE)
                                .build())
                        .build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();

        static void checkMessage(byte[] body) {
            JsonNode root = parse(body);
            MessageRequests.checkModel(root.get("model"));
            JsonNode stream = root.get("stream");
            if (stream != null && !stream.isBoolean() && !stream.isNull()) {
                throw ApiError.invalidRequest("stream: must be true or false, but was " + MessageRequests.shown(stream));
            }
        }

        static void checkCountTokens(byte[] body) {
            MessageRequests.checkModel(parse(body).get("model"));
        }

        private static JsonNode parse(byte[] body) {
            if (body.length == 0) {
                throw ApiError.invalidRequest("The request body is empty; send a JSON object");
            }
            int invalid = Utf8.invalidAt(body);
            if (invalid >= 0) {
                throw ApiError.invalidRequest("The request body is not valid UTF-8 (at byte " + invalid
                        + "); send JSON encoded in UTF-8");
            }
            JsonNode root;
            try {
                root = JSON.readTree(body);
            } catch (StreamConstraintsException e) {
                throw ApiError.invalidRequest("The request body exceeds a JSON limit of the gateway: "
                        + MessageRequests.limit(e) + "; send a smaller or flatter request");
            } catch (JsonProcessingException e) {
                throw ApiError.invalidRequest("The request body is not valid JSON" + MessageRequests.where(e.getLocation())
                        + ": " + MessageRequests.reason(e) + "; send a JSON object");
            } catch (IOException e) {
                throw ApiError.invalidRequest("The request body could not be read as JSON; send a JSON object");
            }
            if (root == null || root.isMissingNode()) {
                throw ApiError.invalidRequest("The request body holds no JSON value; send a JSON object");
            }
            if (!root.isObject()) {
                throw ApiError.invalidRequest("The request body must be a JSON object, but was "
                        + MessageRequests.kind(root));
            }
            return root;
        }
    }
}
