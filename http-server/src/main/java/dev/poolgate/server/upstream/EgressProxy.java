package dev.poolgate.server.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * An HTTP proxy the gateway must go through to reach upstream (a corporate egress proxy): each
 * pooled connection first asks it for a tunnel ({@code CONNECT host:port}), then speaks TLS (or
 * plain HTTP) to upstream through it, so the proxy sees only the host it tunnels to. Credentials
 * from the proxy URL's user info go as {@code Proxy-Authorization: Basic}, and never appear in a
 * message or {@link #toString()}.
 *
 * @param host the proxy's host
 * @param port its port
 * @param authorization the {@code Proxy-Authorization} value, or null
 * @param shown the URL without its password, for logs
 */
public record EgressProxy(String host, int port, String authorization, String shown) {

    /** The longest CONNECT answer head read before the tunnel is refused. */
    private static final int MAX_ANSWER_BYTES = 16 * 1024;

    /**
     * Reads {@code http://[user:password@]host[:port]}.
     *
     * @throws IllegalArgumentException naming the fix, never the password
     */
    public static EgressProxy parse(String url) {
        URI uri;
        String shown = url.replaceAll("(?<=://)([^@/]*:)?[^@/]*@", "$1***@");
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Not a proxy URL: " + shown + "; write http://[user:password@]host:port");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("The egress proxy must be an http:// URL with a host (the tunnel to "
                    + "an https upstream is still encrypted end to end), not " + shown);
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
            throw new IllegalArgumentException("The egress proxy URL " + shown + " has a path; write only "
                    + "http://[user:password@]host:port");
        }
        String authorization = null;
        if (uri.getRawUserInfo() != null) {
            // Split before decoding: a %3A in the password stays part of it.
            String[] parts = uri.getRawUserInfo().split(":", 2);
            String user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            if (user.contains(":")) {
                throw new IllegalArgumentException("The egress proxy URL " + shown + " has a ':' in its user name, "
                        + "which Basic authentication cannot carry");
            }
            String password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "";
            authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
        }
        return new EgressProxy(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort(), authorization, shown);
    }

    /**
     * Whether {@code NO_PROXY} (comma-separated host names, {@code .suffix} or {@code suffix}
     * domains, or {@code *}) exempts {@code host}.
     */
    public static boolean exempt(String host, String noProxy) {
        if (noProxy == null || noProxy.isBlank()) {
            return false;
        }
        String name = host.toLowerCase(Locale.ROOT);
        for (String entry : List.of(noProxy.toLowerCase(Locale.ROOT).split(","))) {
            String pattern = entry.strip();
            if (pattern.equals("*")) {
                return true;
            }
            if (pattern.startsWith(".")) {
                pattern = pattern.substring(1);
            }
            if (!pattern.isEmpty() && (name.equals(pattern) || name.endsWith("." + pattern))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Asks the proxy, over {@code socket} (connected to it), for a tunnel to {@code host:port}, and
     * returns once the tunnel stands.
     *
     * @throws IOException when the proxy refuses (its status, e.g. 407 for missing credentials) or
     *         answers something that is not HTTP
     */
    void tunnel(Socket socket, String targetHost, int targetPort) throws IOException {
        String authority = (targetHost.indexOf(':') >= 0 ? "[" + targetHost + "]" : targetHost) + ":" + targetPort;
        StringBuilder request = new StringBuilder("CONNECT ").append(authority).append(" HTTP/1.1\r\nHost: ")
                .append(authority).append("\r\n");
        if (authorization != null) {
            request.append("Proxy-Authorization: ").append(authorization).append("\r\n");
        }
        request.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String head = readHead(socket.getInputStream());
        String statusLine = head.lines().findFirst().orElse("");
        if (!statusLine.matches("HTTP/1\\.[01] \\d{3}( .*)?")) {
            throw new IOException("the egress proxy " + shown + " did not answer CONNECT in HTTP");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        if (status / 100 != 2) {
            throw new IOException("the egress proxy " + shown + " refused the tunnel to " + authority + " with "
                    + status + (status == 407 ? " (it wants credentials: put user:password@ in the proxy URL)" : ""));
        }
    }

    /** The answer's head, up to the blank line; nothing of what follows (the tunnel's bytes) is read. */
    private String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the egress proxy " + shown + " closed the connection while answering CONNECT");
            }
            head.write(b);
            if (head.size() > MAX_ANSWER_BYTES) {
                throw new IOException("the egress proxy " + shown + " sent an overlong answer to CONNECT");
            }
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return shown;
    }
}
