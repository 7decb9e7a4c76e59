package dev.poolgate.stub;

import java.util.List;
import java.util.Optional;

/**
 * The paths the stub serves and the methods each allows. The template is also the key of the
 * per-path request counts ({@code /v1/models/{id}} for every model id).
 */
enum Route {
    MESSAGES("/v1/messages", "POST"),
    COUNT_TOKENS("/v1/messages/count_tokens", "POST"),
    MODELS("/v1/models", "GET"),
    MODEL("/v1/models/{id}", "GET"),
    HEALTH("/health", "GET"),
    ADMIN_FAULTS("/admin/faults", "GET", "POST"),
    ADMIN_FAULTS_RESET("/admin/faults/reset", "POST"),
    ADMIN_STATS("/admin/stats", "GET");

    /** The per-path count key of a request to a path the stub does not serve. */
    static final String UNKNOWN = "(unknown)";

    private static final String MODEL_PREFIX = "/v1/models/";

    private final String template;
    private final List<String> methods;

    Route(String template, String... methods) {
        this.template = template;
        this.methods = List.of(methods);
    }

    /** The route serving {@code path}, if any. */
    static Optional<Route> match(String path) {
        for (Route route : values()) {
            if (route != MODEL && route.template.equals(path)) {
                return Optional.of(route);
            }
        }
        if (path.startsWith(MODEL_PREFIX) && path.length() > MODEL_PREFIX.length()
                && path.indexOf('/', MODEL_PREFIX.length()) < 0) {
            return Optional.of(MODEL);
        }
        return Optional.empty();
    }

    /** The model id of a {@link #MODEL} path. */
    static String modelId(String path) {
        return path.substring(MODEL_PREFIX.length());
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
