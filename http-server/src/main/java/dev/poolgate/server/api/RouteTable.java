package dev.poolgate.server.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The gateway's routes: a method, a {@link PathTemplate}, who may call it, and its endpoint, in
 * the order added (the first that fits wins). Finding a route answers 404 for a path no route
 * has and 405, with {@code allow}, for a method a path's routes do not take. HEAD is answered on
 * every GET route (its body dropped, see {@link Call#send}).
 */
final class RouteTable {

    /** Matches every method: the request goes to the endpoint whatever its method. */
    static final String ANY_METHOD = "*";

    /** Handles a call on a route. */
    interface Endpoint {
        void handle(Call call) throws IOException;
    }

    record Route(String method, PathTemplate path, ProxyKeys.Access access, Endpoint endpoint) {
    }

    private final List<Route> routes = new ArrayList<>();

    /** Adds a route; earlier routes win. */
    RouteTable add(String method, String template, ProxyKeys.Access access, Endpoint endpoint) {
        if (method == null || access == null || endpoint == null) {
            throw new IllegalArgumentException("method, access and endpoint must not be null");
        }
        routes.add(new Route(method, PathTemplate.of(template), access, endpoint));
        return this;
    }

    /**
     * The route for {@code method} and {@code path}.
     *
     * @throws ApiError 404 for a path no route has, 405 with {@code allow} for a method its routes do not take
     */
    Route find(String method, String path) {
        Set<String> allowed = new LinkedHashSet<>();
        String routeMethod = "HEAD".equals(method) ? "GET" : method;
        for (Route route : routes) {
            if (route.path.matches(path)) {
                if (route.method.equals(routeMethod) || route.method.equals(ANY_METHOD)) {
                    return route;
                }
                allowed.add(route.method);
                if (route.method.equals("GET")) {
                    allowed.add("HEAD");
                }
            }
        }
        if (allowed.isEmpty()) {
            throw new ApiError(404, "not_found_error", "No endpoint " + ApiError.shown(path) + "; see the "
                    + "gateway's README for its endpoints");
        }
        throw new ApiError(405, "invalid_request_error", "Method " + ApiError.shown(method) + " is not allowed on "
                + ApiError.shown(path) + "; use " + String.join(" or ", allowed),
                Map.of("allow", String.join(", ", allowed)));
    }
}
