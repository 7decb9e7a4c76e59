package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.assertError;
import static dev.poolgate.stub.StubClient.fieldNames;
import static dev.poolgate.stub.StubClient.json;
import static dev.poolgate.stub.StubClient.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Message Batches API: create (in progress), retrieve (ended), list, results as JSON Lines,
 * cancel, delete; errored results for bad params; the checks of a create.
 */
@Timeout(30)
class BatchesTest extends RunningStubTest {

    private static ObjectNode batchOf(ObjectNode... params) {
        ObjectNode body = StubClient.MAPPER.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        for (int i = 0; i < params.length; i++) {
            requests.addObject().put("custom_id", "request-" + i).set("params", params[i]);
        }
        return body;
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(client.api(path).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private JsonNode create(StubClient on, ObjectNode batch) throws Exception {
        HttpResponse<String> response = on.send(on.api("/v1/messages/batches")
                .POST(HttpRequest.BodyPublishers.ofString(batch.toString())));
        assertEquals(200, response.statusCode(), response::body);
        return json(response);
    }

    @Test
    void aBatchIsCreatedInProgressAndHasEndedWhenReadAgain() throws Exception {
        ObjectNode bad = message("Bad", 10);
        bad.remove("max_tokens");
        JsonNode created = create(client, batchOf(message("First", 100), bad));

        assertEquals(List.of("id", "type", "processing_status", "request_counts", "ended_at", "created_at",
                "expires_at", "archived_at", "cancel_initiated_at", "results_url"), fieldNames(created));
        String id = created.get("id").textValue();
        assertTrue(id.matches("msgbatch_[0-9A-Za-z]{24}"), id);
        assertEquals("message_batch", created.get("type").textValue());
        assertEquals("in_progress", created.get("processing_status").textValue());
        assertEquals(json("{\"processing\":2,\"succeeded\":0,\"errored\":0,\"canceled\":0,\"expired\":0}"),
                created.get("request_counts"));
        assertTrue(created.get("results_url").isNull());
        assertTrue(created.get("ended_at").isNull());

        JsonNode ended = json(client.get("/v1/messages/batches/" + id));

        assertEquals("ended", ended.get("processing_status").textValue());
        assertEquals(json("{\"processing\":0,\"succeeded\":1,\"errored\":1,\"canceled\":0,\"expired\":0}"),
                ended.get("request_counts"));
        assertEquals(stub.baseUri() + "/v1/messages/batches/" + id + "/results", ended.get("results_url").textValue());
        assertTrue(ended.get("ended_at").isTextual());
    }

    @Test
    void resultsAreJsonLinesInRequestOrderWithTheAnswersOfTheMessagesApi() throws Exception {
        ObjectNode bad = message("Bad", 10);
        bad.remove("max_tokens");
        String id = create(client, batchOf(message("First question", 100), bad)).get("id").textValue();

        HttpResponse<String> response = client.get("/v1/messages/batches/" + id + "/results");

        assertEquals(200, response.statusCode(), response::body);
        assertEquals("application/binary", response.headers().firstValue("content-type").orElseThrow());
        List<String> lines = response.body().lines().toList();
        assertEquals(2, lines.size(), response.body());
        assertTrue(response.body().endsWith("\n"));
        JsonNode first = json(lines.get(0));
        assertEquals("request-0", first.get("custom_id").textValue());
        assertEquals("succeeded", first.get("result").get("type").textValue());
        JsonNode answer = first.get("result").get("message");
        assertEquals("message", answer.get("type").textValue());
        assertEquals(Reply.fullText("First question"), answer.get("content").get(0).get("text").textValue());
        JsonNode second = json(lines.get(1));
        assertEquals("request-1", second.get("custom_id").textValue());
        assertEquals("errored", second.get("result").get("type").textValue());
        JsonNode error = second.get("result").get("error");
        assertEquals("error", error.get("type").textValue());
        assertEquals("invalid_request_error", error.get("error").get("type").textValue());
        assertTrue(error.get("error").get("message").textValue().startsWith("max_tokens: field required"));
    }

    @Test
    void resultsUrlNamesTheForwardedHostWhenAGatewayGivesOne() throws Exception {
        String id = create(client, batchOf(message("Hi", 10))).get("id").textValue();
        HttpResponse<String> response = client.send(client.api("/v1/messages/batches/" + id)
                .header("x-forwarded-proto", "https").header("x-forwarded-host", "gateway.example:8443").GET());
        assertEquals("https://gateway.example:8443/v1/messages/batches/" + id + "/results",
                json(response).get("results_url").textValue());
    }

    @Test
    void listIsNewestFirstInPagesWithTheFieldsOfTheApi() throws Exception {
        String first = create(client, batchOf(message("1", 10))).get("id").textValue();
        String second = create(client, batchOf(message("2", 10))).get("id").textValue();
        String third = create(client, batchOf(message("3", 10))).get("id").textValue();

        JsonNode page = json(client.get("/v1/messages/batches?limit=2"));

        assertEquals(List.of("data", "has_more", "first_id", "last_id"), fieldNames(page));
        assertEquals(third, page.get("data").get(0).get("id").textValue());
        assertEquals(second, page.get("data").get(1).get("id").textValue());
        assertTrue(page.get("has_more").booleanValue());
        assertEquals(third, page.get("first_id").textValue());
        assertEquals(second, page.get("last_id").textValue());
        JsonNode next = json(client.get("/v1/messages/batches?limit=2&after_id=" + second));
        assertEquals(1, next.get("data").size());
        assertEquals(first, next.get("first_id").textValue());
        assertTrue(!next.get("has_more").booleanValue());
    }

    @Test
    void aCanceledBatchIsCancelingThenEndedWithEveryRequestCanceled() throws Exception {
        try (StubBackend slow = StubBackend.start(StubConfig.builder().batchProcessingTime(Duration.ofHours(1)).build());
                StubClient slowClient = new StubClient(slow)) {
            String id = create(slowClient, batchOf(message("A", 10), message("B", 10))).get("id").textValue();
            assertEquals("in_progress", json(slowClient.get("/v1/messages/batches/" + id))
                    .get("processing_status").textValue());
            HttpResponse<String> early = slowClient.get("/v1/messages/batches/" + id + "/results");
            assertError(early, 400, "invalid_request_error", "has not ended yet");
            HttpResponse<String> deleteEarly = slowClient.send(slowClient.api("/v1/messages/batches/" + id).DELETE());
            assertError(deleteEarly, 400, "invalid_request_error", "cancel it first");

            JsonNode canceling = json(slowClient.send(slowClient.api("/v1/messages/batches/" + id + "/cancel")
                    .POST(HttpRequest.BodyPublishers.noBody())));

            assertEquals("canceling", canceling.get("processing_status").textValue());
            assertTrue(canceling.get("cancel_initiated_at").isTextual());
            JsonNode ended = json(slowClient.get("/v1/messages/batches/" + id));
            assertEquals("ended", ended.get("processing_status").textValue());
            assertEquals(2, ended.get("request_counts").get("canceled").intValue());
            assertEquals(0, ended.get("request_counts").get("succeeded").intValue());
            List<String> lines = slowClient.get("/v1/messages/batches/" + id + "/results").body().lines().toList();
            assertEquals(json("{\"custom_id\":\"request-0\",\"result\":{\"type\":\"canceled\"}}"), json(lines.get(0)));
        }
    }

    @Test
    void anEndedBatchIsDeletedAndThenNotFound() throws Exception {
        String id = create(client, batchOf(message("Bye", 10))).get("id").textValue();

        HttpResponse<String> deleted = client.send(client.api("/v1/messages/batches/" + id).DELETE());

        assertEquals(200, deleted.statusCode(), deleted::body);
        assertEquals(json("{\"id\":\"" + id + "\",\"type\":\"message_batch_deleted\"}"), json(deleted));
        assertError(client.get("/v1/messages/batches/" + id), 404, "not_found_error", "not found");
        assertError(client.get("/v1/messages/batches/" + id + "/results"), 404, "not_found_error", "not found");
    }

    @Test
    void aCreateWithoutValidRequestsIs400NamingTheField() throws Exception {
        assertError(post("/v1/messages/batches", "{}"), 400, "invalid_request_error", "requests: field required");
        assertError(post("/v1/messages/batches", "{\"requests\": []}"), 400, "invalid_request_error",
                "requests: must be a non-empty array");
        assertError(post("/v1/messages/batches", "{\"requests\": [{\"custom_id\": \"a b\", \"params\": {}}]}"), 400,
                "invalid_request_error", "requests.0.custom_id: must be 1 to 64 letters");
        assertError(post("/v1/messages/batches", "{\"requests\": [{\"custom_id\": \"a\", \"params\": {}},"
                + " {\"custom_id\": \"a\", \"params\": {}}]}"), 400, "invalid_request_error",
                "requests.1.custom_id: \"a\" is used by an earlier request");
        assertError(post("/v1/messages/batches", "{\"requests\": [{\"custom_id\": \"a\"}]}"), 400,
                "invalid_request_error", "requests.0.params: must be the body of a Messages request");
    }
}
