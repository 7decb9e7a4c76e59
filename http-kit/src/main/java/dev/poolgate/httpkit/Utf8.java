package dev.poolgate.httpkit;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8, as request bodies must be: the gateway and the stub both check a JSON body with it
 * before parsing, since Jackson's parser lets overlong forms and encoded surrogates through inside
 * strings, which the JDK's decoder does not.
 */
public final class Utf8 {

    private Utf8() {
    }

    /** Where {@code bytes} stop being UTF-8, or -1 when they are UTF-8 throughout. */
    public static int invalidAt(byte[] bytes) {
        // Most bodies are all ASCII, which is valid UTF-8 as it stands: no decoder needed.
        int firstNonAscii = 0;
        while (firstNonAscii < bytes.length && bytes[firstNonAscii] >= 0) {
            firstNonAscii++;
        }
        if (firstNonAscii == bytes.length) {
            return -1;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(4096);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                return in.position();
            }
            if (result.isUnderflow()) {
                return decoder.flush(out.clear()).isError() ? in.position() : -1;
            }
            out.clear();
        }
    }
}
