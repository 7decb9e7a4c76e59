package dev.poolgate.stub;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code multipart/form-data} body (RFC 7578), split into its parts: what
 * {@code POST /v1/files} receives. A body that does not follow the format is a 400 saying where.
 */
final class Multipart {

    /**
     * One part.
     *
     * @param name its form field name
     * @param filename its file name, or null for a plain field
     * @param contentType its content type, or null when it has none
     * @param content its bytes
     */
    record Part(String name, String filename, String contentType, byte[] content) {
    }

    private static final Pattern BOUNDARY = Pattern.compile("(?i);\\s*boundary=(\"([^\"]+)\"|[^;\\s]+)");
    private static final Pattern NAME = Pattern.compile("(?i);\\s*name=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("(?i);\\s*filename=\"([^\"]*)\"");
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADERS_END = {'\r', '\n', '\r', '\n'};

    private Multipart() {
    }

    /** The boundary of a {@code multipart/form-data} content type, or null when it has none. */
    static String boundary(String contentType) {
        Matcher matcher = BOUNDARY.matcher(contentType);
        if (!matcher.find()) {
            return null;
        }
        return matcher.group(2) != null ? matcher.group(2) : matcher.group(1);
    }

    static List<Part> parse(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] nextDelimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int at = indexOf(body, delimiter, 0);
        if (at < 0) {
            throw malformed("the boundary \"" + ApiException.shown(boundary) + "\" never occurs");
        }
        List<Part> parts = new ArrayList<>();
        at += delimiter.length;
        while (true) {
            if (startsWith(body, at, new byte[] {'-', '-'})) {
                return parts; // the closing delimiter
            }
            if (!startsWith(body, at, CRLF)) {
                throw malformed("a boundary is not followed by a line break");
            }
            int headersStart = at + CRLF.length;
            int headersEnd = indexOf(body, HEADERS_END, headersStart - CRLF.length);
            if (headersEnd < 0) {
                throw malformed("a part's headers do not end with an empty line");
            }
            String headers = new String(body, headersStart, Math.max(0, headersEnd - headersStart), StandardCharsets.UTF_8);
            int contentStart = headersEnd + HEADERS_END.length;
            int contentEnd = indexOf(body, nextDelimiter, contentStart);
            if (contentEnd < 0) {
                throw malformed("a part does not end with the boundary (the body is cut short?)");
            }
            parts.add(part(headers, Arrays.copyOfRange(body, contentStart, contentEnd)));
            at = contentEnd + nextDelimiter.length;
        }
    }

    private static Part part(String headers, byte[] content) {
        String disposition = null;
        String contentType = null;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            if (name.equals("content-disposition")) {
                disposition = value;
            } else if (name.equals("content-type")) {
                contentType = value;
            }
        }
        if (disposition == null) {
            throw malformed("a part has no Content-Disposition header");
        }
        Matcher name = NAME.matcher(disposition);
        if (!name.find()) {
            throw malformed("a part's Content-Disposition has no name");
        }
        Matcher filename = FILENAME.matcher(disposition);
        return new Part(name.group(1), filename.find() ? filename.group(1) : null, contentType, content);
    }

    private static ApiException malformed(String what) {
        return ApiException.invalidRequest("The multipart/form-data body is malformed: " + what
                + "; send the file as a form field named \"file\"");
    }

    private static boolean startsWith(byte[] body, int at, byte[] prefix) {
        if (at + prefix.length > body.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (body[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] body, byte[] pattern, int from) {
        for (int i = Math.max(0, from); i + pattern.length <= body.length; i++) {
            if (startsWith(body, i, pattern)) {
                return i;
            }
        }
        return -1;
    }
}
