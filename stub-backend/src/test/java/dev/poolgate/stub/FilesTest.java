package dev.poolgate.stub;

import static dev.poolgate.stub.StubClient.assertError;
import static dev.poolgate.stub.StubClient.fieldNames;
import static dev.poolgate.stub.StubClient.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Files API: multipart upload, metadata, list, download, delete. */
@Timeout(30)
class FilesTest extends RunningStubTest {

    private static final String BOUNDARY = "----poolgate-test-boundary";

    /** A multipart/form-data body with one file part named {@code field}. */
    private static byte[] multipart(String field, String filename, String contentType, byte[] content) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nuser_data\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + filename
                + "\"\r\nContent-Type: " + contentType + "\r\n\r\n";
        body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    private HttpResponse<String> upload(byte[] body) throws Exception {
        return client.send(client.api("/v1/files")
                .setHeader("content-type", "multipart/form-data; boundary=" + BOUNDARY)
                .header("anthropic-beta", "files-api-2025-04-14")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** Bytes of every value, CR LF and a fake boundary included: the upload must keep them all. */
    private static byte[] awkwardBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < 256; i++) {
            bytes.write(i);
        }
        bytes.writeBytes(("\r\n--" + BOUNDARY.substring(0, 10) + "\r\n").getBytes(StandardCharsets.UTF_8));
        return bytes.toByteArray();
    }

    @Test
    void anUploadedFileHasTheMetadataOfTheApiAndDownloadsByteForByte() throws Exception {
        byte[] content = awkwardBytes();

        HttpResponse<String> response = upload(multipart("file", "data.bin", "application/pdf", content));

        assertEquals(200, response.statusCode(), response::body);
        JsonNode file = json(response);
        assertEquals(List.of("id", "type", "filename", "mime_type", "size_bytes", "created_at", "downloadable"),
                fieldNames(file));
        String id = file.get("id").textValue();
        assertTrue(id.matches("file_[0-9A-Za-z]{24}"), id);
        assertEquals("file", file.get("type").textValue());
        assertEquals("data.bin", file.get("filename").textValue());
        assertEquals("application/pdf", file.get("mime_type").textValue());
        assertEquals(content.length, file.get("size_bytes").intValue());
        assertEquals(file, json(client.get("/v1/files/" + id)));

        HttpResponse<byte[]> download = client.http().send(client.api("/v1/files/" + id + "/content").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(200, download.statusCode());
        assertEquals("application/pdf", download.headers().firstValue("content-type").orElseThrow());
        assertArrayEquals(content, download.body());
    }

    @Test
    void listIsNewestFirstWithThePaginationFieldsOfTheApi() throws Exception {
        String first = json(upload(multipart("file", "a.txt", "text/plain", new byte[] {'a'}))).get("id").textValue();
        String second = json(upload(multipart("file", "b.txt", "text/plain", new byte[] {'b'}))).get("id").textValue();

        JsonNode page = json(client.get("/v1/files?limit=1"));

        assertEquals(List.of("data", "has_more", "first_id", "last_id"), fieldNames(page));
        assertEquals(second, page.get("first_id").textValue());
        assertTrue(page.get("has_more").booleanValue());
        JsonNode next = json(client.get("/v1/files?limit=1&after_id=" + second));
        assertEquals(first, next.get("data").get(0).get("id").textValue());
        assertTrue(!next.get("has_more").booleanValue());
    }

    @Test
    void aDeletedFileIsGone() throws Exception {
        String id = json(upload(multipart("file", "gone.txt", "text/plain", new byte[] {'x'}))).get("id").textValue();

        HttpResponse<String> deleted = client.send(client.api("/v1/files/" + id).DELETE());

        assertEquals(json("{\"id\":\"" + id + "\",\"type\":\"file_deleted\"}"), json(deleted));
        assertError(client.get("/v1/files/" + id), 404, "not_found_error", "File " + id + " not found");
        assertError(client.get("/v1/files/" + id + "/content"), 404, "not_found_error", "not found");
        assertEquals(0, json(client.get("/v1/files")).get("data").size());
    }

    @Test
    void anUploadWithoutAFileFieldOrNotMultipartIs400() throws Exception {
        assertError(upload(multipart("document", "a.txt", "text/plain", new byte[] {'a'})), 400,
                "invalid_request_error", "file: field required");
        HttpResponse<String> json = client.send(client.api("/v1/files").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertError(json, 400, "invalid_request_error", "content-type: must be multipart/form-data");
        assertError(upload("--other\r\n\r\n".getBytes(StandardCharsets.UTF_8)), 400, "invalid_request_error",
                "The multipart/form-data body is malformed");
    }
}
