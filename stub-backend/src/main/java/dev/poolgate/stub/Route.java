package dev.poolgate.stub;

import java.util.List;
import java.util.Optional;

/**
 * The paths the stub serves and the methods each allows. The template is also the key of the
 * per-path request counts ({@code /v1/models/{id}} for every model id); an {@code {id}} stands for
 * one non-empty path segment.
 */
enum Route {
    MESSAGES("/v1/messages", "POST"),
    COUNT_TOKENS("/v1/messages/count_tokens", "POST"),
    BATCHES("/v1/messages/batches", "GET", "POST"),
    BATCH("/v1/messages/batches/{id}", "GET", "DELETE"),
    BATCH_CANCEL("/v1/messages/batches/{id}/cancel", "POST"),
    BATCH_RESULTS("/v1/messages/batches/{id}/results", "GET"),
    COMPLETE("/v1/complete", "POST"),
    FILES("/v1/files", "GET", "POST"),
    FILE("/v1/files/{id}", "GET", "DELETE"),
    FILE_CONTENT("/v1/files/{id}/content", "GET"),
    MODELS("/v1/models", "GET"),
    MODEL("/v1/models/{id}", "GET"),
    HEALTH("/health", "GET"),
    ADMIN_FAULTS("/admin/faults", "GET", "POST"),
    ADMIN_FAULTS_RESET("/admin/faults/reset", "POST"),
    ADMIN_STATS("/admin/stats", "GET");

    /** The per-path count key of a request to a path the stub does not serve. */
    static final String UNKNOWN = "(unknown)";

    private static final String ID = "{id}";

    private final String template;
    private final String[] segments;
    private final List<String> methods;

    Route(String template, String... methods) {
        this.template = template;
        this.segments = template.split("/", -1);
        this.methods = List.of(methods);
    }

    /**
     * The route serving {@code path}, if any: a fixed template equal to it, else a template whose
     * {@code {id}} segment matches one non-empty segment of it.
     */
    static Optional<Route> match(String path) {
        for (Route route : values()) {
            if (!route.template.contains(ID) && route.template.equals(path)) {
                return Optional.of(route);
            }
        }
        String[] parts = path.split("/", -1);
        for (Route route : values()) {
            if (route.template.contains(ID) && route.matches(parts)) {
                return Optional.of(route);
            }
        }
        return Optional.empty();
    }

    private boolean matches(String[] parts) {
        if (parts.length != segments.length) {
            return false;
        }
        for (int i = 0; i < parts.length; i++) {
            boolean same = segments[i].equals(ID) ? !parts[i].isEmpty() : segments[i].equals(parts[i]);
            if (!same) {
                return false;
            }
        }
        return true;
    }

    /** The {@code {id}} segment of a path this route matched. */
    String id(String path) {
        String[] parts = path.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].equals(ID)) {
                return parts[i];
            }
        }
        throw new IllegalStateException(template + " has no {id} segment");
    }

    String template() {
        return template;
    }

    boolean allows(String method) {
        return methods.contains(method);
    }

    /** The value of the {@code allow} header of a 405 response. */
    String allowHeader() {
        return String.join(", ", methods);
    }

    /** An Anthropic API path: authenticated, subject to the latency, drop and failure faults. */
    boolean isApi() {
        return template.startsWith("/v1/");
    }

    boolean isAdmin() {
        return template.startsWith("/admin/");
    }
}
