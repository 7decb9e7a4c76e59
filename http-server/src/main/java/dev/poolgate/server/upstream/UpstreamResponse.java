package dev.poolgate.server.upstream;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Upstream's answer to one request as soon as its status and headers arrived: the body is read
 * from {@link #body()} as it comes, and must be closed (read to its end, or closed early) before
 * the {@link ClaudeClient} that returned it sends again.
 *
 * <p>Reading the body throws an {@link java.io.IOException} when upstream resets the connection,
 * ends it early, or sends nothing for longer than the client's read timeout; the client is then
 * unusable and must be destroyed.
 *
 * @param status the HTTP status code
 * @param headers the response headers, names in lower case
 * @param body the response body, read as it arrives
 */
public record UpstreamResponse(int status, Map<String, List<String>> headers, InputStream body) {

    public UpstreamResponse {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
    }

    /**
     * How many bytes of the body are still to be read, when its framing says ({@code content-length});
     * -1 when it does not (chunked, or until the connection closes).
     */
    public long bodyLengthLeft() {
        return body instanceof ResponseBody framed ? framed.lengthLeft() : -1;
    }

    /** The first value of a header ({@code name} in lower case), or {@code ""} without one. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? "" : values.get(0);
    }
}
