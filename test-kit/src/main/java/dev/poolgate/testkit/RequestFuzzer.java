package dev.poolgate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A seeded generator of requests to a Messages API server (the gateway or the stub), valid ones and
 * broken ones, and the judge of what comes back. The same seed gives the same cases, in the same
 * order, so a failure is reproduced by running again with the seed it prints.
 *
 * <p>A case starts from a valid request (a message, a token count, the models, the health path)
 * and may get broken at every level: the JSON (fields removed, values of every type, huge numbers,
 * lone surrogates, deep nesting), its bytes (flipped, cut, duplicated, invalid UTF-8), the body as
 * a whole (random bytes, non-object JSON, over the size limit), the headers (dropped, control
 * characters, long values, bad names, too many, too large), the method, the path ({@code ..},
 * {@code %00}, bad escapes, long), the HTTP version and the framing (chunked, malformed chunks,
 * conflicting or malformed lengths, a body longer than its length). It never sends less body than
 * it declares: a stalled request would only wait for the read timeout, which other tests cover.
 *
 * <p>{@link #judge} accepts a success, or an Anthropic error (JSON, a status of the error table,
 * the type of that status, a request id, a message without stack traces, class names or control
 * characters). A case broken where the JDK's HTTP server parses (before any handler runs) may
 * instead get the JDK's own HTML answer or none, and a case that leaves unread bytes behind may
 * see its answer lost to a connection reset: each case says which leeway it has.
 */
public final class RequestFuzzer {

    /** The error type of each status of the spec's error table. */
    public static final Map<Integer, String> ERROR_TYPES = Map.ofEntries(Map.entry(400, "invalid_request_error"),
            Map.entry(401, "authentication_error"), Map.entry(403, "permission_error"),
            Map.entry(404, "not_found_error"), Map.entry(405, "invalid_request_error"),
            Map.entry(413, "request_too_large"), Map.entry(429, "rate_limit_error"), Map.entry(500, "api_error"),
            Map.entry(502, "api_error"), Map.entry(503, "overloaded_error"), Map.entry(504, "api_error"),
            Map.entry(529, "overloaded_error"));

