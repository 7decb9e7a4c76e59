package dev.poolgate.stub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The jar's flags: each maps onto its setting; a bad one stops start-up naming the flag and the range. */
@Timeout(10)
class CommandLineTest {

    @Test
    void noFlagsGiveTheDefaults() {
        CommandLine commandLine = CommandLine.parse();
        assertFalse(commandLine.help());
        assertEquals(StubConfig.defaults(), commandLine.config());
    }

    @Test
    void everyFlagSetsItsSetting() {
        StubConfig config = CommandLine.parse("--host", "localhost", "--port=8090", "--api-key", "k1", "--api-key=k2",
                "--max-body-bytes", "2048", "--request-read-timeout-ms", "1500", "--enable-admin", "--latency-ms",
                "100", "--event-latency-ms=20",
                "--failure-rate", "0.5", "--failure-status", "529", "--retry-after-seconds", "9",
                "--mid-stream-error-after", "3", "--health-failing", "--drop-rate", "0.1",
                "--batch-processing-ms", "2500").config();

        assertEquals("localhost", config.host());
        assertEquals(8090, config.port());
        assertEquals(Set.of("k1", "k2"), config.apiKeys());
        assertEquals(2048, config.maxBodyBytes());
        assertEquals(Duration.ofMillis(1500), config.requestReadTimeout());
        assertEquals(StubConfig.AdminAccess.ENABLED, config.adminAccess());
        assertEquals(Duration.ofMillis(100), config.requestLatency());
        assertEquals(Duration.ofMillis(20), config.eventLatency());
        assertEquals(0.5, config.failureRate());
        assertEquals(529, config.failureStatus());
        assertEquals(9, config.retryAfterSeconds());
        assertEquals(3, config.midStreamErrorAfterDeltas());
        assertTrue(config.healthFailing());
        assertEquals(0.1, config.dropRate());
        assertEquals(Duration.ofMillis(2500), config.batchProcessingTime());
    }

    @Test
    void disableAdminTurnsTheAdminEndpointOff() {
        assertEquals(StubConfig.AdminAccess.DISABLED, CommandLine.parse("--disable-admin").config().adminAccess());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--port 70000 | --port must be an integer from 0 to 65535 (0 = any free port), but was \"70000\"",
        "--port eighty | --port must be an integer from 0 to 65535 (0 = any free port), but was \"eighty\"",
        "--port | --port needs a value: an integer from 0 to 65535 (0 = any free port)",
        "--latency-ms -1 | --latency-ms must be an integer from 0 to 600000 (milliseconds), but was \"-1\"",
        "--event-latency-ms 600001 | --event-latency-ms must be an integer from 0 to 600000 (milliseconds), but was \"600001\"",
        "--failure-rate 1.5 | --failure-rate must be a number from 0 to 1, but was \"1.5\"",
        "--drop-rate half | --drop-rate must be a number from 0 to 1, but was \"half\"",
        "--failure-status 503 | --failure-status must be one of 429 (rate_limit_error), 500 (api_error) or 529 (overloaded_error), but was 503",
        "--retry-after-seconds 86401 | --retry-after-seconds must be an integer from 0 to 86400 (seconds), but was \"86401\"",
        "--mid-stream-error-after -1 | --mid-stream-error-after must be an integer from 0 to 2147483647 (text deltas), but was \"-1\"",
        "--max-body-bytes 0 | --max-body-bytes must be an integer from 1 to 1073741824, but was \"0\"",
        "--request-read-timeout-ms 0 | --request-read-timeout-ms must be an integer from 1 to 3600000 (milliseconds), but was \"0\"",
        "--health-failing=yes | --health-failing takes no value, but was given \"yes\"",
        "--enable-admin --disable-admin | give at most one of --enable-admin and --disable-admin",
        "--batch-processing-ms 86400001 | --batch-processing-ms must be an integer from 0 to 86400000 (milliseconds), but was \"86400001\"",
        "--verbose | unknown flag \"--verbose\"",
        "8090 | unknown flag \"8090\""})
    void badFlagIsRejectedNamingTheFlagAndTheRange(String args, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse(args.split(" ")));
        assertEquals(message, e.getMessage());
    }

    @Test
    void helpPrintsTheUsageAndStartsNothing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--help"}, print(out), print(err));

        assertEquals(0, status);
        String usage = out.toString(StandardCharsets.UTF_8);
        assertTrue(usage.startsWith("Usage: java -jar stub-backend.jar [flags]"), usage);
        for (String flag : new String[] {"--host", "--port", "--api-key", "--max-body-bytes",
                "--request-read-timeout-ms", "--enable-admin",
                "--disable-admin", "--latency-ms", "--event-latency-ms", "--failure-rate", "--failure-status",
                "--retry-after-seconds", "--mid-stream-error-after", "--health-failing", "--drop-rate", "--help"}) {
            assertTrue(usage.contains("  " + flag + " "), "the usage lists " + flag);
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badFlagStopsStartUpWithExitStatus2AndTheMessage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--port", "-3"}, print(out), print(err));

        assertEquals(Main.EXIT_USAGE, status);
        assertEquals("stub-backend: --port must be an integer from 0 to 65535 (0 = any free port), but was \"-3\"\n"
                + "Run with --help to list the flags.\n", err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void busyPortStopsStartUpWithExitStatus1() {
        try (StubBackend running = StubBackend.start(StubConfig.defaults())) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.run(new String[] {"--port", Integer.toString(running.port())},
                    print(new ByteArrayOutputStream()), print(err));

            assertEquals(Main.EXIT_START_FAILED, status);
            assertTrue(err.toString(StandardCharsets.UTF_8).startsWith(
                    "stub-backend: Could not start the stub backend on 127.0.0.1:" + running.port()), err::toString);
        }
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
