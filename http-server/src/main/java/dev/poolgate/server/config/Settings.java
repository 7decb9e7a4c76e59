package dev.poolgate.server.config;

import dev.poolgate.pool.PoolConfig;
import dev.poolgate.server.budget.BudgetSettings;
import dev.poolgate.server.budget.Rates;
import dev.poolgate.server.budget.RedisUrls;
import dev.poolgate.server.upstream.EgressProxy;
import dev.poolgate.server.upstream.UpstreamTrust;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the gateway's settings from environment variables and command-line flags (a flag wins
 * over its variable) into a {@link ServerConfig}. Every setting, its variable, flag, default and
 * accepted range is listed once, in {@link Setting}; {@link #help()} prints that table and the
 * README repeats it. A bad value stops start-up with an {@link IllegalArgumentException} that names
 * the setting and the accepted range.
 */
public final class Settings {

    /** Upstream when only a key is configured. */
    public static final URI ANTHROPIC_API = URI.create("https://api.anthropic.com");
    /** The default path of the pool's health check upstream: cheap, and served by the real API. */
    public static final String DEFAULT_HEALTH_PATH = "/v1/models?limit=1";
    /** The value of {@code --upstream} that asks for the embedded stub backend. */
    public static final String STUB_UPSTREAM = "stub";
    /**
     * Why the gateway refuses to start without an upstream, and the fix: the embedded stub's fake
     * answers are served only when asked for.
     */
    public static final String NO_UPSTREAM = "No upstream is configured: set ANTHROPIC_API_KEY (the Claude API), "
            + "ANTHROPIC_BASE_URL (another upstream), or --upstream stub / POOLGATE_UPSTREAM=stub for the embedded "
            + "stub backend's fake answers (offline tests only)";

    /** Every setting of the gateway. */
    enum Setting {
        HOST("--host", "POOLGATE_HOST", "127.0.0.1", "address to bind"),
        PORT("--port", "POOLGATE_PORT", "8000", "port to bind, 0-65535 (0: any free port)"),
        UPSTREAM("--upstream", "POOLGATE_UPSTREAM", "",
                "stub: the embedded stub backend's fake answers (offline tests); empty: ANTHROPIC_BASE_URL / "
                        + "ANTHROPIC_API_KEY"),
        UPSTREAM_URL("--anthropic-base-url", "ANTHROPIC_BASE_URL", "",
                "upstream base URL; a key alone means https://api.anthropic.com"),
        UPSTREAM_KEY("--anthropic-api-key", "ANTHROPIC_API_KEY", "",
                "key sent upstream (prefer the variable: flags show in ps); never logged"),
        PROXY_KEYS("--proxy-api-keys", "POOLGATE_PROXY_API_KEYS", "",
                "comma-separated keys clients must present (x-api-key or Bearer); empty: none"),
        ADMIN_KEYS("--admin-api-keys", "POOLGATE_ADMIN_API_KEYS", "",
                "comma-separated keys for /pool/stats and /metrics; empty: the proxy keys guard them"),
        MAX_REQUEST_BYTES("--max-request-bytes", "POOLGATE_MAX_REQUEST_BYTES", "33554432",
                "largest request body, 1 to 2147483647 bytes"),
        REQUEST_READ_TIMEOUT("--request-read-timeout", "POOLGATE_REQUEST_READ_TIMEOUT", "30s",
                "longest a client may take to send a whole request (> 0); then its connection is closed"),
        CLIENT_WRITE_TIMEOUT("--client-write-timeout", "POOLGATE_CLIENT_WRITE_TIMEOUT", "30s",
                "longest a client may accept no bytes of its answer (> 0); then it is cut off"),
        CLIENT_IDLE_TIMEOUT("--client-idle-timeout", "POOLGATE_CLIENT_IDLE_TIMEOUT", "30s",
                "how long an idle keep-alive client connection stays open (> 0)"),
        ACCEPT_BACKLOG("--accept-backlog", "POOLGATE_ACCEPT_BACKLOG", "1024",
                "connections that may wait to be accepted, 1 to 65535"),
        UPSTREAM_CONNECT_TIMEOUT("--upstream-connect-timeout", "POOLGATE_UPSTREAM_CONNECT_TIMEOUT", "10s",
                "upstream connect timeout (> 0)"),
        UPSTREAM_TIMEOUT("--upstream-timeout", "POOLGATE_UPSTREAM_TIMEOUT", "600s",
                "how long upstream may take to send its response headers (> 0)"),
        UPSTREAM_READ_TIMEOUT("--upstream-read-timeout", "POOLGATE_UPSTREAM_READ_TIMEOUT", "300s",
                "longest silence within a response body, e.g. between streamed events (> 0)"),
        UPSTREAM_HEALTH_PATH("--upstream-health-path", "POOLGATE_UPSTREAM_HEALTH_PATH", DEFAULT_HEALTH_PATH,
                "upstream path of the pool's health check (embedded stub: /health)"),
        UPSTREAM_CA_FILE("--upstream-ca-file", "POOLGATE_UPSTREAM_CA_FILE", "",
                "PEM certificates an https upstream is verified against instead of the JVM's; empty: the JVM's"),
        UPSTREAM_RETRIES("--upstream-retries", "POOLGATE_UPSTREAM_RETRIES", "0",
                "retries after a connection failure before any answer, or a 429 or 529, 0 to " + UpstreamRetries.MAX_RETRIES + " (0: off)"),
        UPSTREAM_RETRY_BACKOFF("--upstream-retry-backoff", "POOLGATE_UPSTREAM_RETRY_BACKOFF", "500ms",
                "wait before the first retry, doubled for each next one, less up to 25% jitter (> 0)"),
        UPSTREAM_RETRY_MAX_BACKOFF("--upstream-retry-max-backoff", "POOLGATE_UPSTREAM_RETRY_MAX_BACKOFF", "8s",
                "longest wait before a retry, >= the backoff; a longer retry-after goes to the client"),
        DRAIN_TIMEOUT("--drain-timeout", "POOLGATE_DRAIN_TIMEOUT", "30s",
                "how long in-flight requests may finish on shutdown (>= 0)"),
        POOL_ENABLED("--pool-enabled", "POOLGATE_POOL_ENABLED", "true", "pooling on (true) or off (false)"),
        POOL_NAME("--pool-name", "POOLGATE_POOL_NAME", PoolConfig.DEFAULT_NAME, "the pool's name in log lines"),
        POOL_MIN_SIZE("--pool-min-size", "POOLGATE_POOL_MIN_SIZE", "2", "connections kept open, 0 to 10000"),
        POOL_MAX_SIZE("--pool-max-size", "POOLGATE_POOL_MAX_SIZE", "10",
                "most connections at once, 1 to 10000, >= min"),
        POOL_ACQUIRE_TIMEOUT("--pool-acquire-timeout", "POOLGATE_POOL_ACQUIRE_TIMEOUT", "5s",
                "wait for a pooled client before 529 overloaded_error (> 0)"),
        POOL_IDLE_TIMEOUT("--pool-idle-timeout", "POOLGATE_POOL_IDLE_TIMEOUT", "300s",
                "idle connections above min are closed after this (0: never)"),
        POOL_HEALTH_CHECK_INTERVAL("--pool-health-check-interval", "POOLGATE_POOL_HEALTH_CHECK_INTERVAL", "60s",
                "idle connections are health-checked this often (0: never)"),
        POOL_MAX_LIFETIME("--pool-max-lifetime", "POOLGATE_POOL_MAX_LIFETIME", "0",
                "connections retire at this age (0: never)"),
        POOL_LEAK_DETECTION("--pool-leak-detection-threshold", "POOLGATE_POOL_LEAK_DETECTION_THRESHOLD", "0",
                "report a client held longer than this (0: off)"),
        LOG_FORMAT("--log-format", "POOLGATE_LOG_FORMAT", "text",
                "text, or json (one JSON object per line, with the event's fields)"),
        UPSTREAM_PROXY("--upstream-proxy", "POOLGATE_UPSTREAM_PROXY", "",
                "http://[user:password@]host:port to tunnel upstream through; empty: HTTPS_PROXY / HTTP_PROXY "
                        + "unless NO_PROXY names the host"),
        CLIENTS_FILE("--clients-file", "POOLGATE_CLIENTS_FILE", "",
                "JSON file of named proxy keys with per-minute budgets each, read again on SIGHUP; empty: none"),
        CLUSTER_REDIS_URL("--cluster-redis-url", "POOLGATE_CLUSTER_REDIS_URL", "",
                "redis://[user:password@]host[:port][/db] (rediss: TLS) where instances share limits; empty: none"),
        CLUSTER_MAX_IN_FLIGHT("--cluster-max-in-flight", "POOLGATE_CLUSTER_MAX_IN_FLIGHT", "0",
                "upstream requests at once over every instance, 0 to 100000 (0: no limit)"),
        CLUSTER_PERMIT_TTL("--cluster-permit-ttl", "POOLGATE_CLUSTER_PERMIT_TTL", "30s",
                "how long a crashed instance's permits stay taken, 1s to 1h"),
        CLUSTER_REDIS_FAILURE("--cluster-redis-failure", "POOLGATE_CLUSTER_REDIS_FAILURE", "open",
                "Redis unreachable: open (admit without the shared limits, WARN) or closed (503)"),
        UPSTREAM_REQUESTS_PER_MINUTE("--upstream-requests-per-minute", "POOLGATE_UPSTREAM_REQUESTS_PER_MINUTE", "0",
                "the upstream key's requests per minute, over every instance (0: none)"),
        UPSTREAM_INPUT_TOKENS_PER_MINUTE("--upstream-input-tokens-per-minute",
                "POOLGATE_UPSTREAM_INPUT_TOKENS_PER_MINUTE", "0",
                "the upstream key's input tokens per minute, from answers' usage (0: none)"),
        UPSTREAM_OUTPUT_TOKENS_PER_MINUTE("--upstream-output-tokens-per-minute",
                "POOLGATE_UPSTREAM_OUTPUT_TOKENS_PER_MINUTE", "0",
                "the upstream key's output tokens per minute (0: none)");

        final String flag;
        final String variable;
        final String defaultValue;
        final String description;

        Setting(String flag, String variable, String defaultValue, String description) {
            this.flag = flag;
            this.variable = variable;
            this.defaultValue = defaultValue;
            this.description = description;
        }

        String label() {
            return flag + " / " + variable;
        }
    }

    private static final int MAX_POOL_SIZE = 10_000;

    private final Map<Setting, String> values = new EnumMap<>(Setting.class);
    /** The process environment, for the proxy variables every HTTP client honours (HTTPS_PROXY...). */
    private Map<String, String> environment = Map.of();

    private Settings() {
    }

    /** Whether the arguments ask for {@link #help()}. */
    public static boolean wantsHelp(String[] args) {
        return Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h");
    }

    /** Whether the arguments ask for the version ({@code --version}, {@code -V}). */
    public static boolean wantsVersion(String[] args) {
        return Arrays.asList(args).contains("--version") || Arrays.asList(args).contains("-V");
    }

    /**
     * Reads the settings: defaults, then environment variables, then flags
     * ({@code --name value} or {@code --name=value}).
     *
     * @throws IllegalArgumentException naming the setting and its accepted range
     */
    public static ServerConfig parse(String[] args, Map<String, String> environment) {
        Settings settings = new Settings();
        settings.environment = environment;
        for (Setting setting : Setting.values()) {
            String fromEnvironment = environment.get(setting.variable);
            settings.values.put(setting, fromEnvironment != null ? fromEnvironment.strip() : setting.defaultValue);
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (equals > 0) {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            if (!name.startsWith("--")) {
                // A stray value is often a key whose flag was mistyped or dropped: never echo it.
                throw new IllegalArgumentException("Unexpected argument #" + (i + 1) + " (not shown: it may be a "
                        + "key); options start with --, see --help");
            }
            Setting setting = byFlag(name);
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("Missing value for " + name + "; write " + name + " <value>");
                }
                value = args[++i];
            }
            settings.values.put(setting, value.strip());
        }
        return settings.build();
    }

    private static Setting byFlag(String flag) {
        for (Setting setting : Setting.values()) {
            if (setting.flag.equals(flag)) {
                return setting;
            }
        }
        throw new IllegalArgumentException("Unknown option " + flag + "; see --help for the options");
    }

    private ServerConfig build() {
        String url = values.get(Setting.UPSTREAM_URL);
        String key = values.get(Setting.UPSTREAM_KEY);
        boolean stub = stubUpstream(!url.isEmpty() || !key.isEmpty());
        URI upstream = url.isEmpty() ? (key.isEmpty() ? null : ANTHROPIC_API) : uri(Setting.UPSTREAM_URL, url);
        if (!visibleAscii(key)) {
            // Refused here, not by the HTTP client at the first request: its error would quote the key.
            throw invalid(Setting.UPSTREAM_KEY, key, "visible ASCII characters, as in the key the Anthropic "
                    + "console shows");
        }
        String healthPath = values.get(Setting.UPSTREAM_HEALTH_PATH);
        if (!healthPath.startsWith("/")) {
            throw invalid(Setting.UPSTREAM_HEALTH_PATH, healthPath, "a path starting with /");
        }
        PoolConfig pool;
        try {
            pool = PoolConfig.builder()
                    .name(values.get(Setting.POOL_NAME))
                    .poolingEnabled(bool(Setting.POOL_ENABLED))
                    .minSize(integer(Setting.POOL_MIN_SIZE, 0, MAX_POOL_SIZE))
                    .maxSize(integer(Setting.POOL_MAX_SIZE, 1, MAX_POOL_SIZE))
                    .acquireTimeout(duration(Setting.POOL_ACQUIRE_TIMEOUT, false))
                    .idleTimeout(duration(Setting.POOL_IDLE_TIMEOUT, true))
                    .healthCheckInterval(duration(Setting.POOL_HEALTH_CHECK_INTERVAL, true))
                    .maxLifetime(duration(Setting.POOL_MAX_LIFETIME, true))
                    .leakDetectionThreshold(duration(Setting.POOL_LEAK_DETECTION, true))
                    .drainTimeout(duration(Setting.DRAIN_TIMEOUT, true))
                    .build();
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("Invalid ")) {
                throw e;
            }
            throw new IllegalArgumentException("Invalid pool settings: " + e.getMessage() + " (settings "
                    + Setting.POOL_MIN_SIZE.label() + ", " + Setting.POOL_MAX_SIZE.label() + ", ...)", e);
        }
        return new ServerConfig(
                values.get(Setting.HOST),
                integer(Setting.PORT, 0, 65_535),
                upstream,
                key.isEmpty() ? null : key,
                keys(Setting.PROXY_KEYS),
                keys(Setting.ADMIN_KEYS),
                integer(Setting.MAX_REQUEST_BYTES, 1, Integer.MAX_VALUE),
                duration(Setting.REQUEST_READ_TIMEOUT, false),
                duration(Setting.UPSTREAM_CONNECT_TIMEOUT, false),
                duration(Setting.UPSTREAM_TIMEOUT, false),
                duration(Setting.UPSTREAM_READ_TIMEOUT, false),
                healthPath,
                caFile(),
                duration(Setting.DRAIN_TIMEOUT, true),
                pool,
                retries(),
                stub,
                logFormat(),
                new ClientConnections(duration(Setting.CLIENT_WRITE_TIMEOUT, false),
                        duration(Setting.CLIENT_IDLE_TIMEOUT, false), integer(Setting.ACCEPT_BACKLOG, 1, 65_535)),
                budget(),
                clientsFile(),
                stub ? null : proxy(upstream));
    }

    /**
     * The egress proxy: {@code --upstream-proxy} for any upstream, else the environment's
     * {@code HTTPS_PROXY} (https upstream) or {@code HTTP_PROXY} (http), in either case, unless
     * {@code NO_PROXY} names the upstream's host.
     */
    private EgressProxy proxy(URI upstream) {
        String value = values.get(Setting.UPSTREAM_PROXY);
        if (value.isEmpty() && upstream != null) {
            String name = "https".equalsIgnoreCase(upstream.getScheme()) ? "HTTPS_PROXY" : "HTTP_PROXY";
            value = environment.getOrDefault(name, environment.getOrDefault(name.toLowerCase(Locale.ROOT), ""))
                    .strip();
            String noProxy = environment.getOrDefault("NO_PROXY", environment.getOrDefault("no_proxy", ""));
            if (value.isEmpty() || EgressProxy.exempt(upstream.getHost(), noProxy)) {
                return null;
            }
        }
        if (value.isEmpty()) {
            return null;
        }
        try {
            return EgressProxy.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid " + Setting.UPSTREAM_PROXY.label() + " (or HTTPS_PROXY): "
                    + e.getMessage());
        }
    }

    private Path clientsFile() {
        String value = values.get(Setting.CLIENTS_FILE);
        if (value.isEmpty()) {
            return null;
        }
        Path file = Path.of(value);
        ClientsFile.read(file); // a bad file stops the start, with the reason
        return file;
    }

    private BudgetSettings budget() {
        String url = values.get(Setting.CLUSTER_REDIS_URL);
        if (!url.isEmpty()) {
            try {
                RedisUrls.check(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid " + Setting.CLUSTER_REDIS_URL.label() + ": "
                        + e.getMessage());
            }
        }
        Duration ttl = duration(Setting.CLUSTER_PERMIT_TTL, false);
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofHours(1)) > 0) {
            throw invalid(Setting.CLUSTER_PERMIT_TTL, values.get(Setting.CLUSTER_PERMIT_TTL), "a duration from 1s to 1h");
        }
        String failure = values.get(Setting.CLUSTER_REDIS_FAILURE).toLowerCase(Locale.ROOT);
        if (!failure.equals("open") && !failure.equals("closed")) {
            throw invalid(Setting.CLUSTER_REDIS_FAILURE, values.get(Setting.CLUSTER_REDIS_FAILURE), "open or closed");
        }
        Rates upstream = new Rates(integer(Setting.UPSTREAM_REQUESTS_PER_MINUTE, 0, Integer.MAX_VALUE),
                integer(Setting.UPSTREAM_INPUT_TOKENS_PER_MINUTE, 0, Integer.MAX_VALUE),
                integer(Setting.UPSTREAM_OUTPUT_TOKENS_PER_MINUTE, 0, Integer.MAX_VALUE));
        return new BudgetSettings(url.isEmpty() ? null : url, integer(Setting.CLUSTER_MAX_IN_FLIGHT, 0, 100_000), ttl,
                upstream, failure.equals("open"));
    }

    /** Whether {@code --upstream stub} asks for the embedded stub; it never shares the run with a real upstream. */
    private boolean stubUpstream(boolean realUpstream) {
        String value = values.get(Setting.UPSTREAM);
        if (value.isEmpty()) {
            return false;
        }
        if (!STUB_UPSTREAM.equals(value)) {
            throw invalid(Setting.UPSTREAM, value, "'" + STUB_UPSTREAM + "' for the embedded stub backend, or "
                    + "nothing (then ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY name the upstream)");
        }
        if (realUpstream) {
            throw new IllegalArgumentException("Both " + Setting.UPSTREAM.label() + " stub and an upstream ("
                    + Setting.UPSTREAM_URL.label() + " or " + Setting.UPSTREAM_KEY.label() + ") are set; drop "
                    + "--upstream stub to reach the upstream, or unset the upstream to use the stub");
        }
        return true;
    }

    private String logFormat() {
        String value = values.get(Setting.LOG_FORMAT).toLowerCase(Locale.ROOT);
        if (!value.equals("text") && !value.equals("json")) {
            throw invalid(Setting.LOG_FORMAT, values.get(Setting.LOG_FORMAT), "text or json");
        }
        return value;
    }

    private UpstreamRetries retries() {
        Duration backoff = duration(Setting.UPSTREAM_RETRY_BACKOFF, false);
        Duration maxBackoff = duration(Setting.UPSTREAM_RETRY_MAX_BACKOFF, false);
        if (maxBackoff.compareTo(backoff) < 0) {
            throw invalid(Setting.UPSTREAM_RETRY_MAX_BACKOFF, values.get(Setting.UPSTREAM_RETRY_MAX_BACKOFF),
                    "a duration >= " + Setting.UPSTREAM_RETRY_BACKOFF.flag + " (" + values.get(
                            Setting.UPSTREAM_RETRY_BACKOFF) + ")");
        }
        return new UpstreamRetries(integer(Setting.UPSTREAM_RETRIES, 0, UpstreamRetries.MAX_RETRIES), backoff,
                maxBackoff);
    }

    private int integer(Setting setting, int min, int max) {
        String value = values.get(setting);
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(setting, value, "an integer from " + min + " to " + max);
    }

    private boolean bool(Setting setting) {
        String value = values.get(setting).toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw invalid(setting, values.get(setting), "true or false");
        };
    }

    /** Seconds as a number ({@code 5}, {@code 0.5}) or with a unit ({@code 500ms}, {@code 5s}, {@code 2m}). */
    private Duration duration(Setting setting, boolean zeroAllowed) {
        String value = values.get(setting);
        String range = zeroAllowed ? "a duration >= 0" : "a duration > 0";
        String expected = range + ", in seconds (5, 0.5) or with a unit (500ms, 5s, 2m)";
        try {
            String lower = value.toLowerCase(Locale.ROOT);
            BigDecimal nanosPerUnit;
            String number;
            if (lower.endsWith("ms")) {
                number = lower.substring(0, lower.length() - 2);
                nanosPerUnit = BigDecimal.valueOf(1_000_000L);
            } else if (lower.endsWith("s")) {
                number = lower.substring(0, lower.length() - 1);
                nanosPerUnit = BigDecimal.valueOf(1_000_000_000L);
            } else if (lower.endsWith("m")) {
                number = lower.substring(0, lower.length() - 1);
                nanosPerUnit = BigDecimal.valueOf(60_000_000_000L);
            } else {
                number = lower;
                nanosPerUnit = BigDecimal.valueOf(1_000_000_000L);
            }
            BigDecimal amount = new BigDecimal(number.strip());
            Duration duration = Duration.ofNanos(amount.multiply(nanosPerUnit).longValueExact());
            if (duration.isNegative() || (!zeroAllowed && duration.isZero())) {
                throw invalid(setting, value, expected);
            }
            return duration;
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(setting, value, expected);
        }
    }

    private static URI uri(Setting setting, String value) {
        try {
            URI uri = URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw invalid(setting, value, "an http:// or https:// URL such as https://api.anthropic.com");
    }

    /** The CA file, read once here: the gateway uses the sockets it made. */
    private UpstreamTrust.CaFile caFile() {
        String value = values.get(Setting.UPSTREAM_CA_FILE);
        if (value.isBlank()) {
            return null;
        }
        Path file = Path.of(value.strip());
        if (!Files.isReadable(file)) {
            throw invalid(Setting.UPSTREAM_CA_FILE, value, "a readable file of PEM certificates");
        }
        try {
            return UpstreamTrust.CaFile.read(file);
        } catch (IllegalArgumentException e) {
            throw invalid(Setting.UPSTREAM_CA_FILE, value, "a file of PEM certificates (-----BEGIN CERTIFICATE----- "
                    + "blocks)");
        }
    }

    /**
     * Comma-separated keys; each must be visible ASCII (what a client can send in a header
     * unchanged), so that a key that could never match is refused at start-up, not at the first
     * request.
     */
    private List<String> keys(Setting setting) {
        List<String> keys = new ArrayList<>();
        for (String key : values.get(setting).split(",")) {
            String stripped = key.strip();
            if (stripped.isEmpty()) {
                continue;
            }
            if (!visibleAscii(stripped)) {
                throw invalid(setting, stripped, "comma-separated keys of visible ASCII characters (no spaces)");
            }
            keys.add(stripped);
        }
        return keys;
    }

    private static boolean visibleAscii(String value) {
        return value.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    private static IllegalArgumentException invalid(Setting setting, String value, String expected) {
        boolean secret = setting == Setting.UPSTREAM_KEY || setting == Setting.PROXY_KEYS
                || setting == Setting.ADMIN_KEYS || setting == Setting.CLUSTER_REDIS_URL
                || setting == Setting.UPSTREAM_PROXY;
        return new IllegalArgumentException("Invalid " + setting.label() + ": " + (secret ? "(hidden)" : "'" + value
                + "'") + "; expected " + expected);
    }

    /** The table of settings for {@code --help}. */
    public static String help() {
        StringBuilder text = new StringBuilder("""
                poolgate: a pooling gateway for the Claude API.

                Usage: bin/poolgate [options]
                   or: java -jar http-server/target/poolgate-server.jar [options]   (JDK 21+)
                Each option can also be set by its environment variable; an option wins.
                --version prints the version; --help prints this.
                Durations are seconds (5, 0.5) or carry a unit (500ms, 5s, 2m).

                """);
        for (Setting setting : Setting.values()) {
            text.append(String.format("  %-34s %s%n      %s (default: %s)%n", setting.flag, setting.variable,
                    setting.description, setting.defaultValue.isEmpty() ? "none" : setting.defaultValue));
        }
        return text.toString();
    }
}
