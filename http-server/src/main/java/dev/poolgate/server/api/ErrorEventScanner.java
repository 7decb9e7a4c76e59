package dev.poolgate.server.api;

/**
 * Watches a server-sent event stream as it is passed through, chunk by chunk, for an
 * {@code event: error} line: upstream ended the stream with an error after the 200 status, so the
 * client that carried it is not trusted with another request. Lines may be split across chunks and
 * end in LF, CR or CRLF; the space after {@code event:} is optional, as in the SSE format.
 */
final class ErrorEventScanner {

    private static final String ERROR_LINE = "event: error";
    private static final String ERROR_LINE_NO_SPACE = "event:error";

    /** The start of the current line, as far as it could still be an error line. */
    private final StringBuilder line = new StringBuilder(ERROR_LINE.length());
    /** The current line is longer than any error line. */
    private boolean overlong;
    private boolean found;

    void scan(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n' || b == '\r') {
                endLine();
            } else if (!overlong) {
                if (line.length() == ERROR_LINE.length()) {
                    overlong = true;
                } else {
                    line.append((char) (b & 0xff));
                }
            }
        }
    }

    private void endLine() {
        if (!overlong && (ERROR_LINE.contentEquals(line) || ERROR_LINE_NO_SPACE.contentEquals(line))) {
            found = true;
        }
        line.setLength(0);
        overlong = false;
    }

    /** Whether an {@code event: error} line has passed. */
    boolean found() {
        return found;
    }
}
