package dev.poolgate.server.api;

import java.util.Arrays;
import java.util.List;

/**
 * A route's path as written in the route table: literal segments, {@code {name}} for exactly one
 * segment (e.g. {@code /v1/models/{id}}), and a final {@code **} for one or more segments (e.g.
 * {@code /v1/**}). The template is also the route's name in the metrics and the access log, so
 * that ids never become label values.
 */
record PathTemplate(String template, List<String> segments, boolean tail) {

    static PathTemplate of(String template) {
        if (template == null || !template.startsWith("/")) {
            throw new IllegalArgumentException("A path template starts with /, e.g. /v1/models/{id}; was " + template);
        }
        List<String> segments = template.equals("/") ? List.of() : Arrays.asList(template.substring(1).split("/", -1));
        boolean tail = !segments.isEmpty() && segments.get(segments.size() - 1).equals("**");
        for (int i = 0; i < segments.size(); i++) {
            String segment = segments.get(i);
            if (segment.isEmpty() || (segment.contains("**") && (i < segments.size() - 1 || !segment.equals("**")))) {
                throw new IllegalArgumentException("Bad path template " + template + ": segments are literal, {name}, "
                        + "or a final **");
            }
        }
        return new PathTemplate(template, List.copyOf(tail ? segments.subList(0, segments.size() - 1) : segments),
                tail);
    }

    /** Whether {@code path} (decoded, starting with /) fits the template. */
    boolean matches(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        if (segments.isEmpty() && !tail) {
            return path.equals("/");
        }
        int at = 1; // where the next segment starts
        for (String segment : segments) {
            if (at > path.length()) {
                return false;
            }
            int end = path.indexOf('/', at);
            if (end < 0) {
                end = path.length();
            }
            if (end == at) {
                return false; // an empty segment
            }
            if (!segment.startsWith("{") && !path.substring(at, end).equals(segment)) {
                return false;
            }
            at = end + 1;
        }
        // Past the last segment: the path ended there, or (for **) goes on with at least one character.
        return tail ? at < path.length() : at == path.length() + 1;
    }
}