    /** What an error message must never contain: traces, class and package names, Jackson's internals. */
    private static final Pattern INTERNALS = Pattern.compile(
            "Exception|\\.java\\b|\\bat [a-z]+\\.|\\b(java|javax|jdk|sun|com\\.fasterxml|dev\\.poolgate)\\.|(?i:jackson)"
                    + "|StreamRead|JsonParser|REDACTED|\\p{Cc}|\\p{Cs}");
    /** The body of the JDK server's own answer: {@code <h1>400 Bad Request</h1>why}. */
    private static final Pattern JDK_ANSWER = Pattern.compile("<h1>(400|404|501) [A-Za-z ]+</h1>[A-Za-z -]+");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> MODEL_IDS = List.of("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001",
            "claude-opus-4-1-20250805");
    private static final List<String> WORDS = List.of("hello", "pool", "gateway", "stream", "token", "caf\u00e9",
            "\u65e5\u672c", "\ud83d\ude00", "tab\there", "new\nline", "quote\"d", "back\\slash", "\u0000nul", "");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS",
            "TRACE", "CONNECT", "get", "post", "P0ST", "FOO", "G\u0001T", "X-CUSTOM", "M".repeat(5000));
    private static final List<String> ODD_VALUES = List.of("\u0001x", "x\u007f", "caf\u00e9", "", " ", "\t",
            "v".repeat(8000), "2023-06-01\u0001", "\u00ff\u00fe", "a,b,,c", "=?utf-8?q?x?=", "%00", "${x}");
    private static final List<String> BODY_TOKENS = List.of("{", "}", "[", "]", "\"", ",", ":", "null", "true",
            "-", "1e999", "-1e999", "99999999999999999999", "0.1", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"",
            "\\", "\"\\x\"", "NaN", "Infinity", "'single'", "/* c */", "0x1F", "01", "1.", ".5", "+1");
    private static final byte[][] BAD_UTF8 = {{(byte) 0xff}, {(byte) 0xc3}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
            {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xc0, (byte) 0xaf}, {(byte) 0x80}};

    /**
     * One request, what it was made of, and its leeway.
     *
     * @param number 1, 2, 3... in the order of the seed
     * @param description how it was built, for the failure message
     * @param request the bytes sent
     * @param head a HEAD request: its response has no body
     * @param jdkMayRefuse broken where the JDK's server parses: it may answer in HTML and close,
     *        or close without an answer
     * @param mayBeUnanswered bytes may be left unread, so the server's close may reset the
     *        connection before its answer is read
     */
    public record Case(int number, String description, byte[] request, boolean head, boolean jdkMayRefuse,
            boolean mayBeUnanswered) {
    }

    private final Random random;
    private final int maxBodyBytes;
    private int count;

    // The case being built.
    private final List<String> notes = new ArrayList<>();
    private boolean jdkMayRefuse;
    private boolean mayBeUnanswered;

    /** @param maxBodyBytes the server's body limit: a few bodies go over it */
    public RequestFuzzer(long seed, int maxBodyBytes) {
        this.random = new Random(seed);
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The next case. */
    public Case next() {
        notes.clear();
        jdkMayRefuse = false;
        mayBeUnanswered = false;

        String method;
        String path;
        ObjectNode json = null;
        int template = random.nextInt(100);
        if (template < 55) {
            method = "POST";
            path = "/v1/messages";
            json = validMessage();
        } else if (template < 70) {
            method = "POST";
            path = "/v1/messages/count_tokens";
            json = validMessage();
            json.remove("max_tokens");
            json.remove("stream");
        } else if (template < 80) {
            method = "GET";
            path = random.nextBoolean() ? "/v1/models" : "/v1/models?limit=" + (random.nextInt(30) - 5);
        } else if (template < 90) {
            method = "GET";
            path = "/v1/models/" + (random.nextInt(4) == 0 ? "claude-none" : pick(MODEL_IDS));
        } else {
            method = "GET";
            path = "/health";
        }
        notes.add(method + " " + path);

        byte[] body = null;
        if (json != null) {
            if (random.nextInt(100) < 35) {
                mutateJson(json);
            }
            body = json.toString().getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(100) < 30) {
                body = mutateBytes(body);
            }
            if (random.nextInt(100) < 8) {
                body = replacementBody();
            }
            if (random.nextInt(100) < 3) {
                body = bigBody();
            }
        }

        List<String[]> headers = new ArrayList<>();
        headers.add(new String[] {"Host", "127.0.0.1"});
        headers.add(new String[] {"x-api-key", "sk-fuzz-" + random.nextInt(1000)});
        headers.add(new String[] {"anthropic-version", "2023-06-01"});
        if (body != null) {
            headers.add(new String[] {"content-type", "application/json"});
        }
        headers.add(new String[] {"Connection", "close"});
        if (random.nextInt(100) < 20) {
            mutateHeaders(headers);
        }
        if (random.nextInt(100) < 8) {
            method = pick(METHODS);
            notes.add("method " + shortly(method));
        }
        if (random.nextInt(100) < 12) {
            path = oddPath();
        }
        String version = "HTTP/1.1";
        if (random.nextInt(100) < 3) {
            version = pick(List.of("HTTP/1.0", "HTTP/9.9", "FOO/1.1"));
            notes.add("version " + version);
        }
        byte[] request = frame(method + " " + path + " " + version, headers, body);
        return new Case(++count, String.join("; ", notes), request, method.equals("HEAD"), jdkMayRefuse,
                mayBeUnanswered);
    }

    /**
     * What is wrong with the outcome of a case, or null when nothing is.
     *
     * @param allowedStatuses the statuses a fuzzed request may get from this server
     */
    public static String judge(Case fuzzCase, RawConnection.Outcome outcome, Set<Integer> allowedStatuses) {
        RawConnection.Response response = outcome.response();
        if (response == null) {
            return fuzzCase.jdkMayRefuse() || fuzzCase.mayBeUnanswered() ? null
                    : "no response (" + outcome.ending() + ")";
        }
        String contentType = String.valueOf(response.header("content-type"));
        if (contentType.startsWith("text/html")) {
            if (!fuzzCase.jdkMayRefuse()) {
                return "an HTML answer to a request only a handler should answer: " + response;
            }
            // The JDK writes its answer's body even to a HEAD, so a HEAD's reader cannot see it.
            return fuzzCase.head() || JDK_ANSWER.matcher(response.bodyText()).matches() ? null
                    : "an unknown HTML answer: " + response;
        }
        if (!allowedStatuses.contains(response.status())) {
            return "status " + response.status() + " is not one of " + allowedStatuses + ": " + response;
        }
        if (response.status() == 200) {
            boolean known = contentType.startsWith("application/json") || contentType.startsWith("text/event-stream");
            return known ? null : "a 200 of content-type " + contentType + ": " + response;
        }
        if (!contentType.startsWith("application/json")) {
            return "an error that is not JSON: " + response;
        }
        if (fuzzCase.head()) {
            return null; // no body to check
        }
        JsonNode error;
        try {
            error = JSON.readTree(response.body());
        } catch (IOException e) {
            return "an error body that does not parse: " + response;
        }
        String requestId = error.path("request_id").asText("");
        String message = error.path("error").path("message").asText("");
        if (!error.path("type").asText("").equals("error")
                || !ERROR_TYPES.get(response.status()).equals(error.path("error").path("type").asText(""))
                || message.isBlank() || !requestId.startsWith("req_")
                || !requestId.equals(response.header("request-id"))) {
            return "not an Anthropic error of status " + response.status() + ": " + response;
        }
        if (INTERNALS.matcher(message).find()) {
            return "an error message naming internals: " + message;
        }
        return null;
    }

    private ObjectNode validMessage() {
        ObjectNode body = NODES.objectNode();
        body.put("model", random.nextBoolean() ? "claude-sonnet-4-5" : pick(MODEL_IDS));
        body.put("max_tokens", 1 + random.nextInt(2048));
        ArrayNode messages = body.putArray("messages");
        int turns = 1 + 2 * random.nextInt(2);
        for (int i = 0; i < turns; i++) {
            ObjectNode message = messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant");
            if (random.nextInt(4) == 0) {
                message.putArray("content").addObject().put("type", "text").put("text", words());
            } else {
                message.put("content", words());
            }
        }
        if (random.nextInt(4) == 0) {
            body.put("stream", true);
        }
        if (random.nextInt(5) == 0) {
            body.put("system", words());
        }
        if (random.nextInt(5) == 0) {
            body.put("temperature", random.nextInt(11) / 10.0);
        }
        if (random.nextInt(8) == 0) {
            body.putArray("stop_sequences").add(pick(WORDS) + "x");
        }
        if (random.nextInt(8) == 0) {
            body.putObject("metadata").put("user_id", "u-" + random.nextInt(100));
        }
        return body;
    }

    private String words() {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(6); i >= 0; i--) {
            text.append(pick(WORDS)).append(' ');
        }
        return text.toString().strip();
    }

    private void mutateJson(ObjectNode json) {
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            List<String> fields = new ArrayList<>();
            json.fieldNames().forEachRemaining(fields::add);
            switch (random.nextInt(5)) {
                case 0 -> {
                    if (!fields.isEmpty()) {
                        String field = pick(fields);
                        json.remove(field);
                        notes.add("without " + field);
                    }
                }
                case 1, 2 -> {
                    String field = fields.isEmpty() ? "model" : pick(fields);
                    json.set(field, randomValue(3));
                    notes.add(field + " set to another value");
                }
                case 3 -> {
                    JsonNode messages = json.path("messages");
                    if (messages.isArray() && !messages.isEmpty() && messages.get(0).isObject()) {
                        String field = random.nextBoolean() ? "role" : "content";
                        ((ObjectNode) messages.get(0)).set(field, randomValue(2));
                        notes.add("messages.0." + field + " set to another value");
                    }
                }
                default -> {
                    json.set("unknown_" + random.nextInt(100), randomValue(3));
                    notes.add("an unknown field");
                }
            }
        }
    }

    private JsonNode randomValue(int depth) {
        return switch (random.nextInt(depth > 0 ? 16 : 12)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextInt(2001) - 1000);
            case 3 -> NODES.numberNode(random.nextLong());
            case 4 -> NODES.numberNode(new BigInteger(1 + random.nextInt(120), random));
            case 5 -> NODES.numberNode(new BigInteger("9".repeat(990 + random.nextInt(30))));
            case 6 -> NODES.numberNode(pick(List.of(0.5, -0.0, 1e308, Double.MIN_VALUE, 3.0)));
            case 7 -> NODES.textNode(words());
            case 8 -> NODES.textNode(pick(List.of("user", "assistant", "system", "", " ", "\ud800", "\udc00a",
                    "\u0000", "x".repeat(10_000))));
            case 9 -> NODES.textNode(randomText(1 + random.nextInt(40)));
            case 10 -> NODES.numberNode(random.nextInt(5));
            case 11 -> NODES.textNode("claude-" + randomText(random.nextInt(10)));
            case 12, 13 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(randomValue(depth - 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    object.set(pick(List.of("type", "text", "role", "content", "k" + i)), randomValue(depth - 1));
                }
                yield object;
            }
        };
    }

    private String randomText(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0x10000)));
        }
        return text.toString();
    }

    private byte[] mutateBytes(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] current = body;
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            int at = current.length == 0 ? 0 : random.nextInt(current.length + 1);
            out.reset();
            out.write(current, 0, at);
            switch (random.nextInt(8)) {
                case 0 -> {
                    int next = Math.min(at + 1, current.length);
                    out.write(random.nextInt(256));
                    out.write(current, next, current.length - next);
                    notes.add("a byte changed at " + at);
                }
                case 1 -> {
                    out.writeBytes(pick(BODY_TOKENS).getBytes(StandardCharsets.UTF_8));
                    out.write(current, at, current.length - at);
                    notes.add("a token inserted at " + at);
                }
                case 2 -> {
                    int end = Math.min(current.length, at + random.nextInt(20));
                    out.write(current, end, current.length - end);
                    notes.add("bytes deleted at " + at);
                }
                case 3 -> notes.add("cut at " + at);
                case 4 -> {
                    int end = Math.min(current.length, at + random.nextInt(30));
                    out.write(current, at, end - at);
                    out.write(current, at, current.length - at);
                    notes.add("bytes duplicated at " + at);
                }
                case 5 -> {
                    out.writeBytes(pick(Arrays.asList(BAD_UTF8)));
                    out.write(current, at, current.length - at);
                    notes.add("invalid UTF-8 at " + at);
                }
                case 6 -> {
                    int depth = 990 + random.nextInt(3000);
                    out.writeBytes(("[".repeat(depth) + (random.nextBoolean() ? "]".repeat(depth) : ""))
                            .getBytes(StandardCharsets.UTF_8));
                    out.write(current, at, current.length - at);
                    notes.add("nesting " + depth + " deep at " + at);
                }
                default -> {
                    out.writeBytes(("\"" + "x".repeat(random.nextInt(60_000)) + "\"").getBytes(StandardCharsets.UTF_8));
                    out.write(current, at, current.length - at);
                    notes.add("a long string at " + at);
                }
            }
            current = out.toByteArray();
        }
        return current;
    }

    private byte[] replacementBody() {
        return switch (random.nextInt(5)) {
            case 0 -> {
                byte[] bytes = new byte[random.nextInt(3000)];
                random.nextBytes(bytes);
                notes.add("a body of " + bytes.length + " random bytes");
                yield bytes;
            }
            case 1 -> {
                JsonNode value = randomValue(3);
                notes.add("a body that is " + value.getNodeType());
                yield value.toString().getBytes(StandardCharsets.UTF_8);
            }
            case 2 -> {
                notes.add("an empty body");
                yield new byte[0];
            }
            case 3 -> {
                int depth = 1000 + random.nextInt(20_000);
                notes.add("a body nested " + depth + " deep");
                yield ("{\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}").getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                notes.add("a body of whitespace and null");
                yield (" \t\r\n".repeat(random.nextInt(100)) + "null").getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    /** A valid message from half to one and a half times the body limit. */
    private byte[] bigBody() {
        int size = maxBodyBytes / 2 + random.nextInt(maxBodyBytes);
        ObjectNode json = validMessage();
        json.put("system", "s".repeat(size));
        notes.add("a body of about " + size + " bytes (limit " + maxBodyBytes + ")");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void mutateHeaders(List<String[]> headers) {
        for (int i = 1 + random.nextInt(2); i > 0; i--) {
            switch (random.nextInt(9)) {
                case 0 -> {
                    String[] dropped = headers.remove(random.nextInt(headers.size()));
                    notes.add("without header " + dropped[0]);
                }
                case 1 -> {
                    String[] header = headers.get(random.nextInt(headers.size()));
                    header[1] = pick(ODD_VALUES);
                    notes.add("header " + header[0] + " = " + shortly(header[1]));
                }
                case 2 -> {
                    String name = pick(List.of("anthropic-beta", "anthropic-version", "x-api-key", "content-type",
                            "authorization", "x-custom", "request-id", "retry-after"));
                    String value = pick(ODD_VALUES);
                    headers.add(new String[] {name, value});
                    notes.add("added header " + name + " = " + shortly(value));
                }
                case 3 -> {
                    String name = pick(List.of("x y", "x\u0001", "(x)", "caf\u00e9", "", "a:b"));
                    headers.add(new String[] {name, "v"});
                    jdkMayRefuse = true;
                    notes.add("a header named " + shortly(name));
                }
                case 4 -> {
                    int many = 190 + random.nextInt(80);
                    for (int h = 0; h < many; h++) {
                        headers.add(new String[] {"x-h" + h, "v"});
                    }
                    jdkMayRefuse = true;
                    notes.add(many + " more headers");
                }
                case 5 -> {
                    int size = 300_000 + random.nextInt(200_000);
                    headers.add(new String[] {"x-big", "b".repeat(size)});
                    jdkMayRefuse = true;
                    notes.add("a header of " + size + " bytes");
                }
                case 6 -> {
                    headers.add(new String[] {"Expect", "100-continue"});
                    notes.add("Expect: 100-continue");
                }
                case 7 -> {
                    headers.add(new String[] {"anthropic-version", "2023-01-01"});
                    notes.add("a second anthropic-version");
                }
                default -> {
                    String[] header = headers.get(random.nextInt(headers.size()));
                    header[0] = random.nextBoolean() ? header[0].toUpperCase(Locale.ROOT)
                            : header[0].toLowerCase(Locale.ROOT);
                    notes.add("header name case of " + header[0]);
                }
            }
        }
    }

    private String oddPath() {
        int choice = random.nextInt(24);
        String path = switch (choice) {
            case 0 -> "/v1/messages/";
            case 1 -> "/v1//messages";
            case 2 -> "/V1/messages";
            case 3 -> "/v1/messages?beta=true&x=%20";
            case 4 -> "/v1/messages#fragment";
            case 5 -> "/v1/models/..";
            case 6 -> "/v1/models/%2e%2e";
            case 7 -> "/v1/models/a%2Fb";
            case 8 -> "/v1/models/%00";
            case 9 -> "/v1/%00/messages";
            case 10 -> "/%01%7f";
            case 11 -> "/v1/models/caf\u00e9";
            case 12 -> "/v1/models/" + "m".repeat(5000);
            case 13 -> "/" + "p".repeat(20_000 + random.nextInt(20_000));
            case 14 -> "/v1/../v1/messages";
            case 15 -> "/health/..";
            case 16 -> "/v1/models?limit=abc&after_id=%FF";
            case 17 -> "/v1/models?limit=%zz";
            case 18 -> "/v1/%zz";
            case 19 -> "*";
            case 20 -> "v1/messages";
            case 21 -> "http://example.invalid/v1/models";
            case 22 -> "/v1/models/\u0001";
            default -> "/admin/faults";
        };
        // Bad escapes, raw control characters and paths outside "/" stop in the JDK's parser.
        if (choice >= 17 && choice <= 20 || choice == 22) {
            jdkMayRefuse = true;
        }
        notes.add("path " + shortly(path));
        return path;
    }

    private byte[] frame(String requestLine, List<String[]> headers, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder(requestLine).append("\r\n");
        for (String[] header : headers) {
            head.append(header[0]).append(": ").append(header[1]).append("\r\n");
        }
        if (body == null) {
            out.writeBytes(RawConnection.bytes(head.append("\r\n").toString()));
            return out.toByteArray();
        }
        int framing = random.nextInt(100);
        if (framing < 80) {
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            out.writeBytes(RawConnection.bytes(head.toString()));
            out.writeBytes(body);
        } else if (framing < 95) {
            head.append("Transfer-Encoding: chunked\r\n\r\n");
            out.writeBytes(RawConnection.bytes(head.toString()));
            int at = 0;
            while (at < body.length) {
                int size = Math.min(body.length - at, 1 + random.nextInt(Math.max(1, body.length)));
                out.writeBytes(RawConnection.bytes(Integer.toHexString(size)
                        + (random.nextInt(10) == 0 ? ";ext=1" : "") + "\r\n"));
                out.write(body, at, size);
                out.writeBytes(RawConnection.bytes("\r\n"));
                at += size;
            }
            out.writeBytes(RawConnection.bytes("0\r\n\r\n"));
            notes.add("chunked");
        } else if (framing < 97) {
            head.append("Transfer-Encoding: chunked\r\n\r\n");
            out.writeBytes(RawConnection.bytes(head.toString()));
            out.writeBytes(RawConnection.bytes(pick(List.of("zz", "-1", "", "7fffffffffffffff")) + "\r\n"));
            out.writeBytes(body);
            out.writeBytes(RawConnection.bytes("\r\n0\r\n\r\n"));
            mayBeUnanswered = true;
            notes.add("a malformed chunk size");
        } else if (framing < 98) {
            int declared = random.nextInt(body.length + 1);
            head.append("Content-Length: ").append(declared).append("\r\n\r\n");
            out.writeBytes(RawConnection.bytes(head.toString()));
            out.writeBytes(body);
            mayBeUnanswered = true;
            notes.add("content-length " + declared + " of a " + body.length + "-byte body");
        } else {
            String[] conflict = pick(List.of(
                    new String[] {"Content-Length: " + body.length + "\r\nTransfer-Encoding: chunked",
                        "length and chunked"},
                    new String[] {"Content-Length: " + body.length + "\r\nContent-Length: " + body.length,
                        "two lengths"},
                    new String[] {"Content-Length: abc", "a length that is no number"},
                    new String[] {"Content-Length: -1", "a negative length"},
                    new String[] {"Transfer-Encoding: gzip", "an unsupported transfer coding"},
                    new String[] {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", "two transfer codings"}));
            head.append(conflict[0]).append("\r\n\r\n");
            out.writeBytes(RawConnection.bytes(head.toString()));
            out.writeBytes(body);
            jdkMayRefuse = true;
            mayBeUnanswered = true;
            notes.add(conflict[1]);
        }
        return out.toByteArray();
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** A value for the case's description: escaped, cut short. */
    private static String shortly(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < 40; i++) {
            char c = value.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : "\\u" + HexFormat.of().toHexDigits(c));
        }
        return value.length() > 40 ? out + "...(" + value.length() + ")" : out.toString();
    }
}
