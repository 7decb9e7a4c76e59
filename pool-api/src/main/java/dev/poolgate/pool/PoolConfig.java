package dev.poolgate.pool;

import java.time.Duration;

/**
 * The settings of a pool: immutable, validated when built.
 *
 * <p>Build one with {@link #builder()}; every setting not given keeps its default, named by the
 * {@code DEFAULT_*} constants. {@link Builder#build()} rejects a bad value with a message that
 * names the setting, the value and the accepted range; no value is ever corrected silently.
 *
 * @param name the pool's name in log lines ({@code "Initializing Claude instance pool"})
 * @param connectionName the word for one connection in log lines and errors
 *        ({@code "Could not acquire Claude connection"}); by default the name without a trailing
 *        {@code " instance"}
 * @param minSize connections kept open even when idle, created before {@link Pool#create} returns
 * @param maxSize the most connections that exist at once, in use or idle
 * @param acquireTimeout how long {@link Pool#acquire()} waits for a connection
 * @param idleTimeout how long a connection may stay idle before it is closed, while more than
 *        {@code minSize} exist; {@link Duration#ZERO} keeps idle connections
 * @param healthCheckInterval how often idle connections are health-checked;
 *        {@link Duration#ZERO} turns the checks off
 * @param maxLifetime the age at which a connection is retired (when idle, or on its release);
 *        each connection's limit is shortened by a random jitter of up to 2.5% so that they do
 *        not all retire at once; {@link Duration#ZERO} (the default) turns it off
 * @param leakDetectionThreshold how long a lease may be held before it is reported as a
 *        possible leak, with the stack of its acquirer; {@link Duration#ZERO} (the default) turns
 *        it off
 * @param drainTimeout how long {@link Pool#close()} waits for leased connections to come back
 *        before destroying them anyway
 * @param destroyTimeout how long a connection removed from the pool still counts against
 *        {@code maxSize} while {@link ConnectionFactory#destroy} runs: its replacement is created
 *        once destroy returns or this time has passed, whichever comes first; a destroy that takes
 *        longer is reported and left to finish on its own thread
 * @param poolingEnabled {@code false} turns pooling off: every acquire creates a fresh
 *        connection, destroyed on release
 */
