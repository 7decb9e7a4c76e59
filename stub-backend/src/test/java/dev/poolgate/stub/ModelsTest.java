package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.assertError;
import static dev.poolgate.stub.StubClient.fieldNames;
import static dev.poolgate.stub.StubClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}. */
@Timeout(30)
class ModelsTest extends RunningStubTest {

    @Test
    void listHasThePageShapeOfTheApi() throws Exception {
        HttpResponse<String> response = client.get("/v1/models");

        assertEquals(200, response.statusCode(), response::body);
        JsonNode body = json(response);
        assertEquals(List.of("data", "has_more", "first_id", "last_id"), fieldNames(body));
        JsonNode data = body.get("data");
        assertEquals(ModelsEndpoint.MODELS.size(), data.size());
        for (JsonNode model : data) {
            assertEquals(List.of("type", "id", "display_name", "created_at"), fieldNames(model));
            assertEquals("model", model.get("type").textValue());
            assertTrue(model.get("id").textValue().startsWith("claude-"));
            assertFalse(model.get("display_name").textValue().isBlank());
            OffsetDateTime.parse(model.get("created_at").textValue());
        }
        assertFalse(body.get("has_more").booleanValue());
        assertEquals(data.get(0).get("id"), body.get("first_id"));
        assertEquals(data.get(data.size() - 1).get("id"), body.get("last_id"));
    }

    @Test
    void limitAndAfterIdPageThroughTheList() throws Exception {
        JsonNode first = json(client.get("/v1/models?limit=2"));
        assertEquals(2, first.get("data").size());
        assertTrue(first.get("has_more").booleanValue());

        JsonNode second = json(client.get("/v1/models?limit=2&after_id=" + first.get("last_id").textValue()));
        assertEquals(ModelsEndpoint.MODELS.get(2).id(), second.get("first_id").textValue());

        JsonNode before = json(client.get("/v1/models?limit=1&before_id=" + second.get("first_id").textValue()));
        assertEquals(first.get("last_id"), before.get("first_id"));
        assertTrue(before.get("has_more").booleanValue());
    }

    @Test
    void badLimitIs400() throws Exception {
        assertError(client.get("/v1/models?limit=0"), 400, "invalid_request_error", "limit: must be an integer from 1 to 1000");
        assertError(client.get("/v1/models?limit=x"), 400, "invalid_request_error", "limit: must be an integer");
    }

    @Test
    void oneModelById() throws Exception {
        HttpResponse<String> response = client.get("/v1/models/claude-sonnet-4-5-20250929");
        assertEquals(200, response.statusCode(), response::body);
        JsonNode model = json(response);
        assertEquals("claude-sonnet-4-5-20250929", model.get("id").textValue());
        assertEquals("Claude Sonnet 4.5", model.get("display_name").textValue());
    }

    @Test
    void aModelIsFoundByItsAliasWithoutTheDate() throws Exception {
        HttpResponse<String> response = client.get("/v1/models/claude-sonnet-4-5");
        assertEquals(200, response.statusCode(), response::body);
        assertEquals("claude-sonnet-4-5-20250929", json(response).get("id").textValue());
    }

    @Test
    void unknownModelIs404NotFoundError() throws Exception {
        assertError(client.get("/v1/models/claude-nonexistent"), 404, "not_found_error", "claude-nonexistent");
    }

    @Test
    void modelRequestsCountUnderOneTemplate() throws Exception {
        client.get("/v1/models/claude-sonnet-4-5-20250929");
        client.get("/v1/models/claude-nonexistent");
        assertEquals(2, stub.requestCount("/v1/models/{id}"));
    }
}
