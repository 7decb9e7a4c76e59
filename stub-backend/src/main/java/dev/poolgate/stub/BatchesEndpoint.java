package dev.poolgate.stub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The Message Batches API, in memory: {@code POST /v1/messages/batches} (create),
 * {@code GET /v1/messages/batches} (list, newest first), {@code GET .../{id}} (retrieve),
 * {@code POST .../{id}/cancel}, {@code DELETE .../{id}} and {@code GET .../{id}/results} (JSONL).
 *
 * <p>Each request's answer is made at creation, exactly as {@code POST /v1/messages} would make it
 * (a request whose {@code params} fail its checks gets an {@code errored} result with that 400's
 * error). A create is answered {@code in_progress}, as the real API answers it; the batch has
 * {@code ended} once {@link StubConfig#batchProcessingTime()} has passed since (by default at once,
 * so the next read sees it ended). Cancelling a batch in progress makes it {@code canceling} in the
 * cancel's answer and {@code ended} after, every request {@code canceled}. Only an ended batch may
 * be deleted or have its results read.
 *
 * <p>{@code results_url} is built from the request's {@code x-forwarded-proto} and
 * {@code x-forwarded-host} headers when given, else from its {@code host} header, so that a
 * gateway in front can have its own address in it.
 *
 * <p>Bounded: at most {@value #MAX_BATCHES} batches are kept (deleting one makes room), each of
 * at most {@value #MAX_REQUESTS} requests; beyond, a create is a 400 naming the limit.
 */
final class BatchesEndpoint {

    static final int MAX_BATCHES = 1000;
    /** The real API's limit of requests in one batch. */
    static final int MAX_REQUESTS = 100_000;
    /** How long after its creation the real API expires a batch still in progress. */
    static final Duration EXPIRY = Duration.ofHours(24);

    private static final Pattern CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final String EXAMPLE = "{\"requests\": [{\"custom_id\": \"first\", \"params\": "
            + MessageRequest.EXAMPLE + "}]}";

    private final int maxBodyBytes;
    private final Duration processingTime;
    private final boolean https;

    /** Guards {@link #batches} and every batch's {@code canceledAt}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** By id, oldest first. Guarded by lock. */
    private final LinkedHashMap<String, Batch> batches = new LinkedHashMap<>();

    BatchesEndpoint(int maxBodyBytes, Duration processingTime, boolean https) {
        this.maxBodyBytes = maxBodyBytes;
        this.processingTime = processingTime;
        this.https = https;
    }

    /** A batch and its results. Its fields are final except {@code canceledAt}. */
    private static final class Batch {
        final String id;
        final Instant createdAt;
        final Instant endsAt;
        /** One JSON object per request, in request order: custom_id and the result when it succeeded or erred. */
        final List<ObjectNode> results;
        final int succeeded;
        final int errored;
        /** When it was canceled while in progress, or null. Guarded by lock. */
        Instant canceledAt;

        Batch(String id, Instant createdAt, Instant endsAt, List<ObjectNode> results, int succeeded, int errored) {
            this.id = id;
            this.createdAt = createdAt;
            this.endsAt = endsAt;
            this.results = results;
            this.succeeded = succeeded;
            this.errored = errored;
        }

        boolean ended(Instant now) {
            return canceledAt != null || !now.isBefore(endsAt);
        }
    }

    void create(StubExchange exchange) throws IOException {
        ObjectNode body = MessagesEndpoint.readJson(exchange, maxBodyBytes, EXAMPLE);
        JsonNode requests = body.get("requests");
        if (requests == null || requests.isNull()) {
            throw ApiException.invalidRequest("requests: field required; send the batch's requests, e.g. " + EXAMPLE);
        }
        if (!requests.isArray() || requests.isEmpty()) {
            throw ApiException.invalidRequest("requests: must be a non-empty array of {custom_id, params},"
                    + " but was " + (requests.isArray() ? "an empty array" : Json.kind(requests)));
        }
        if (requests.size() > MAX_REQUESTS) {
            throw ApiException.invalidRequest("requests: a batch holds at most " + MAX_REQUESTS + " requests, but"
                    + " this one has " + requests.size() + "; split it into several batches");
        }
        List<ObjectNode> results = new ArrayList<>(requests.size());
        Set<String> customIds = new HashSet<>();
        int succeeded = 0;
        for (int i = 0; i < requests.size(); i++) {
            String path = "requests." + i;
            JsonNode request = requests.get(i);
            if (!request.isObject()) {
                throw ApiException.invalidRequest(path + ": must be an object {custom_id, params}, but was "
                        + Json.kind(request));
            }
            JsonNode customId = request.get("custom_id");
            if (customId == null || !customId.isTextual() || !CUSTOM_ID.matcher(customId.textValue()).matches()) {
                throw ApiException.invalidRequest(path + ".custom_id: must be 1 to 64 letters, digits, '-' or '_',"
                        + " but was " + (customId == null ? "missing" : Json.kind(customId)));
            }
            if (!customIds.add(customId.textValue())) {
                throw ApiException.invalidRequest(path + ".custom_id: \"" + customId.textValue() + "\" is used by an"
                        + " earlier request; give every request of a batch its own custom_id");
            }
            JsonNode params = request.get("params");
            if (params == null || !params.isObject()) {
                throw ApiException.invalidRequest(path + ".params: must be the body of a Messages request such as "
                        + MessageRequest.EXAMPLE + ", but was " + (params == null ? "missing" : Json.kind(params)));
            }
            ObjectNode line = Json.object();
            line.put("custom_id", customId.textValue());
            ObjectNode result = line.putObject("result");
            try {
                MessageRequest message = MessageRequest.forMessages((ObjectNode) params);
                result.put("type", "succeeded");
                result.set("message", MessagesEndpoint.message(Ids.messageId(), message, Answer.to(message)));
                succeeded++;
            } catch (ApiException e) {
                result.put("type", "errored");
                ObjectNode error = result.putObject("error");
                error.put("type", "error");
                ObjectNode inner = error.putObject("error");
                inner.put("type", e.errorType());
                inner.put("message", e.getMessage());
            }
            results.add(line);
        }
        Instant now = now();
        Batch batch = new Batch(Ids.batchId(), now, now.plus(processingTime), List.copyOf(results), succeeded,
                results.size() - succeeded);
        lock.lock();
        try {
            if (batches.size() >= MAX_BATCHES) {
                throw ApiException.invalidRequest("This stub holds at most " + MAX_BATCHES + " message batches;"
                        + " delete ended ones (DELETE /v1/messages/batches/{id}) to make room");
            }
            batches.put(batch.id, batch);
        } finally {
            lock.unlock();
        }
        // The real API answers a create with the batch in progress, however fast it will be.
        exchange.sendJson(200, json(batch, now, "in_progress", exchange));
    }

    void retrieve(StubExchange exchange, String id) throws IOException {
        Instant now = now();
        exchange.sendJson(200, json(find(id), now, null, exchange));
    }

    void list(StubExchange exchange) throws IOException {
        Instant now = now();
        List<ObjectNode> newestFirst = new ArrayList<>();
        lock.lock();
        try {
            for (Batch batch : batches.values()) {
                newestFirst.add(0, json(batch, now, null, exchange));
            }
        } finally {
            lock.unlock();
        }
        exchange.sendJson(200, Page.of(newestFirst, exchange.rawQuery(), "message batch"));
    }

    void cancel(StubExchange exchange, String id) throws IOException {
        Instant now = now();
        Batch batch = find(id);
        boolean canceling = false;
        lock.lock();
        try {
            if (!batch.ended(now)) {
                batch.canceledAt = now;
                canceling = true;
            }
        } finally {
            lock.unlock();
        }
        exchange.sendJson(200, json(batch, now, canceling ? "canceling" : null, exchange));
    }

    void delete(StubExchange exchange, String id) throws IOException {
        Instant now = now();
        lock.lock();
        try {
            Batch batch = find(id);
            if (!batch.ended(now)) {
                throw ApiException.invalidRequest("Message batch " + id + " is still in progress and cannot be"
                        + " deleted; cancel it first (POST /v1/messages/batches/" + id + "/cancel)");
            }
            batches.remove(id);
        } finally {
            lock.unlock();
        }
        ObjectNode body = Json.object();
        body.put("id", id);
        body.put("type", "message_batch_deleted");
        exchange.sendJson(200, body);
    }

    /** The results as JSON Lines, one per request in request order, as the real API sends them. */
    void results(StubExchange exchange, String id) throws IOException {
        Instant now = now();
        Batch batch = find(id);
        boolean canceled;
        lock.lock();
        try {
            if (!batch.ended(now)) {
                throw ApiException.invalidRequest("Message batch " + id + " has not ended yet; its results are"
                        + " ready once its processing_status is \"ended\"");
            }
            canceled = batch.canceledAt != null;
        } finally {
            lock.unlock();
        }
        ByteArrayOutputStream jsonl = new ByteArrayOutputStream();
        for (ObjectNode line : batch.results) {
            ObjectNode shown = line;
            if (canceled) {
                shown = Json.object();
                shown.put("custom_id", line.get("custom_id").textValue());
                shown.putObject("result").put("type", "canceled");
            }
            jsonl.write(Json.bytes(shown));
            jsonl.write('\n');
        }
        exchange.sendBytes(200, "application/binary", jsonl.toByteArray());
    }

    private Batch find(String id) {
        lock.lock();
        try {
            Batch batch = batches.get(id);
            if (batch == null) {
                throw ApiException.notFound("Message batch " + ApiException.shown(id) + " not found; GET"
                        + " /v1/messages/batches lists the batches of this stub");
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The batch object of the API at {@code now}.
     *
     * @param status the processing status to show, or null for the one of {@code now}
     */
    private ObjectNode json(Batch batch, Instant now, String status, StubExchange exchange) {
        Instant canceledAt;
        lock.lock();
        try {
            canceledAt = batch.canceledAt;
        } finally {
            lock.unlock();
        }
        boolean ended = canceledAt != null || !now.isBefore(batch.endsAt);
        String processingStatus = status != null ? status : ended ? "ended" : "in_progress";
        boolean showEnded = processingStatus.equals("ended");
        ObjectNode json = Json.object();
        json.put("id", batch.id);
        json.put("type", "message_batch");
        json.put("processing_status", processingStatus);
        ObjectNode counts = json.putObject("request_counts");
        int total = batch.results.size();
        counts.put("processing", showEnded ? 0 : canceledAt != null ? 0 : total);
        counts.put("succeeded", showEnded && canceledAt == null ? batch.succeeded : 0);
        counts.put("errored", showEnded && canceledAt == null ? batch.errored : 0);
        counts.put("canceled", canceledAt != null ? total : 0);
        counts.put("expired", 0);
        putTime(json, "ended_at", showEnded ? (canceledAt != null ? canceledAt : batch.endsAt) : null);
        putTime(json, "created_at", batch.createdAt);
        putTime(json, "expires_at", batch.createdAt.plus(EXPIRY));
        json.putNull("archived_at");
        putTime(json, "cancel_initiated_at", canceledAt);
        if (showEnded) {
            json.put("results_url", baseUrl(exchange) + "/v1/messages/batches/" + batch.id + "/results");
        } else {
            json.putNull("results_url");
        }
        return json;
    }

    static void putTime(ObjectNode json, String field, Instant time) {
        if (time == null) {
            json.putNull(field);
        } else {
            json.put(field, time.truncatedTo(ChronoUnit.MICROS).toString());
        }
    }

    private String baseUrl(StubExchange exchange) {
        String proto = exchange.header("x-forwarded-proto");
        String host = exchange.header("x-forwarded-host");
        if (host == null || host.isBlank()) {
            host = exchange.header("host");
        }
        if (proto == null || proto.isBlank()) {
            proto = https ? "https" : "http";
        }
        // One value each (a proxy chain lists several, the client's first); nothing that could break the URL.
        host = host == null ? "localhost" : host.split(",")[0].strip();
        proto = proto.split(",")[0].strip();
        if (!host.matches("[A-Za-z0-9.\\-:\\[\\]]+") || !(proto.equals("http") || proto.equals("https"))) {
            return (https ? "https" : "http") + "://localhost";
        }
        return proto + "://" + host;
    }

    private static Instant now() {
        return Instant.now();
    }
}
