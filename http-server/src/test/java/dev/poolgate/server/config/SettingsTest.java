package dev.poolgate.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.PoolConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SettingsTest {

    @Test
    void defaultsAreTheSpecsAndNameNoUpstream() {
        ServerConfig config = Settings.parse(new String[0], Map.of());
        assertEquals("127.0.0.1", config.host());
        assertEquals(8000, config.port());
        assertFalse(config.embeddedStub(), "the stub runs only when asked for");
        assertNull(config.upstream());
        assertEquals("text", config.logFormat());
        assertNull(config.upstreamApiKey());
        assertEquals(List.of(), config.proxyApiKeys());
        assertEquals(32L * 1024 * 1024, config.maxRequestBytes());
        assertEquals(Duration.ofSeconds(30), config.requestReadTimeout());
        PoolConfig pool = config.pool();
        assertEquals(PoolConfig.defaults().toBuilder().drainTimeout(Duration.ofSeconds(30)).build(), pool);
    }

    @Test
    void aKeyAloneMeansTheAnthropicApi() {
        ServerConfig config = Settings.parse(new String[0], Map.of("ANTHROPIC_API_KEY", "sk-secret"));
        assertEquals(URI.create("https://api.anthropic.com"), config.upstream());
        assertEquals("sk-secret", config.upstreamApiKey());
        assertFalse(config.toString().contains("sk-secret"), "the key never appears in the config's text");
        assertTrue(config.upstreamOnJvmTrust(), "the real API over https, on the JVM's trust store");
        assertFalse(Settings.parse(new String[] {"--upstream", "stub"}, Map.of()).upstreamOnJvmTrust());
        assertFalse(Settings.parse(new String[] {"--anthropic-base-url", "http://127.0.0.1:9"}, Map.of())
                .upstreamOnJvmTrust());
    }

    @Test
    void flagsWinOverEnvironmentVariables() {
        ServerConfig config = Settings.parse(new String[] {"--pool-max-size", "20", "--port=9000",
                "--pool-acquire-timeout", "250ms", "--pool-idle-timeout", "2m", "--pool-enabled", "false"},
                Map.of("POOLGATE_POOL_MAX_SIZE", "15", "POOLGATE_PORT", "8001",
                        "ANTHROPIC_BASE_URL", "http://127.0.0.1:9999/"));
        assertEquals(20, config.pool().maxSize());
        assertEquals(9000, config.port());
        assertEquals(Duration.ofMillis(250), config.pool().acquireTimeout());
        assertEquals(Duration.ofMinutes(2), config.pool().idleTimeout());
        assertFalse(config.pool().poolingEnabled());
        assertEquals(URI.create("http://127.0.0.1:9999"), config.upstream());
    }

    @Test
    void durationsAcceptSecondsAndUnits() {
        ServerConfig config = Settings.parse(new String[] {"--pool-acquire-timeout", "0.5",
                "--pool-health-check-interval", "0", "--drain-timeout", "3s"},
                Map.of("POOLGATE_REQUEST_READ_TIMEOUT", "1500ms"));
        assertEquals(Duration.ofMillis(500), config.pool().acquireTimeout());
        assertEquals(Duration.ofMillis(1500), config.requestReadTimeout());
        assertEquals(Duration.ZERO, config.pool().healthCheckInterval());
        assertEquals(Duration.ofSeconds(3), config.drainTimeout());
    }

    @Test
    void invalidValuesNameTheSettingAndTheAcceptedRange() {
        assertEquals("Invalid --pool-max-size / POOLGATE_POOL_MAX_SIZE: 'ten'; expected an integer from 1 to 10000",
                message(new String[] {"--pool-max-size", "ten"}, Map.of()));
        assertEquals("Invalid --port / POOLGATE_PORT: '70000'; expected an integer from 0 to 65535",
                message(new String[0], Map.of("POOLGATE_PORT", "70000")));
        assertEquals("Invalid --pool-acquire-timeout / POOLGATE_POOL_ACQUIRE_TIMEOUT: '0'; expected a duration > 0, "
                + "in seconds (5, 0.5) or with a unit (500ms, 5s, 2m)",
                message(new String[] {"--pool-acquire-timeout", "0"}, Map.of()));
        assertEquals("Invalid --request-read-timeout / POOLGATE_REQUEST_READ_TIMEOUT: '0s'; expected a duration > 0, "
                + "in seconds (5, 0.5) or with a unit (500ms, 5s, 2m)",
                message(new String[] {"--request-read-timeout", "0s"}, Map.of()));
        assertEquals("Invalid --pool-enabled / POOLGATE_POOL_ENABLED: 'maybe'; expected true or false",
                message(new String[] {"--pool-enabled", "maybe"}, Map.of()));
        assertEquals("Invalid --anthropic-base-url / ANTHROPIC_BASE_URL: 'ftp://x'; expected an http:// or "
                + "https:// URL such as https://api.anthropic.com",
                message(new String[] {"--anthropic-base-url", "ftp://x"}, Map.of()));
        assertTrue(message(new String[] {"--pool-min-size", "5", "--pool-max-size", "3"}, Map.of())
                .startsWith("Invalid pool settings: maxSize must be >= minSize (5), but was 3"));
        assertEquals("Unknown option --pool-size; see --help for the options",
                message(new String[] {"--pool-size", "3"}, Map.of()));
        assertEquals("Missing value for --port; write --port <value>", message(new String[] {"--port"}, Map.of()));
    }

    @Test
    void upstreamRetriesAreOffByDefaultAndSetByFlagOrVariable() {
        assertEquals(UpstreamRetries.OFF, Settings.parse(new String[0], Map.of()).upstreamRetries());
        assertFalse(UpstreamRetries.OFF.enabled());

        ServerConfig config = Settings.parse(new String[] {"--upstream-retries", "3", "--upstream-retry-backoff",
                "250ms"}, Map.of("POOLGATE_UPSTREAM_RETRIES", "1", "POOLGATE_UPSTREAM_RETRY_MAX_BACKOFF", "20s"));

        assertEquals(new UpstreamRetries(3, Duration.ofMillis(250), Duration.ofSeconds(20)), config.upstreamRetries());
        assertTrue(config.toString().contains("upstreamRetries=UpstreamRetries[retries=3"), config.toString());
    }

    @Test
    void badRetrySettingsNameTheSettingAndTheRange() {
        assertEquals("Invalid --upstream-retries / POOLGATE_UPSTREAM_RETRIES: '11'; expected an integer from 0 to 10",
                message(new String[] {"--upstream-retries", "11"}, Map.of()));
        assertEquals("Invalid --upstream-retries / POOLGATE_UPSTREAM_RETRIES: '-1'; expected an integer from 0 to 10",
                message(new String[0], Map.of("POOLGATE_UPSTREAM_RETRIES", "-1")));
        assertEquals("Invalid --upstream-retry-backoff / POOLGATE_UPSTREAM_RETRY_BACKOFF: '0'; expected a duration "
                + "> 0, in seconds (5, 0.5) or with a unit (500ms, 5s, 2m)",
                message(new String[] {"--upstream-retry-backoff", "0"}, Map.of()));
        assertEquals("Invalid --upstream-retry-max-backoff / POOLGATE_UPSTREAM_RETRY_MAX_BACKOFF: '1s'; expected a "
                + "duration >= --upstream-retry-backoff (2s)",
                message(new String[] {"--upstream-retry-backoff", "2s", "--upstream-retry-max-backoff", "1s"},
                        Map.of()));
    }

    @Test
    void adminKeysAreAListOfTheirOwn() {
        ServerConfig config = Settings.parse(new String[] {"--admin-api-keys", " a1, a2 ,"},
                Map.of("POOLGATE_PROXY_API_KEYS", "p1"));
        assertEquals(List.of("a1", "a2"), config.adminApiKeys());
        assertEquals(List.of("p1"), config.proxyApiKeys());
        assertEquals(List.of("a3"), Settings.parse(new String[0], Map.of("POOLGATE_ADMIN_API_KEYS", "a3"))
                .adminApiKeys());
        assertFalse(config.toString().contains("a1"), config.toString());
    }

    @Test
    void keysThatAHeaderCannotCarryAreRefusedWithoutShowingThem() {
        assertEquals("Invalid --admin-api-keys / POOLGATE_ADMIN_API_KEYS: (hidden); expected comma-separated keys "
                + "of visible ASCII characters (no spaces)",
                message(new String[] {"--admin-api-keys", "ok,has space"}, Map.of()));
        assertEquals("Invalid --proxy-api-keys / POOLGATE_PROXY_API_KEYS: (hidden); expected comma-separated keys "
                + "of visible ASCII characters (no spaces)",
                message(new String[0], Map.of("POOLGATE_PROXY_API_KEYS", "caf\u00e9")));
        // No header can carry a key with a line break; refused before anything could print it.
        assertEquals("Invalid --anthropic-api-key / ANTHROPIC_API_KEY: (hidden); expected visible ASCII characters, "
                + "as in the key the Anthropic console shows",
                message(new String[0], Map.of("ANTHROPIC_API_KEY", "sk-ant-secret\nmore")));
    }

    @Test
    void aStrayArgumentIsNotEchoedSinceItMayBeAKey() {
        String message = message(new String[] {"--port", "0", "sk-ant-stray-secret"}, Map.of());
        assertEquals("Unexpected argument #3 (not shown: it may be a key); options start with --, see --help",
                message);
    }

    @Test
    void helpListsEverySettingWithItsVariableAndDefault() {
        String help = Settings.help();
        for (Settings.Setting setting : Settings.Setting.values()) {
            assertTrue(help.contains(setting.flag) && help.contains(setting.variable), setting::name);
        }
        assertTrue(Settings.wantsHelp(new String[] {"--help"}));
    }

    @Test
    void upstreamStubAsksForTheEmbeddedStubByFlagOrVariable() {
        assertTrue(Settings.parse(new String[] {"--upstream", "stub"}, Map.of()).embeddedStub());
        assertTrue(Settings.parse(new String[0], Map.of("POOLGATE_UPSTREAM", "stub")).embeddedStub());
    }

    @Test
    void upstreamStubWithARealUpstreamIsRefused() {
        String message = message(new String[] {"--upstream", "stub"}, Map.of("ANTHROPIC_API_KEY", "sk-secret"));
        assertTrue(message.contains("drop --upstream stub"), message);
        assertFalse(message.contains("sk-secret"), message);
        assertTrue(message(new String[] {"--upstream", "stub", "--anthropic-base-url", "http://127.0.0.1:1"},
                Map.of()).contains("Both --upstream / POOLGATE_UPSTREAM stub"));
    }

    @Test
    void anUnknownUpstreamModeOrLogFormatIsRefused() {
        assertTrue(message(new String[] {"--upstream", "anthropic"}, Map.of()).startsWith(
                "Invalid --upstream / POOLGATE_UPSTREAM: 'anthropic'; expected 'stub'"));
        assertTrue(message(new String[] {"--log-format", "xml"}, Map.of()).startsWith(
                "Invalid --log-format / POOLGATE_LOG_FORMAT: 'xml'; expected text or json"));
        assertEquals("json", Settings.parse(new String[] {"--log-format", "JSON"}, Map.of()).logFormat());
    }

    private static String message(String[] args, Map<String, String> environment) {
        return assertThrows(IllegalArgumentException.class, () -> Settings.parse(args, environment)).getMessage();
    }
}
