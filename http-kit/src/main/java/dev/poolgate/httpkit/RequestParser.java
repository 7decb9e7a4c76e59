package dev.poolgate.httpkit;

import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/**
 * Reads one request head (request line and header section) strictly by RFC 9112, and decides how
 * its body is framed. Every line must end in CRLF; anything the grammar does not allow is a
 * {@link BadRequest}, never a guess:
 * <ul>
 * <li>request line: {@code method SP request-target SP HTTP/1.1|HTTP/1.0}, single spaces, method
 *     of tchars, target of visible ASCII in origin form (absolute form too, and {@code *} for
 *     OPTIONS), parsable as a URI; another HTTP version is a 505;
 * <li>header lines: a name of tchars directly followed by the colon, a value of visible
 *     characters, spaces, tabs and obs-text; no obs-fold (a line starting with white space), no
 *     bare CR or bare LF, no other control character;
 * <li>at most {@link ServerOptions#maxHeaderCount()} lines and {@link ServerOptions#maxHeadBytes()}
 *     bytes (431), at most one Host;
 * <li>framing: {@code Content-Length} once, digits only (at most 18); {@code Transfer-Encoding}
 *     only as exactly {@code chunked}, only in HTTP/1.1, never with {@code Content-Length}.
 * </ul>
 * A connection that ends inside a head is an incomplete request: answered 400, never executed.
 */
final class RequestParser {

