package dev.poolgate.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Points the {@code results_url} of a Message Batch at the gateway. Upstream fills it with its own
 * address, and the TypeScript and Python SDKs read a batch's results from that URL as it stands:
 * without this, they would go past the gateway, with the client's key. The path from
 * {@code /v1/messages/batches/} on is kept; the origin becomes the one the client used (its
 * {@code host} header, over plain HTTP, which is what the gateway serves).
 */
final class BatchResultsUrls {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BATCHES = "/v1/messages/batches";

    private BatchResultsUrls() {
    }

    /**
     * The answer to a request on {@code path} with its batches' {@code results_url} pointing at
     * {@code host}; {@code body} unchanged when it is not a batch (or list of batches) with one.
     */
    static byte[] rewrite(String path, String host, byte[] body) {
        if (!path.startsWith(BATCHES) || host == null || host.isBlank()
                || !new String(body, StandardCharsets.ISO_8859_1).contains("\"results_url\"")) {
            return body;
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return body; // not JSON after all: passed on as upstream sent it
        }
        boolean changed = rewriteOne(root, host);
        for (JsonNode batch : root.path("data")) {
            changed |= rewriteOne(batch, host);
        }
        if (!changed) {
            return body;
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            return body;
        }
    }

    private static boolean rewriteOne(JsonNode batch, String host) {
        if (!(batch instanceof ObjectNode object) || !batch.path("results_url").isTextual()) {
            return false;
        }
        String url = batch.get("results_url").asText();
        int at = url.indexOf(BATCHES + "/");
        if (at < 0) {
            return false;
        }
        object.put("results_url", "http://" + host.strip() + url.substring(at));
        return true;
    }
}
