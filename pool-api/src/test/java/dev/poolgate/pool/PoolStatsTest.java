package dev.poolgate.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link PoolStats} holds only consistent snapshots: no negative count, total = available + in use. */
@Timeout(10)
class PoolStatsTest {

    @Test
    void consistentSnapshotKeepsEveryCount() {
        PoolStats stats = new PoolStats(5, 2, 150, 1, 3, 3, 2, 1, 4);
        assertEquals(5, stats.connectionsCreated());
        assertEquals(2, stats.connectionsDestroyed());
        assertEquals(150, stats.connectionsReused());
        assertEquals(1, stats.acquireTimeouts());
        assertEquals(3, stats.healthCheckFailures());
        assertEquals(3, stats.totalConnections());
        assertEquals(2, stats.availableConnections());
        assertEquals(1, stats.inUseConnections());
        assertEquals(4, stats.waitingAcquirers());
    }

    @Test
    void toStringUsesTheNamesOfTheStatsEndpoint() {
        assertEquals("PoolStats[created=5, destroyed=2, reused=150, acquire_timeouts=1, health_check_failures=3, "
                + "total=3, available=2, in_use=1, waiting=4]", new PoolStats(5, 2, 150, 1, 3, 3, 2, 1, 4).toString());
    }

    @Test
    void allZeroIsValid() {
        assertEquals(0, new PoolStats(0, 0, 0, 0, 0, 0, 0, 0, 0).totalConnections());
    }

    @Test
    void totalThatIsNotAvailablePlusInUseIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PoolStats(5, 1, 0, 0, 0, 4, 2, 1, 0));
        assertEquals("totalConnections must equal availableConnections + inUseConnections (3), but was 4",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PoolStats(5, 1, 0, 0, 0, 2, 2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new PoolStats(0, 0, 0, 0, 0, -1, 0, 0, 0));
    }

    /** Each of the nine counts made negative in turn, keeping total = available + in use where possible. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 6, 7, 8})
    void negativeCountIsRejected(int field) {
        long[] counts = {5, 2, 150, 1, 3, 3, 2, 1, 4};
        counts[field] = -1;
        if (field == 6 || field == 7) {
            counts[5] = counts[6] + counts[7];
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PoolStats(counts[0],
                counts[1], counts[2], counts[3], counts[4], (int) counts[5], (int) counts[6], (int) counts[7],
                (int) counts[8]));
        assertTrue(e.getMessage().startsWith("pool counts must be >= 0, but were PoolStats["), e.getMessage());
        assertTrue(e.getMessage().contains("=-1"), e.getMessage());
    }
}
