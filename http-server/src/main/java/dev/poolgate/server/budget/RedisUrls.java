package dev.poolgate.server.budget;

import java.net.URI;

/** Redis URLs as the settings take them: checked with messages that never show a password. */
public final class RedisUrls {

    private RedisUrls() {
    }

    /** Checks a Redis URL, with a message that shows it without its password. */
    public static URI check(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Not a Redis URL: " + redacted(url)
                    + "; write redis://[user:password@]host[:port][/database] (rediss:// for TLS)");
        }
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("A Redis URL starts with redis:// or rediss:// (TLS), not "
                    + redacted(url));
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("The Redis URL " + redacted(url) + " names no host; write "
                    + "redis://host:6379");
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (!path.isEmpty() && !path.matches("\\d{1,5}")) {
            throw new IllegalArgumentException("The Redis URL " + redacted(url) + " ends in /" + path
                    + "; only a database number may follow the host, e.g. redis://host:6379/0");
        }
        return uri;
    }

    /** {@code url} with any password replaced by {@code ***}. */
    public static String redacted(String url) {
        return url.replaceAll("(?<=://)([^@/]*:)?[^@/]*@", "$1***@");
    }
}
