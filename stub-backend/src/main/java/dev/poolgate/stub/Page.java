package dev.poolgate.stub;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * One page of a list endpoint of the real API ({@code /v1/messages/batches}, {@code /v1/files}):
 * {@code {"data": [...], "has_more": b, "first_id": id|null, "last_id": id|null}}, newest first,
 * with the query parameters {@code limit} (1 to {@value #MAX_LIMIT}, default
 * {@value #DEFAULT_LIMIT}), {@code after_id} (the page after that item) and {@code before_id} (the
 * page just before it).
 */
final class Page {

    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 1000;

    private Page() {
    }

    /**
     * The page of {@code newestFirst} (items with an {@code id}) that the query asks for.
     *
     * @param what the items' name for error messages ("batch", "file")
     */
    static ObjectNode of(List<ObjectNode> newestFirst, String rawQuery, String what) {
        Map<String, String> query = ModelsEndpoint.query(rawQuery);
        int limit = limit(query.get("limit"));
        String afterId = query.get("after_id");
        String beforeId = query.get("before_id");
        int from = 0;
        int to = newestFirst.size();
        if (afterId != null) {
            from = indexOf(newestFirst, "after_id", afterId, what) + 1;
        }
        if (beforeId != null) {
            to = indexOf(newestFirst, "before_id", beforeId, what);
        }
        List<ObjectNode> page = from >= to ? List.of() : newestFirst.subList(from, to);
        boolean hasMore = page.size() > limit;
        if (beforeId != null && afterId == null) {
            page = page.subList(Math.max(0, page.size() - limit), page.size()); // the page ending just before before_id
        } else {
            page = page.subList(0, Math.min(limit, page.size()));
        }
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        page.forEach(data::add);
        body.put("has_more", hasMore);
        if (page.isEmpty()) {
            body.putNull("first_id");
            body.putNull("last_id");
        } else {
            body.put("first_id", page.get(0).get("id").textValue());
            body.put("last_id", page.get(page.size() - 1).get("id").textValue());
        }
        return body;
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

    private static int indexOf(List<ObjectNode> items, String parameter, String id, String what) {
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).get("id").textValue().equals(id)) {
                return i;
            }
        }
        throw ApiException.invalidRequest(parameter + ": " + ApiException.shown(id) + " is not a " + what
                + " of this stub; use an id from the list");
    }
}
