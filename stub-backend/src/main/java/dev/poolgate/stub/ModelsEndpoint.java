package dev.poolgate.stub;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/models} (one page of a fixed list, newest first, with the {@code limit},
 * {@code after_id} and {@code before_id} query parameters of the real API) and
 * {@code GET /v1/models/{id}} (an id or its alias). The list is for clients that ask; {@code POST /v1/messages} accepts
 * any model name.
 */
final class ModelsEndpoint {

    /** A model of the list. */
    record Model(String id, String displayName, String createdAt) {
        ObjectNode toJson() {
            ObjectNode json = Json.object();
            json.put("type", "model");
            json.put("id", id);
            json.put("display_name", displayName);
            json.put("created_at", createdAt);
            return json;
        }
    }

    static final List<Model> MODELS = List.of(
            new Model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-15T00:00:00Z"),
            new Model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
            new Model("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z"),
            new Model("claude-opus-4-20250514", "Claude Opus 4", "2025-05-22T00:00:00Z"),
            new Model("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-22T00:00:00Z"),
            new Model("claude-3-7-sonnet-20250219", "Claude Sonnet 3.7", "2025-02-24T00:00:00Z"),
            new Model("claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22T00:00:00Z"));

    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 1000;

    void list(StubExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.rawQuery());
        int limit = limit(query.get("limit"));
        String afterId = query.get("after_id");
        String beforeId = query.get("before_id");
        int from = 0;
        int to = MODELS.size();
        if (afterId != null) {
            from = indexOf("after_id", afterId) + 1;
        }
        if (beforeId != null) {
            to = indexOf("before_id", beforeId);
        }
        List<Model> page = from >= to ? List.of() : MODELS.subList(from, to);
        boolean hasMore;
        if (beforeId != null && afterId == null) {
            // Paging backwards: the page ends just before before_id.
            hasMore = page.size() > limit;
            page = page.subList(Math.max(0, page.size() - limit), page.size());
        } else {
            hasMore = page.size() > limit;
            page = page.subList(0, Math.min(limit, page.size()));
        }
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        page.forEach(model -> data.add(model.toJson()));
        body.put("has_more", hasMore);
        if (page.isEmpty()) {
            body.putNull("first_id");
            body.putNull("last_id");
        } else {
            body.put("first_id", page.get(0).id());
            body.put("last_id", page.get(page.size() - 1).id());
        }
        exchange.sendJson(200, body);
    }

    /** A model by its id or its alias (the id without its date: {@code claude-sonnet-4-5}), as the real API finds it. */
    void get(StubExchange exchange, String id) throws IOException {
        for (Model model : MODELS) {
            if (model.id().equals(id) || model.id().replaceFirst("-\\d{8}$", "").equals(id)) {
                exchange.sendJson(200, model.toJson());
                return;
            }
        }
        throw ApiException.notFound("model: " + ApiException.shown(id)
                + " is not a model of this stub; GET /v1/models lists them");
    }

    private static int limit(String value) {
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        if (value.matches("[0-9]{1,4}")) {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        }
        throw ApiException.invalidRequest("limit: must be an integer from 1 to " + MAX_LIMIT + ", but was \""
                + ApiException.shown(value) + "\"");
    }

    private static int indexOf(String parameter, String id) {
        for (int i = 0; i < MODELS.size(); i++) {
            if (MODELS.get(i).id().equals(id)) {
                return i;
            }
        }
        throw ApiException.invalidRequest(parameter + ": " + ApiException.shown(id)
                + " is not a model of this stub; use an id"
                + " from GET /v1/models");
    }

    /** The query parameters, decoded; the first of a repeated name wins. */
    static Map<String, String> query(String rawQuery) {
        Map<String, String> parameters = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            parameters.putIfAbsent(decode(name), decode(value));
        }
        return parameters;
    }

    private static String decode(String component) {
        try {
            return URLDecoder.decode(component, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidRequest("The query string is not valid URL encoding near \""
                    + ApiException.shown(component) + "\"; encode reserved characters as %XX");
        }
    }
}
