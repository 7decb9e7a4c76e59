package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gateway contract with pooling disabled: a fresh client per request, closed after it. */
@Timeout(30)
class DisabledPoolGatewayTest extends GatewayContract {

    @Override
    String[] modeFlags() {
        return new String[] {"--pool-enabled", "false"};
    }

    @Override
    boolean pooled() {
        return false;
    }

    @Test
    void everyRequestCreatesAClientAndDestroysItAfterwards() {
        for (int i = 0; i < 3; i++) {
            client.post("/v1/messages", GatewayClient.message("request " + i));
        }

        client.awaitStat("connections_destroyed", 3, AWAIT);
        JsonNode stats = client.stats();
        assertEquals(3, stats.path("connections_created").asLong(), stats.toString());
        assertEquals(0, stats.path("connections_reused").asLong(), stats.toString());
        assertEquals(0, stats.path("total_connections").asLong(), stats.toString());
    }
}
