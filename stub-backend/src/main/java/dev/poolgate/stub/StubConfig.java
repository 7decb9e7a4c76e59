package dev.poolgate.stub;

import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The settings of a {@link StubBackend}: where it listens, which keys it accepts, its body limit,
 * who may use the admin endpoint, and the faults it starts with. Immutable, validated when built.
 *
 * <p>Build one with {@link #builder()}; a setting not given keeps its default, named by a
 * {@code DEFAULT_*} constant. {@link Builder#build()} rejects a bad value with a message naming the
 * setting, the value and the accepted range; no value is corrected silently. The command-line
 * flags of the jar map one to one onto these settings (see the module's README).
 *
 * @param host the address to bind: a name or a literal
 * @param port the port to bind, 0 for any free port ({@link StubBackend#port()} tells which)
 * @param apiKeys the {@code x-api-key} values accepted; empty accepts any non-blank key
 * @param maxBodyBytes the largest request body accepted; a larger one gets 413
 *        {@code request_too_large}
 * @param requestReadTimeout how long a client may take to send a whole request, headers and body,
 *        from its first byte; a slower one's connection is closed without an answer
 * @param adminAccess when {@code /admin/...} is served
 * @param requestLatency see {@link Faults#requestLatency(Duration)}
 * @param eventLatency see {@link Faults#eventLatency(Duration)}
 * @param failureRate see {@link Faults#failureRate(double)}
 * @param failureStatus see {@link Faults#failureStatus(int)}
 * @param retryAfterSeconds see {@link Faults#retryAfterSeconds(int)}
 * @param midStreamErrorAfterDeltas see {@link Faults#midStreamErrorAfterDeltas(int)}
 * @param healthFailing see {@link Faults#healthFailing(boolean)}
 * @param dropRate see {@link Faults#dropRate(double)}
 * @param tls the key store to serve HTTPS with, or null for plain HTTP (the default)
 * @param batchProcessingTime how long a message batch stays {@code in_progress} after its
 *        creation before it has {@code ended} (a create is always answered {@code in_progress})
 */
public record StubConfig(
        String host,
        int port,
        Set<String> apiKeys,
        int maxBodyBytes,
        Duration requestReadTimeout,
        AdminAccess adminAccess,
        Duration requestLatency,
        Duration eventLatency,
        double failureRate,
        int failureStatus,
        int retryAfterSeconds,
        int midStreamErrorAfterDeltas,
        boolean healthFailing,
        double dropRate,
        StubTls tls,
        Duration batchProcessingTime) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 0;
    public static final int DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
    /** The largest {@code maxBodyBytes}: bodies are read into memory. */
    public static final int MAX_BODY_BYTES_LIMIT = 1024 * 1024 * 1024;
    public static final Duration DEFAULT_REQUEST_READ_TIMEOUT = Duration.ofSeconds(30);
    /** The longest {@code requestReadTimeout}. */
    public static final Duration MAX_REQUEST_READ_TIMEOUT = Duration.ofHours(1);
    public static final AdminAccess DEFAULT_ADMIN_ACCESS = AdminAccess.LOOPBACK_ONLY;
    public static final Duration DEFAULT_BATCH_PROCESSING_TIME = Duration.ZERO;
    /** The longest {@code batchProcessingTime}: the real API's batches expire after a day. */
    public static final Duration MAX_BATCH_PROCESSING_TIME = Duration.ofDays(1);
    public static final int DEFAULT_FAILURE_STATUS = FaultSettings.DEFAULT_FAILURE_STATUS;
    public static final int DEFAULT_RETRY_AFTER_SECONDS = FaultSettings.DEFAULT_RETRY_AFTER_SECONDS;
    /** The value of {@code midStreamErrorAfterDeltas} that turns the mid-stream error off (the default). */
    public static final int MID_STREAM_ERROR_OFF = FaultSettings.MID_STREAM_ERROR_OFF;

    /** When the admin endpoint ({@code /admin/faults}, {@code /admin/stats}) is served. */
    public enum AdminAccess {
        /** Served when the stub is bound to a loopback address, else answered with 404 (the default). */
        LOOPBACK_ONLY,
        /** Always served, on any bind (the {@code --enable-admin} flag). */
        ENABLED,
        /** Never served (the {@code --disable-admin} flag). */
        DISABLED;

        /** Whether a stub bound to {@code boundAddress} serves the admin endpoint. */
        boolean allows(InetAddress boundAddress) {
            return switch (this) {
                case LOOPBACK_ONLY -> boundAddress.isLoopbackAddress();
                case ENABLED -> true;
                case DISABLED -> false;
            };
        }
    }

    /** Validates every setting; see {@link Builder#build()}. */
    public StubConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must be a host name or address such as \"" + DEFAULT_HOST
                    + "\", but was " + (host == null ? "null" : "\"" + host + "\""));
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535 (0 = any free port), but was " + port);
        }
        if (apiKeys == null) {
            throw new IllegalArgumentException("apiKeys must not be null; pass an empty set to accept any key");
        }
        for (String key : apiKeys) {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("apiKeys must not contain a null or blank key");
            }
        }
        apiKeys = Set.copyOf(apiKeys);
        if (maxBodyBytes < 1 || maxBodyBytes > MAX_BODY_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxBodyBytes must be from 1 to " + MAX_BODY_BYTES_LIMIT
                    + ", but was " + maxBodyBytes);
        }
        if (requestReadTimeout == null || requestReadTimeout.compareTo(Duration.ofMillis(1)) < 0
                || requestReadTimeout.compareTo(MAX_REQUEST_READ_TIMEOUT) > 0) {
            throw new IllegalArgumentException("requestReadTimeout must be from 1 ms to "
                    + MAX_REQUEST_READ_TIMEOUT.toMillis() + " ms, but was "
                    + (requestReadTimeout == null ? "null" : requestReadTimeout.toNanos() / 1e6 + " ms"));
        }
        if (adminAccess == null) {
            throw new IllegalArgumentException("adminAccess must not be null; the default is " + DEFAULT_ADMIN_ACCESS);
        }
        if (batchProcessingTime == null || batchProcessingTime.isNegative()
                || batchProcessingTime.compareTo(MAX_BATCH_PROCESSING_TIME) > 0) {
            throw new IllegalArgumentException("batchProcessingTime must be from 0 ms to "
                    + MAX_BATCH_PROCESSING_TIME.toMillis() + " ms, but was "
                    + (batchProcessingTime == null ? "null" : batchProcessingTime.toMillis() + " ms"));
        }
        new FaultSettings(requestLatency, eventLatency, failureRate, failureStatus, retryAfterSeconds,
                midStreamErrorAfterDeltas, healthFailing, dropRate);
    }

    /** The defaults of every setting: a stub on 127.0.0.1, any free port, no faults. */
    public static StubConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The faults the stub starts with. */
    FaultSettings faultSettings() {
        return new FaultSettings(requestLatency, eventLatency, failureRate, failureStatus, retryAfterSeconds,
                midStreamErrorAfterDeltas, healthFailing, dropRate);
    }

    /** Collects settings for a {@link StubConfig}. Not thread-safe; {@link #build()} validates. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private final Set<String> apiKeys = new LinkedHashSet<>();
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private Duration requestReadTimeout = DEFAULT_REQUEST_READ_TIMEOUT;
        private AdminAccess adminAccess = DEFAULT_ADMIN_ACCESS;
        private FaultSettings faults = FaultSettings.NONE;
        private StubTls tls;
        private Duration batchProcessingTime = DEFAULT_BATCH_PROCESSING_TIME;

        private Builder() {
        }

        private Builder(StubConfig config) {
            host = config.host;
            port = config.port;
            apiKeys.addAll(config.apiKeys);
            maxBodyBytes = config.maxBodyBytes;
            requestReadTimeout = config.requestReadTimeout;
            adminAccess = config.adminAccess;
            faults = config.faultSettings();
            tls = config.tls;
            batchProcessingTime = config.batchProcessingTime;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Adds one accepted {@code x-api-key}; with none added, any non-blank key is accepted. */
        public Builder apiKey(String apiKey) {
            apiKeys.add(apiKey);
            return this;
        }

        /** Replaces the accepted keys. */
        public Builder apiKeys(Set<String> apiKeys) {
            this.apiKeys.clear();
            this.apiKeys.addAll(apiKeys);
            return this;
        }

        public Builder maxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** Serve HTTPS with this key store; null (the default) serves plain HTTP. */
        public Builder tls(StubTls tls) {
            this.tls = tls;
            return this;
        }

        /** How long a client may take to send a whole request; see {@link StubConfig#requestReadTimeout()}. */
        public Builder requestReadTimeout(Duration timeout) {
            this.requestReadTimeout = timeout;
            return this;
        }

        /** How long a message batch stays in progress; see {@link StubConfig#batchProcessingTime()}. */
        public Builder batchProcessingTime(Duration time) {
            this.batchProcessingTime = time;
            return this;
        }

        public Builder adminAccess(AdminAccess adminAccess) {
            this.adminAccess = adminAccess;
            return this;
        }

        // The fault setters validate at once (FaultSettings checks every value it is built with), so
        // a bad value fails where it is passed; build() checks the whole again.

        public Builder requestLatency(Duration latency) {
            faults = faults.withRequestLatency(latency);
            return this;
        }

        public Builder eventLatency(Duration latency) {
            faults = faults.withEventLatency(latency);
            return this;
        }

        public Builder failureRate(double rate) {
            faults = faults.withFailureRate(rate);
            return this;
        }

        public Builder failureStatus(int status) {
            faults = faults.withFailureStatus(status);
            return this;
        }

        public Builder retryAfterSeconds(int seconds) {
            faults = faults.withRetryAfterSeconds(seconds);
            return this;
        }

        public Builder midStreamErrorAfterDeltas(int deltas) {
            faults = faults.withMidStreamErrorAfterDeltas(deltas);
            return this;
        }

        public Builder healthFailing(boolean failing) {
            faults = faults.withHealthFailing(failing);
            return this;
        }

        public Builder dropRate(double rate) {
            faults = faults.withDropRate(rate);
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the first bad setting, its value and the range
         */
        public StubConfig build() {
            return new StubConfig(host, port, apiKeys, maxBodyBytes, requestReadTimeout, adminAccess,
                    faults.requestLatency(),
                    faults.eventLatency(), faults.failureRate(), faults.failureStatus(), faults.retryAfterSeconds(),
                    faults.midStreamErrorAfterDeltas(), faults.healthFailing(), faults.dropRate(), tls,
                    batchProcessingTime);
        }
    }
}
