package dev.poolgate.stub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Files API, in memory: {@code POST /v1/files} (a {@code multipart/form-data} upload with the
 * form field {@code file}), {@code GET /v1/files} (list, newest first), {@code GET /v1/files/{id}}
 * (metadata), {@code GET /v1/files/{id}/content} (the bytes, with the content type uploaded) and
 * {@code DELETE /v1/files/{id}}.
 *
 * <p>One difference from the real API, for tests of downloads: every file is
 * {@code downloadable} (the real API lets only files that its tools made be downloaded).
 *
 * <p>Bounded: at most {@value #MAX_FILES} files and {@value #MAX_STORED_BYTES} bytes in all are
 * kept (deleting makes room; an upload beyond is a 400 naming the limit); one upload is bounded by
 * the body limit.
 */
final class FilesEndpoint {

    static final int MAX_FILES = 1000;
    static final long MAX_STORED_BYTES = 100L * 1024 * 1024;

    private final int maxBodyBytes;

    /** Guards {@link #files} and {@link #storedBytes}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** By id, oldest first. Guarded by lock. */
    private final LinkedHashMap<String, StoredFile> files = new LinkedHashMap<>();
    /** The bytes of every file held. Guarded by lock. */
    private long storedBytes;

    FilesEndpoint(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** An uploaded file; immutable. */
    private record StoredFile(String id, String filename, String mimeType, byte[] content, Instant createdAt) {
        ObjectNode toJson() {
            ObjectNode json = Json.object();
            json.put("id", id);
            json.put("type", "file");
            json.put("filename", filename);
            json.put("mime_type", mimeType);
            json.put("size_bytes", content.length);
            BatchesEndpoint.putTime(json, "created_at", createdAt);
            json.put("downloadable", true);
            return json;
        }
    }

    void upload(StubExchange exchange) throws IOException {
        String contentType = exchange.header("content-type");
        String boundary = contentType == null ? null : Multipart.boundary(contentType);
        if (contentType == null || !MessagesEndpoint.mediaType(contentType).equals("multipart/form-data")
                || boundary == null) {
            throw ApiException.invalidRequest("content-type: must be multipart/form-data with a boundary, but was "
                    + (contentType == null ? "missing" : "\"" + ApiException.shown(contentType) + "\"")
                    + "; upload the file as the form field \"file\" (curl -F file=@document.pdf)");
        }
        List<Multipart.Part> parts = Multipart.parse(exchange.readBody(maxBodyBytes), boundary);
        Multipart.Part file = null;
        for (Multipart.Part part : parts) {
            if (part.name().equals("file")) {
                file = part;
            }
        }
        if (file == null) {
            throw ApiException.invalidRequest("file: field required; upload the file as the form field \"file\""
                    + " (curl -F file=@document.pdf)");
        }
        String filename = file.filename() == null || file.filename().isBlank() ? "file" : file.filename();
        String mimeType = file.contentType() == null ? "application/octet-stream" : file.contentType();
        StoredFile stored = new StoredFile(Ids.fileId(), filename, mimeType, file.content(), Instant.now());
        lock.lock();
        try {
            if (files.size() >= MAX_FILES || storedBytes + stored.content().length > MAX_STORED_BYTES) {
                throw ApiException.invalidRequest("This stub holds at most " + MAX_FILES + " files and "
                        + MAX_STORED_BYTES + " bytes in all (now " + files.size() + " files, " + storedBytes
                        + " bytes); delete files (DELETE /v1/files/{id}) to make room");
            }
            files.put(stored.id(), stored);
            storedBytes += stored.content().length;
        } finally {
            lock.unlock();
        }
        exchange.sendJson(200, stored.toJson());
    }

    void list(StubExchange exchange) throws IOException {
        List<ObjectNode> newestFirst = new ArrayList<>();
        lock.lock();
        try {
            for (StoredFile file : files.values()) {
                newestFirst.add(0, file.toJson());
            }
        } finally {
            lock.unlock();
        }
        exchange.sendJson(200, Page.of(newestFirst, exchange.rawQuery(), "file"));
    }

    void metadata(StubExchange exchange, String id) throws IOException {
        exchange.sendJson(200, find(id).toJson());
    }

    void content(StubExchange exchange, String id) throws IOException {
        StoredFile file = find(id);
        exchange.sendBytes(200, file.mimeType(), file.content());
    }

    void delete(StubExchange exchange, String id) throws IOException {
        lock.lock();
        try {
            StoredFile file = find(id);
            files.remove(id);
            storedBytes -= file.content().length;
        } finally {
            lock.unlock();
        }
        ObjectNode body = Json.object();
        body.put("id", id);
        body.put("type", "file_deleted");
        exchange.sendJson(200, body);
    }

    private StoredFile find(String id) {
        lock.lock();
        try {
            StoredFile file = files.get(id);
            if (file == null) {
                throw ApiException.notFound("File " + ApiException.shown(id) + " not found; GET /v1/files lists the"
                        + " files of this stub");
            }
            return file;
        } finally {
            lock.unlock();
        }
    }
}
