package dev.poolgate.stub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link StubConfig}: its defaults and the validation of every setting. */
@Timeout(10)
class StubConfigTest {

    @Test
    void defaultsAreALoopbackStubOnAFreePortWithoutFaults() {
        StubConfig config = StubConfig.defaults();
        assertEquals("127.0.0.1", config.host());
        assertEquals(0, config.port());
        assertEquals(Set.of(), config.apiKeys());
        assertEquals(32 * 1024 * 1024, config.maxBodyBytes());
        assertEquals(Duration.ofSeconds(30), config.requestReadTimeout());
        assertEquals(StubConfig.AdminAccess.LOOPBACK_ONLY, config.adminAccess());
        assertEquals(FaultSettings.NONE, config.faultSettings());
    }

    @Test
    void toBuilderKeepsEverySetting() {
        StubConfig config = StubConfig.builder().host("localhost").port(8090).apiKey("a").apiKey("b")
                .maxBodyBytes(10).requestReadTimeout(Duration.ofMillis(250)).adminAccess(StubConfig.AdminAccess.ENABLED)
                .requestLatency(Duration.ofMillis(1))
                .eventLatency(Duration.ofMillis(2)).failureRate(0.5).failureStatus(529).retryAfterSeconds(3)
                .midStreamErrorAfterDeltas(4).healthFailing(true).dropRate(0.25)
                .batchProcessingTime(Duration.ofSeconds(5)).build();
        assertEquals(config, config.toBuilder().build());
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().host(" ").build(),
                        "host must be a host name or address such as \"127.0.0.1\", but was \" \""),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().port(65536).build(),
                        "port must be from 0 to 65535 (0 = any free port), but was 65536"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().apiKey("").build(),
                        "apiKeys must not contain a null or blank key"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().maxBodyBytes(0).build(),
                        "maxBodyBytes must be from 1 to 1073741824, but was 0"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().requestReadTimeout(Duration.ZERO).build(),
                        "requestReadTimeout must be from 1 ms to 3600000 ms, but was 0.0 ms"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().requestReadTimeout(Duration.ofHours(2))
                        .build(), "requestReadTimeout must be from 1 ms to 3600000 ms, but was 7200000.0 ms"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().requestReadTimeout(null).build(),
                        "requestReadTimeout must be from 1 ms to 3600000 ms, but was null"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().adminAccess(null).build(),
                        "adminAccess must not be null; the default is LOOPBACK_ONLY"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().requestLatency(Duration.ofMinutes(11)).build(),
                        "requestLatency must be between 0 and 600000 ms, but was PT11M"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().eventLatency(null).build(),
                        "eventLatency must not be null; pass Duration.ZERO for no added latency"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().failureRate(-0.1).build(),
                        "failureRate must be a number from 0 to 1 (0 = never, 1 = always), but was -0.1"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().failureStatus(503).build(),
                        "failureStatus must be one of 429 (rate_limit_error), 500 (api_error) or 529 (overloaded_error),"
                                + " but was 503"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().retryAfterSeconds(86_401).build(),
                        "retryAfterSeconds must be an integer from 0 to 86400 (seconds), but was 86401"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().midStreamErrorAfterDeltas(-5).build(),
                        "midStreamErrorAfterDeltas must be a number of deltas from 0 to 2147483647, or -1 for no"
                                + " mid-stream error, but was -5"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().batchProcessingTime(Duration.ofDays(2))
                        .build(), "batchProcessingTime must be from 0 ms to 86400000 ms, but was 172800000 ms"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().batchProcessingTime(null).build(),
                        "batchProcessingTime must be from 0 ms to 86400000 ms, but was null"),
                Arguments.of((Supplier<StubConfig>) () -> StubConfig.builder().dropRate(2).build(),
                        "dropRate must be a number from 0 to 1 (0 = never, 1 = always), but was 2.0"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    void badSettingIsRejectedNamingItTheValueAndTheRange(Supplier<StubConfig> build, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertEquals(message, e.getMessage());
    }
}
