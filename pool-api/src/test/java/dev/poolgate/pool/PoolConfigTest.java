package dev.poolgate.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PoolConfig}: the defaults of the spec ({@code shared/spec/pool-logs.md}, "Defaults"),
 * validation that names the setting and the bad value, and a builder that round-trips.
 */
@Timeout(10)
class PoolConfigTest {

    @Test
    void defaultsAreThoseOfTheSpec() {
        PoolConfig config = PoolConfig.defaults();
        assertEquals("Claude instance", config.name());
        assertEquals("Claude", config.connectionName());
        assertEquals(2, config.minSize());
        assertEquals(10, config.maxSize());
        assertEquals(Duration.ofSeconds(5), config.acquireTimeout());
        assertEquals(Duration.ofSeconds(300), config.idleTimeout());
        assertEquals(Duration.ofSeconds(60), config.healthCheckInterval());
        assertEquals(Duration.ZERO, config.maxLifetime());
        assertEquals(Duration.ZERO, config.leakDetectionThreshold());
        assertEquals(Duration.ofSeconds(30), config.drainTimeout());
        assertEquals(Duration.ofSeconds(1), config.destroyTimeout());
        assertTrue(config.poolingEnabled());
    }

    @Test
    void defaultsAreTheNamedConstantsAndWhatAnEmptyBuilderBuilds() {
        PoolConfig config = PoolConfig.builder().build();
        assertEquals(PoolConfig.defaults(), config);
        assertEquals(PoolConfig.DEFAULT_NAME, config.name());
        assertEquals(PoolConfig.DEFAULT_MIN_SIZE, config.minSize());
        assertEquals(PoolConfig.DEFAULT_MAX_SIZE, config.maxSize());
        assertEquals(PoolConfig.DEFAULT_ACQUIRE_TIMEOUT, config.acquireTimeout());
        assertEquals(PoolConfig.DEFAULT_IDLE_TIMEOUT, config.idleTimeout());
        assertEquals(PoolConfig.DEFAULT_HEALTH_CHECK_INTERVAL, config.healthCheckInterval());
        assertEquals(PoolConfig.DEFAULT_MAX_LIFETIME, config.maxLifetime());
        assertEquals(PoolConfig.DEFAULT_LEAK_DETECTION_THRESHOLD, config.leakDetectionThreshold());
        assertEquals(PoolConfig.DEFAULT_DRAIN_TIMEOUT, config.drainTimeout());
        assertEquals(PoolConfig.DEFAULT_DESTROY_TIMEOUT, config.destroyTimeout());
        assertEquals(PoolConfig.DEFAULT_POOLING_ENABLED, config.poolingEnabled());
    }

    /** One bad setting and the start of the message that must reject it: the setting, the rule, the value. */
    record Invalid(String change, UnaryOperator<PoolConfig.Builder> apply, String message) {
        @Override
        public String toString() {
            return change;
        }
    }

