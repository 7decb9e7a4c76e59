package dev.poolgate.server.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tokens are read from plain answers and from streams split anywhere, bad input reports none, and
 * an {@code event: error} line is noticed wherever the stream is split.
 */
@Timeout(10)
class UsageScannerTest {

    private static final String STREAM = "event: message_start\n"
            + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":25,"
            + "\"output_tokens\":1}}}\n\n"
            + "event: content_block_delta\n"
            + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
            + "event: message_delta\n"
            + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":15}}"
            + "\n\n"
            + "event: message_stop\n"
            + "data: {\"type\":\"message_stop\"}\n\n";

    private static UsageScanner scanInChunksOf(String stream, int chunk) {
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        UsageScanner scanner = new UsageScanner();
        for (int i = 0; i < bytes.length; i += chunk) {
            scanner.scan(bytes, i, Math.min(chunk, bytes.length - i));
        }
        return scanner;
    }

    @Test
    void aStreamsTokensComeFromMessageStartAndTheLastMessageDeltaWhereverItIsSplit() {
        for (int chunk : new int[] {1, 2, 7, 64, 4096}) {
            UsageScanner scanner = scanInChunksOf(STREAM, chunk);
            assertEquals(25, scanner.inputTokens(), "chunks of " + chunk);
            assertEquals(15, scanner.outputTokens(), "chunks of " + chunk);
            assertTrue(scanner.firstTokenAt() != 0, "the first content_block_delta is noted");
        }
    }

    @Test
    void crlfAndCrLineEndsAndNoSpaceAfterTheColonAreRead() {
        assertEquals(15, scanInChunksOf(STREAM.replace("\n", "\r\n"), 3).outputTokens());
        assertEquals(25, scanInChunksOf(STREAM.replace("\n", "\r"), 5).inputTokens());
        assertEquals(25, scanInChunksOf(STREAM.replace("event: ", "event:").replace("data: ", "data:"), 11)
                .inputTokens());
    }

    @Test
    void aStreamWithoutUsageOrWithBrokenDataReportsNoTokens() {
        UsageScanner scanner = scanInChunksOf("event: message_start\ndata: {not json\n\nevent: ping\ndata: {}\n\n", 4);
        assertEquals(-1, scanner.inputTokens());
        assertEquals(-1, scanner.outputTokens());
        assertEquals(0, scanner.firstTokenAt());
    }

    @Test
    void aDataLineOfAnotherEventIsNotReadForUsage() {
        UsageScanner scanner = scanInChunksOf("event: content_block_delta\ndata: {\"usage\":{\"input_tokens\":9}}\n\n"
                + "data: {\"message\":{\"usage\":{\"input_tokens\":9}}}\n\n", 8);
        assertEquals(-1, scanner.inputTokens(), "only message_start and message_delta carry usage");
    }

    @Test
    void findsAnErrorEventSplitAcrossChunksWhateverTheLineEnding() {
        for (String end : new String[] {"\n", "\r\n", "\r"}) {
            String stream = "event: ping" + end + "data: {\"type\":\"ping\"}" + end + end
                    + "event: error" + end + "data: {\"type\":\"error\"}" + end + end;
            for (int size = 1; size <= stream.length(); size++) {
                assertTrue(scanInChunksOf(stream, size).errorEvent(), "chunks of " + size + " ending " + end.length());
            }
        }
        assertTrue(scanInChunksOf("event:error\ndata: {}\n\n", 3).errorEvent(), "the space after the colon is optional");
    }

    @Test
    void ignoresTheWordErrorAnywhereButInAnEventLine() {
        String stream = "event: content_block_delta\n"
                + "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"event: error\"}}\n\n"
                + "event: errors\ndata: {}\n\n"
                + "event: error_not\ndata: {}\n\n";
        for (int size = 1; size <= stream.length(); size++) {
            assertFalse(scanInChunksOf(stream, size).errorEvent(), "chunks of " + size);
        }
        assertFalse(scanInChunksOf(STREAM, 7).errorEvent());
    }

    @Test
    void usageDataIsReadFromLinesLongerThanTheirFirstChunkAndEveryOtherLineIsSkipped() {
        String padding = "x".repeat(5_000);
        String stream = "event: content_block_delta\ndata: {\"text\":\"" + padding + "\"}\n\n"
                + "event: message_delta\ndata: {\"pad\":\"" + padding + "\",\"usage\":{\"output_tokens\":7}}\n\n";
        for (int chunk : new int[] {1, 5, 6, 7, 1000, 100_000}) {
            assertEquals(7, scanInChunksOf(stream, chunk).outputTokens(), "chunks of " + chunk);
        }
        String overlong = "event: message_delta\ndata: {\"pad\":\"" + "x".repeat(70_000)
                + "\",\"usage\":{\"output_tokens\":7}}\n\n";
        assertEquals(-1, scanInChunksOf(overlong, 8192).outputTokens(), "a line over 64 KiB is not read");
    }

    @Test
    void plainAnswersAreReadFromTheirTopLevelUsage() {
        assertArrayEquals(new long[] {12, 34}, UsageScanner.readAnswer(("{\"id\":\"msg\",\"content\":[{\"type\":"
                + "\"text\",\"text\":\"usage\"}],\"usage\":{\"input_tokens\":12,\"cache_read_input_tokens\":3,"
                + "\"output_tokens\":34}}").getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(new long[] {-1, -1}, UsageScanner.readAnswer("{\"data\":[]}".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(new long[] {-1, -1}, UsageScanner.readAnswer("<html>".getBytes(StandardCharsets.UTF_8)));
    }
}
