package dev.poolgate.it;

import com.fasterxml.jackson.databind.JsonNode;

/** One answer of the server's {@code GET /pool/stats}: the fields of the log catalogue. */
record PoolStats(
        boolean poolEnabled,
        long created,
        long destroyed,
        long reused,
        long acquireTimeouts,
        long healthCheckFailures,
        long total,
        long available,
        long inUse) {

    static PoolStats parse(String body) {
        JsonNode root = Json.parse(body);
        JsonNode stats = root.path("stats");
        for (String field : new String[] {"connections_created", "connections_destroyed", "connections_reused",
                "acquire_timeouts", "health_check_failures", "total_connections", "available_connections",
                "in_use_connections"}) {
            if (!stats.path(field).isIntegralNumber()) {
                throw new AssertionError("/pool/stats lacks the number stats." + field + ": " + body);
            }
        }
        if (!root.path("pool_enabled").isBoolean()) {
            throw new AssertionError("/pool/stats lacks the boolean pool_enabled: " + body);
        }
        return new PoolStats(
                root.path("pool_enabled").booleanValue(),
                stats.path("connections_created").longValue(),
                stats.path("connections_destroyed").longValue(),
                stats.path("connections_reused").longValue(),
                stats.path("acquire_timeouts").longValue(),
                stats.path("health_check_failures").longValue(),
                stats.path("total_connections").longValue(),
                stats.path("available_connections").longValue(),
                stats.path("in_use_connections").longValue());
    }

    /**
     * The invariants that hold at any instant (scenario 11): {@code total = available + in_use},
     * {@code created - destroyed = total}, and with pooling on, {@code total <= max}.
     */
    void assertConsistent(int maxSize) {
        if (total != available + inUse) {
            throw new AssertionError("total_connections != available_connections + in_use_connections: " + this);
        }
        if (created - destroyed != total) {
            throw new AssertionError("connections_created - connections_destroyed != total_connections: " + this);
        }
        if (poolEnabled && total > maxSize) {
            throw new AssertionError("total_connections is above the maximum of " + maxSize + ": " + this);
        }
    }
}