    static Stream<Invalid> invalidSettings() {
        return Stream.of(
                new Invalid("name null", b -> b.name(null), "name must not be null"),
                new Invalid("name blank", b -> b.name("  "), "name must not be blank"),
                new Invalid("connectionName empty", b -> b.connectionName(""), "connectionName must not be blank"),
                new Invalid("connectionName blank", b -> b.connectionName(" \t"), "connectionName must not be blank"),
                new Invalid("minSize -1", b -> b.minSize(-1), "minSize must be >= 0, but was -1"),
                new Invalid("maxSize 0", b -> b.minSize(0).maxSize(0), "maxSize must be >= 1, but was 0"),
                new Invalid("maxSize -3", b -> b.minSize(0).maxSize(-3), "maxSize must be >= 1, but was -3"),
                new Invalid("maxSize below minSize", b -> b.maxSize(1),
                        "maxSize must be >= minSize (2), but was 1"),
                new Invalid("minSize above maxSize", b -> b.minSize(11),
                        "maxSize must be >= minSize (11), but was 10"),
                new Invalid("acquireTimeout null", b -> b.acquireTimeout(null), "acquireTimeout must not be null"),
                new Invalid("acquireTimeout zero", b -> b.acquireTimeout(Duration.ZERO),
                        "acquireTimeout must be > 0, but was PT0S"),
                new Invalid("acquireTimeout negative", b -> b.acquireTimeout(Duration.ofSeconds(-1)),
                        "acquireTimeout must be > 0, but was PT-1S"),
                new Invalid("idleTimeout null", b -> b.idleTimeout(null), "idleTimeout must not be null"),
                new Invalid("idleTimeout negative", b -> b.idleTimeout(Duration.ofMillis(-1)),
                        "idleTimeout must be >= 0 (0 for never closing idle connections), but was PT-0.001S"),
                new Invalid("healthCheckInterval null", b -> b.healthCheckInterval(null),
                        "healthCheckInterval must not be null"),
                new Invalid("healthCheckInterval negative", b -> b.healthCheckInterval(Duration.ofSeconds(-60)),
                        "healthCheckInterval must be >= 0 (0 for no health checks), but was PT-1M"),
                new Invalid("maxLifetime null", b -> b.maxLifetime(null), "maxLifetime must not be null"),
                new Invalid("maxLifetime negative", b -> b.maxLifetime(Duration.ofSeconds(-2)),
                        "maxLifetime must be >= 0 (0 for no lifetime limit), but was PT-2S"),
                new Invalid("leakDetectionThreshold null", b -> b.leakDetectionThreshold(null),
                        "leakDetectionThreshold must not be null"),
                new Invalid("leakDetectionThreshold negative", b -> b.leakDetectionThreshold(Duration.ofSeconds(-3)),
                        "leakDetectionThreshold must be >= 0 (0 for no leak detection), but was PT-3S"),
                new Invalid("drainTimeout null", b -> b.drainTimeout(null), "drainTimeout must not be null"),
                new Invalid("drainTimeout negative", b -> b.drainTimeout(Duration.ofSeconds(-4)),
                        "drainTimeout must be >= 0 (0 for destroying leased connections at once on close), "
                                + "but was PT-4S"),
                new Invalid("destroyTimeout null", b -> b.destroyTimeout(null), "destroyTimeout must not be null"),
                new Invalid("destroyTimeout zero", b -> b.destroyTimeout(Duration.ZERO),
                        "destroyTimeout must be > 0, but was PT0S"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSettings")
    void buildRejectsAnInvalidSettingNamingItAndItsValue(Invalid invalid) {
        PoolConfig.Builder builder = invalid.apply().apply(PoolConfig.builder());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().startsWith(invalid.message()),
                () -> "expected a message starting with \"" + invalid.message() + "\" but was \"" + e.getMessage()
                        + "\"");
    }

    @Test
    void maxSizeBelowMinSizeSaysHowToFixIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PoolConfig.builder().maxSize(1).build());
        assertEquals("maxSize must be >= minSize (2), but was 1; raise maxSize or lower minSize", e.getMessage());
    }

