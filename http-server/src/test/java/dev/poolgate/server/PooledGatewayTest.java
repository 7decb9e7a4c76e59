package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gateway contract with pooling on (the default: min 2, max 10). */
@Timeout(30)
class PooledGatewayTest extends GatewayContract {

    private static final String ACQUIRED = "\\[POOL_MANAGER\\] Acquired pooled connection ([0-9a-f]{8}) .*";

    @Override
    String[] modeFlags() {
        return new String[0];
    }

    @Override
    boolean pooled() {
        return true;
    }

    @Test
    void aConnectionWhoseStreamBrokeIsDestroyedAndNeverHandedOutAgain() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            // 1: the client hangs up after the first event.
            gateway.embeddedStub().faults().eventLatency(Duration.ofMillis(100));
            try (RawHttp raw = RawHttp.post(gateway.port(), "/v1/messages",
                    GatewayClient.message("Hang up on me", 256, true))) {
                raw.readThroughEventContaining("event: message_start");
            }
            client.awaitStat("in_use_connections", 0, AWAIT);
            // 2: upstream ends the stream with an error event.
            gateway.embeddedStub().faults().reset().midStreamErrorAfterDeltas(1);
            assertEquals(200, client.post("/v1/messages", GatewayClient.message("Break", 256, true)).status());
            client.awaitStat("in_use_connections", 0, AWAIT);
            gateway.embeddedStub().faults().reset();

            List<String> broken = log.matching(ACQUIRED).stream().map(m -> m.group(1)).toList();
            assertEquals(2, broken.size(), log.text());
            for (String id : broken) {
                log.awaitMatching("\\[POOL\\] Destroyed connection " + id + " \\(total remaining: \\d+\\)", 1, AWAIT);
                assertEquals(1, log.matching("\\[POOL\\] Connection " + id + " was invalidated by its holder").size());
                assertEquals(0, log.matching(".*Releasing .*connection " + id + " back to pool").size(),
                        "a broken connection is not released for reuse");
            }

            for (int i = 0; i < 5; i++) {
                assertEquals(200, client.post("/v1/messages", GatewayClient.message("after " + i)).status());
            }
            List<String> later = log.matching(ACQUIRED).stream().skip(2).map(m -> m.group(1)).toList();
            assertEquals(5, later.size());
            for (String id : later) {
                assertTrue(!broken.contains(id), () -> id + " was handed out again:\n" + log.text());
            }
            for (String id : broken) {
                assertEquals(1, log.matching("\\[POOL_MANAGER\\] Acquired pooled connection " + id + " .*").size(),
                        () -> id + " was handed out once only:\n" + log.text());
            }
            assertInvariants(client.stats());
        }
    }
}