public record PoolConfig(
        String name,
        String connectionName,
        int minSize,
        int maxSize,
        Duration acquireTimeout,
        Duration idleTimeout,
        Duration healthCheckInterval,
        Duration maxLifetime,
        Duration leakDetectionThreshold,
        Duration drainTimeout,
        Duration destroyTimeout,
        boolean poolingEnabled) {

    public static final String DEFAULT_NAME = "Claude instance";
    public static final int DEFAULT_MIN_SIZE = 2;
    public static final int DEFAULT_MAX_SIZE = 10;
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(300);
    public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ZERO;
    public static final Duration DEFAULT_LEAK_DETECTION_THRESHOLD = Duration.ZERO;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_DESTROY_TIMEOUT = Duration.ofSeconds(1);
    public static final boolean DEFAULT_POOLING_ENABLED = true;

    /** Validates every setting; see {@link Builder#build()}. */
    public PoolConfig {
        Arguments.requireNonNull(name, "name", "pass a name such as \"" + DEFAULT_NAME + "\"");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank; pass a name such as \"" + DEFAULT_NAME + "\"");
        }
        Arguments.requireNonNull(connectionName, "connectionName", "pass a word such as \"Claude\"");
        if (connectionName.isBlank()) {
            throw new IllegalArgumentException("connectionName must not be blank; pass a word such as \"Claude\"");
        }
        Arguments.requireNotNegative(minSize, "minSize");
        if (maxSize < 1) {
            throw new IllegalArgumentException("maxSize must be >= 1, but was " + maxSize);
        }
        if (maxSize < minSize) {
            throw new IllegalArgumentException("maxSize must be >= minSize (" + minSize + "), but was " + maxSize
                    + "; raise maxSize or lower minSize");
        }
        Arguments.requirePositive(acquireTimeout, "acquireTimeout");
        Arguments.requireNotNegative(idleTimeout, "idleTimeout", "never closing idle connections");
        Arguments.requireNotNegative(healthCheckInterval, "healthCheckInterval", "no health checks");
        Arguments.requireNotNegative(maxLifetime, "maxLifetime", "no lifetime limit");
        Arguments.requireNotNegative(leakDetectionThreshold, "leakDetectionThreshold", "no leak detection");
        Arguments.requireNotNegative(drainTimeout, "drainTimeout", "destroying leased connections at once on close");
        Arguments.requirePositive(destroyTimeout, "destroyTimeout");
    }

    /** The defaults of every setting. */
    public static PoolConfig defaults() {
        return builder().build();
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Collects settings for a {@link PoolConfig}. Not thread-safe; {@link #build()} validates.
     */
    public static final class Builder {
        private String name = DEFAULT_NAME;
        private String connectionName;
        private int minSize = DEFAULT_MIN_SIZE;
        private int maxSize = DEFAULT_MAX_SIZE;
        private Duration acquireTimeout = DEFAULT_ACQUIRE_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration healthCheckInterval = DEFAULT_HEALTH_CHECK_INTERVAL;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private Duration leakDetectionThreshold = DEFAULT_LEAK_DETECTION_THRESHOLD;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Duration destroyTimeout = DEFAULT_DESTROY_TIMEOUT;
        private boolean poolingEnabled = DEFAULT_POOLING_ENABLED;

        private Builder() {
        }

        private Builder(PoolConfig config) {
            name = config.name;
            // A derived connection name stays derived, so that a new name derives a new one.
            connectionName = config.connectionName.equals(defaultConnectionName(config.name)) ? null
                    : config.connectionName;
            minSize = config.minSize;
            maxSize = config.maxSize;
            acquireTimeout = config.acquireTimeout;
            idleTimeout = config.idleTimeout;
            healthCheckInterval = config.healthCheckInterval;
            maxLifetime = config.maxLifetime;
            leakDetectionThreshold = config.leakDetectionThreshold;
            drainTimeout = config.drainTimeout;
            destroyTimeout = config.destroyTimeout;
            poolingEnabled = config.poolingEnabled;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder connectionName(String connectionName) {
            this.connectionName = connectionName;
            return this;
        }

        public Builder minSize(int minSize) {
            this.minSize = minSize;
            return this;
        }

        public Builder maxSize(int maxSize) {
            this.maxSize = maxSize;
            return this;
        }

        public Builder acquireTimeout(Duration acquireTimeout) {
            this.acquireTimeout = acquireTimeout;
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        public Builder healthCheckInterval(Duration healthCheckInterval) {
            this.healthCheckInterval = healthCheckInterval;
            return this;
        }

        public Builder maxLifetime(Duration maxLifetime) {
            this.maxLifetime = maxLifetime;
            return this;
        }

        public Builder leakDetectionThreshold(Duration leakDetectionThreshold) {
            this.leakDetectionThreshold = leakDetectionThreshold;
            return this;
        }

        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
            return this;
        }

        public Builder destroyTimeout(Duration destroyTimeout) {
            this.destroyTimeout = destroyTimeout;
            return this;
        }

        public Builder poolingEnabled(boolean poolingEnabled) {
            this.poolingEnabled = poolingEnabled;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the first bad setting, its value and the fix
         */
        public PoolConfig build() {
            String connection = connectionName != null ? connectionName : defaultConnectionName(name);
            return new PoolConfig(name, connection, minSize, maxSize, acquireTimeout, idleTimeout,
                    healthCheckInterval, maxLifetime, leakDetectionThreshold, drainTimeout, destroyTimeout,
                    poolingEnabled);
        }

        private static String defaultConnectionName(String name) {
            String suffix = " instance";
            if (name != null && name.endsWith(suffix) && !name.substring(0, name.length() - suffix.length()).isBlank()) {
                return name.substring(0, name.length() - suffix.length());
            }
            return name;
        }
    }
}