    /** RFC 9110 tchar. */
    static final boolean[] TCHAR = new boolean[256];
    /**
     * What a field value may hold: anything but NUL, CR and LF (RFC 9110 5.5 lets a recipient keep
     * the other controls; the gateway refuses them in the headers it forwards, with its own message).
     */
    static final boolean[] FIELD_CHAR = new boolean[256];
    /**
     * What a method may hold: anything but NUL, white space, CR and LF, so that an unknown method
     * is the application's 405 rather than a framing error; it cannot change how a request is framed.
     */
    static final boolean[] METHOD_CHAR = new boolean[256];
    /** What a request target may hold: visible ASCII and obs-text (the URI check refuses what it must). */
    static final boolean[] TARGET_CHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (int c = 1; c < 0x100; c++) {
            FIELD_CHAR[c] = c != '\r' && c != '\n';
            METHOD_CHAR[c] = c != '\r' && c != '\n' && c != ' ' && c != '\t';
            TARGET_CHAR[c] = c > 0x20 && c != 0x7f;
        }
    }

    /** Empty lines tolerated before a request line (RFC 9112 2.2: after a body, some clients send CRLF). */
    private static final int MAX_LEADING_EMPTY_LINES = 4;

    private final SocketInput in;
    private final int maxHeaderCount;
    private final int maxHeadBytes;
    private byte[] line = new byte[256];
    private int lineLength;
    /** Bytes of the head left to read before it is too large. */
    private int budget;

    RequestParser(SocketInput in, ServerOptions options) {
        this.in = in;
        this.maxHeaderCount = options.maxHeaderCount();
        this.maxHeadBytes = options.maxHeadBytes();
    }

    /** A parsed head. {@code contentLength} is -1 for a chunked body. */
    record Head(String method, URI uri, boolean http11, Headers headers, long contentLength, boolean keepAlive,
            boolean expectContinue) {

        boolean chunked() {
            return contentLength < 0;
        }
    }

    /**
     * Reads the next head; the caller has seen that a byte is there.
     *
     * @throws BadRequest for a malformed or incomplete head
     */
    Head read() throws IOException, BadRequest {
        budget = maxHeadBytes;
        int empty = 0;
        while (readLine("request line") == 0) {
            if (++empty > MAX_LEADING_EMPTY_LINES) {
                throw BadRequest.invalid("Empty lines instead of a request line; send a request line "
                        + "(method, target, HTTP version)");
            }
        }
        int length = lineLength;
        byte[] bytes = line;
        int i = 0;
        while (i < length && METHOD_CHAR[bytes[i] & 0xff]) {
            i++;
        }
        if (i == 0 || i == length || bytes[i] != ' ') {
            throw malformedRequestLine(bytes, length);
        }
        String method = ascii(bytes, 0, i);
        int targetStart = ++i;
        while (i < length && TARGET_CHAR[bytes[i] & 0xff]) {
            i++;
        }
        if (i == targetStart || i == length || bytes[i] != ' ') {
            throw malformedRequestLine(bytes, length);
        }
        String target = ascii(bytes, targetStart, i - targetStart);
        i++;
        boolean http11 = version(bytes, i, length);
        URI uri = uri(method, target);

        Headers headers = new Headers();
        int count = 0;
        String contentLength = null;
        String transferEncoding = null;
        boolean hosts = false;
        boolean close = !http11;
        boolean expectContinue = false;
        while (readLine("header section") > 0) {
            if (++count > maxHeaderCount) {
                throw new BadRequest(413, "request_too_large", "More than " + maxHeaderCount
                        + " header lines; send fewer headers");
            }
            int colon = fieldName(line, lineLength, "header");
            String name = ascii(line, 0, colon);
            String value = fieldValue(line, colon + 1, lineLength, name);
            headers.add(name, value);
            switch (name.length()) {
                case 4 -> {
                    if (name.equalsIgnoreCase("host")) {
                        if (hosts) {
                            throw BadRequest.invalid("More than one Host header; send exactly one");
                        }
                        hosts = true;
                    }
                }
                case 6 -> {
                    if (name.equalsIgnoreCase("expect")) {
                        if (!value.equalsIgnoreCase("100-continue")) {
                            throw BadRequest.invalid("Expect supports 100-continue only; "
                                    + "remove the Expect header");
                        }
                        expectContinue = http11;
                    }
                }
                case 10 -> {
                    if (name.equalsIgnoreCase("connection")) {
                        if (hasToken(value, "close")) {
                            close = true;
                        } else if (!http11 && hasToken(value, "keep-alive")) {
                            close = false;
                        }
                    }
                }
                case 14 -> {
                    if (name.equalsIgnoreCase("content-length")) {
                        if (contentLength != null) {
                            throw BadRequest.invalid("More than one Content-Length header; send exactly one");
                        }
                        contentLength = value;
                    }
                }
                case 17 -> {
                    if (name.equalsIgnoreCase("transfer-encoding")) {
                        if (transferEncoding != null) {
                            throw BadRequest.invalid("More than one Transfer-Encoding header; send "
                                    + "'Transfer-Encoding: chunked' once");
                        }
                        transferEncoding = value;
                    }
                }
                default -> {
                }
            }
        }
        long bodyLength = 0;
        if (transferEncoding != null) {
            if (contentLength != null) {
                throw BadRequest.invalid("Both Transfer-Encoding and Content-Length are set; send one of them");
            }
            if (!http11) {
                throw BadRequest.invalid("Transfer-Encoding in an HTTP/1.0 request; send HTTP/1.1, or a "
                        + "Content-Length");
            }
            if (!transferEncoding.equalsIgnoreCase("chunked")) {
                if (transferEncoding.toLowerCase(java.util.Locale.ROOT).endsWith("chunked")) {
                    throw BadRequest.invalid("Transfer-Encoding '" + shown(transferEncoding) + "' is not supported; "
                            + "send 'Transfer-Encoding: chunked' alone");
                }
                throw BadRequest.invalid("Transfer-Encoding '" + shown(transferEncoding)
                        + "' is not supported; send 'Transfer-Encoding: chunked' or a Content-Length");
            }
            bodyLength = -1;
        } else if (contentLength != null) {
            bodyLength = contentLength(contentLength);
        }
        return new Head(method, uri, http11, headers, bodyLength, !close, expectContinue && bodyLength != 0);
    }

    private static BadRequest malformedRequestLine(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\r') {
                return BadRequest.invalid("A bare CR in the request line; end lines with CRLF");
            }
            if (bytes[i] == '\n') {
                return BadRequest.invalid("A bare LF in the request line; end lines with CRLF");
            }
        }
        return BadRequest.invalid("Malformed request line; send 'METHOD /path HTTP/1.1' with single spaces");
    }

    private static boolean version(byte[] bytes, int from, int length) throws BadRequest {
        if (length - from == 8 && bytes[from] == 'H' && bytes[from + 1] == 'T' && bytes[from + 2] == 'T'
                && bytes[from + 3] == 'P' && bytes[from + 4] == '/' && bytes[from + 6] == '.'
                && isDigit(bytes[from + 5]) && isDigit(bytes[from + 7])) {
            if (bytes[from + 5] == '1' && bytes[from + 7] == '1') {
                return true;
            }
            if (bytes[from + 5] == '1' && bytes[from + 7] == '0') {
                return false;
            }
            throw BadRequest.invalid("HTTP version " + ascii(bytes, from + 5, 3)
                    + " is not supported; send HTTP/1.1");
        }
        throw malformedRequestLine(bytes, length);
    }

    private static URI uri(String method, String target) throws BadRequest {
        char first = target.charAt(0);
        if (first == '*' && target.length() == 1) {
            if (!method.equals("OPTIONS")) {
                throw BadRequest.invalid("The target '*' is for OPTIONS only; send a path");
            }
        } else if (first != '/' && !startsWithIgnoreCase(target, "http://") && !startsWithIgnoreCase(target, "https://")) {
            throw BadRequest.invalid("The request target must be a path starting with '/', but was '" + shown(target)
                    + "'");
        }
        try {
            URI uri = new URI(target);
            if (first != '/' && first != '*' && (uri.getRawPath() == null || uri.getHost() == null)) {
                throw BadRequest.invalid("The absolute request target '" + shown(target) + "' has no host or path");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw BadRequest.invalid("The request target is not a valid URI (" + shown(e.getReason())
                    + " at index " + e.getIndex() + "); percent-encode it");
        }
    }

    private static boolean startsWithIgnoreCase(String text, String prefix) {
        return text.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    /** Checks a field line's name; returns the colon's index. */
    static int fieldName(byte[] bytes, int length, String what) throws BadRequest {
        if (length > 0 && (bytes[0] == ' ' || bytes[0] == '\t')) {
            throw BadRequest.invalid("A " + what + " line starts with white space (obs-fold, a folded line); "
                    + "send each field on one line");
        }
        int i = 0;
        while (i < length && TCHAR[bytes[i] & 0xff]) {
            i++;
        }
        if (i == length || bytes[i] != ':' || i == 0) {
            for (int j = 0; j < length; j++) {
                if (bytes[j] == '\r') {
                    throw BadRequest.invalid("A bare CR in a " + what + " line; end lines with CRLF");
                }
            }
            if (i < length && (bytes[i] == ' ' || bytes[i] == '\t')) {
                throw BadRequest.invalid("White space between a " + what + " name and its colon; remove it");
            }
            throw BadRequest.invalid("A " + what + " name must be a token followed by ':', but the line was '"
                    + shown(ascii(bytes, 0, Math.min(length, 200))) + "'");
        }
        return i;
    }

    /** Checks and trims a field value. */
    static String fieldValue(byte[] bytes, int from, int to, String name) throws BadRequest {
        while (from < to && (bytes[from] == ' ' || bytes[from] == '\t')) {
            from++;
        }
        while (to > from && (bytes[to - 1] == ' ' || bytes[to - 1] == '\t')) {
            to--;
        }
        for (int i = from; i < to; i++) {
            if (!FIELD_CHAR[bytes[i] & 0xff]) {
                throw BadRequest.invalid(bytes[i] == '\r'
                        ? "A bare CR in the value of " + shown(name) + "; end lines with CRLF"
                        : "The value of " + shown(name) + " has a control character at position " + (i - from)
                                + "; send printable characters only");
            }
        }
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static long contentLength(String value) throws BadRequest {
        int length = value.length();
        if (length == 0 || length > 18) {
            throw BadRequest.invalid("Content-Length must be 1 to 18 digits, but was '" + shown(value) + "'");
        }
        long result = 0;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw BadRequest.invalid("Content-Length must be digits only (one value, no sign, no list), but was '"
                        + shown(value) + "'");
            }
            result = result * 10 + (c - '0');
        }
        return result;
    }

    private static boolean hasToken(String value, String token) {
        int from = 0;
        int length = value.length();
        while (from <= length) {
            int comma = value.indexOf(',', from);
            int end = comma < 0 ? length : comma;
            if (value.substring(from, end).strip().equalsIgnoreCase(token)) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            from = comma + 1;
        }
        return false;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    static String ascii(byte[] bytes, int from, int length) {
        return new String(bytes, from, length, StandardCharsets.ISO_8859_1);
    }

    /** Text from the client, cut short and with control characters escaped, fit for an error message. */
    static String shown(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder shown = new StringBuilder();
        int limit = Math.min(text.length(), 100);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        if (text.length() > limit) {
            shown.append("... (").append(text.length()).append(" characters)");
        }
        return shown.toString();
    }

    /**
     * Reads one line ending in CRLF into {@link #line}, without the CRLF; returns its length. A bare
     * LF ends nothing: it is an error, as is the end of the stream inside the line.
     */
    private int readLine(String where) throws IOException, BadRequest {
        int length = 0;
        while (true) {
            if (in.position == in.limit && !in.fill()) {
                throw BadRequest.invalid("The connection ended inside the " + where + " (an incomplete request is "
                        + "never executed); send the whole request, ending the header section with an empty line");
            }
            byte[] buffer = in.buffer;
            int start = in.position;
            int end = in.limit;
            int lf = start;
            while (lf < end && buffer[lf] != '\n') {
                lf++;
            }
            int taken = lf - start;
            budget -= taken + (lf < end ? 1 : 0);
            if (budget < 0) {
                throw new BadRequest(413, "request_too_large", "The request line and headers exceed " + maxHeadBytes
                        + " bytes; send a shorter request");
            }
            if (length + taken > line.length) {
                line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, length + taken));
            }
            System.arraycopy(buffer, start, line, length, taken);
            length += taken;
            if (lf == end) {
                in.position = end;
                continue;
            }
            in.position = lf + 1;
            if (length == 0 || line[length - 1] != '\r') {
                throw BadRequest.invalid("A bare LF in the " + where + "; end lines with CRLF");
            }
            lineLength = length - 1;
            return lineLength;
        }
    }
}