    @Test
    void nullsAreRejectedWithTheSettingsNameAndAFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PoolConfig.builder().idleTimeout(null).build());
        assertEquals("idleTimeout must not be null; pass Duration.ZERO for never closing idle connections",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PoolConfig.builder().acquireTimeout(null).build());
        assertEquals("acquireTimeout must not be null; pass a positive duration, e.g. Duration.ofSeconds(5)",
                e.getMessage());
    }

    @Test
    void theCanonicalConstructorValidatesToo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PoolConfig("Claude instance", null, 2, 10, Duration.ofSeconds(5), Duration.ofSeconds(300),
                        Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30), Duration.ofSeconds(1), true));
        assertTrue(e.getMessage().startsWith("connectionName must not be null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new PoolConfig("Claude instance", "Claude", 3, 2, Duration.ofSeconds(5), Duration.ofSeconds(300),
                        Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30), Duration.ofSeconds(1), true));
        assertTrue(e.getMessage().startsWith("maxSize must be >= minSize (3), but was 2"), e.getMessage());
    }

    @Test
    void boundaryValuesAreAcceptedExactlyAsGiven() {
        PoolConfig config = PoolConfig.builder()
                .minSize(0)
                .maxSize(1)
                .acquireTimeout(Duration.ofNanos(1))
                .idleTimeout(Duration.ZERO)
                .healthCheckInterval(Duration.ZERO)
                .maxLifetime(Duration.ZERO)
                .leakDetectionThreshold(Duration.ZERO)
                .drainTimeout(Duration.ZERO)
                .poolingEnabled(false)
                .build();
        assertEquals(0, config.minSize());
        assertEquals(1, config.maxSize());
        assertEquals(Duration.ofNanos(1), config.acquireTimeout());
        assertEquals(Duration.ZERO, config.idleTimeout());
        assertEquals(Duration.ZERO, config.healthCheckInterval());
        assertEquals(Duration.ZERO, config.maxLifetime());
        assertEquals(Duration.ZERO, config.leakDetectionThreshold());
        assertEquals(Duration.ZERO, config.drainTimeout());
        assertEquals(false, config.poolingEnabled());

        PoolConfig equalSizes = PoolConfig.builder().minSize(7).maxSize(7).build();
        assertEquals(7, equalSizes.minSize());
        assertEquals(7, equalSizes.maxSize());
    }

    @Test
    void toBuilderRoundTripsEverySetting() {
        PoolConfig config = PoolConfig.builder()
                .name("Billing pool")
                .connectionName("billing")
                .minSize(3)
                .maxSize(4)
                .acquireTimeout(Duration.ofMillis(1500))
                .idleTimeout(Duration.ofSeconds(7))
                .healthCheckInterval(Duration.ofSeconds(8))
                .maxLifetime(Duration.ofMinutes(9))
                .leakDetectionThreshold(Duration.ofSeconds(10))
                .drainTimeout(Duration.ofSeconds(11))
                .poolingEnabled(false)
                .build();
        assertEquals(config, config.toBuilder().build());
        assertEquals(PoolConfig.defaults(), PoolConfig.defaults().toBuilder().build());
    }

    @Test
    void toBuilderChangesOnlyWhatIsSet() {
        PoolConfig config = PoolConfig.defaults();
        PoolConfig bigger = config.toBuilder().maxSize(20).build();
        assertEquals(20, bigger.maxSize());
        assertEquals(10, config.maxSize(), "the original is immutable");
        assertEquals(config, bigger.toBuilder().maxSize(10).build());
    }

    @Test
    void connectionNameIsTheNameWithoutATrailingInstance() {
        assertEquals("Claude", PoolConfig.builder().name("Claude instance").build().connectionName());
        assertEquals("Billing", PoolConfig.builder().name("Billing instance").build().connectionName());
        assertEquals("Billing", PoolConfig.builder().name("Billing").build().connectionName());
        assertEquals("instance", PoolConfig.builder().name("instance").build().connectionName());
        assertEquals("Claude Instance", PoolConfig.builder().name("Claude Instance").build().connectionName(),
                "only the lower-case word is dropped");
        assertEquals("Claude instances", PoolConfig.builder().name("Claude instances").build().connectionName());
    }

    @Test
    void explicitConnectionNameWinsOverTheDerivedOne() {
        assertEquals("model", PoolConfig.builder().name("Claude instance").connectionName("model").build()
                .connectionName());
        assertEquals("Claude", PoolConfig.builder().connectionName("model").connectionName(null).build()
                .connectionName(), "null means derive it from the name");
    }

    @Test
    void aDerivedConnectionNameFollowsANewNameThroughToBuilder() {
        assertEquals("Billing", PoolConfig.defaults().toBuilder().name("Billing instance").build().connectionName());
        PoolConfig explicit = PoolConfig.builder().connectionName("model").build();
        assertEquals("model", explicit.toBuilder().name("Billing instance").build().connectionName(),
                "an explicit connection name is kept");
    }

    @Test
    void aNameThatIsOnlyTheSuffixKeepsItsOwnWordAsConnectionName() {
        assertEquals("  instance", PoolConfig.builder().name("  instance").build().connectionName());
    }
}
