package dev.poolgate.server.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The scan for an {@code event: error} line in a stream passed through in arbitrary chunks. */
@Timeout(5)
class ErrorEventScannerTest {

    private static boolean scanInChunksOf(int size, String stream) {
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        ErrorEventScanner scanner = new ErrorEventScanner();
        for (int at = 0; at < bytes.length; at += size) {
            scanner.scan(bytes, at, Math.min(size, bytes.length - at));
        }
        return scanner.found();
    }

    @Test
    void findsAnErrorEventSplitAcrossChunksWhateverTheLineEnding() {
        for (String end : new String[] {"\n", "\r\n", "\r"}) {
            String stream = "event: ping" + end + "data: {\"type\":\"ping\"}" + end + end
                    + "event: error" + end + "data: {\"type\":\"error\"}" + end + end;
            for (int size = 1; size <= stream.length(); size++) {
                assertTrue(scanInChunksOf(size, stream), "chunks of " + size + " ending " + end.length());
            }
        }
        assertTrue(scanInChunksOf(3, "event:error\ndata: {}\n\n"), "the space after the colon is optional");
    }

    @Test
    void ignoresTheWordErrorAnywhereButInAnEventLine() {
        String stream = "event: content_block_delta\n"
                + "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"event: error\"}}\n\n"
                + "event: errors\ndata: {}\n\n"
                + "event: error_not\ndata: {}\n\n";
        for (int size = 1; size <= stream.length(); size++) {
            assertFalse(scanInChunksOf(size, stream), "chunks of " + size);
        }
    }
}
