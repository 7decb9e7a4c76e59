package dev.poolgate.stub;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The jar's command-line flags, parsed into a {@link StubConfig}. Each flag maps onto one setting;
 * a value may follow as the next argument or after {@code =} ({@code --port 8090},
 * {@code --port=8090}). A bad flag or value is an {@link IllegalArgumentException} naming the flag
 * and the accepted range; start-up stops there.
 *
 * @param help {@code --help} was given: print {@link #USAGE} and do nothing else
 * @param config the settings of the flags
 */
record CommandLine(boolean help, StubConfig config) {

    /** The password of {@code --tls-keystore} when {@code --tls-password} is not given: keytool's usual one. */
    static final String DEFAULT_TLS_PASSWORD = "changeit";

    static final String USAGE = """
            Usage: java -jar stub-backend.jar [flags]

            A stub of the Anthropic Messages API for demos and tests: deterministic replies, the
            real API's checks and error shapes, faults on demand. Every fault is off unless a flag
            or the admin endpoint turns it on.

            Where it listens
              --host HOST                   address to bind (default 127.0.0.1)
              --port PORT                   0 to 65535; 0 = any free port (default 0)
              --api-key KEY                 accept only this x-api-key; repeat for several
                                            (default: any non-blank key)
              --max-body-bytes N            largest request body, 1 to 1073741824
                                            (default 33554432 = 32 MB); larger gets 413
              --request-read-timeout-ms MS  how long a client may take to send a whole request,
                                            1 to 3600000 (default 30000); then its connection
                                            is closed
              --enable-admin                serve /admin/... on any bind (default: only when
                                            bound to a loopback address)
              --disable-admin               never serve /admin/...
              --tls-keystore FILE           serve HTTPS with the key and certificate of this
                                            PKCS#12 key store (default: plain HTTP)
              --tls-password PASSWORD       the key store's password (default: changeit)
              --batch-processing-ms MS      how long a message batch stays in_progress,
                                            0 to 86400000 (default 0: ended when next read)

            Faults (also at run time: GET/POST /admin/faults, POST /admin/faults/reset)
              --latency-ms MS               added before each API and health answer, 0 to 600000
              --event-latency-ms MS         added before each streamed event, 0 to 600000
              --failure-rate R              fraction of API requests that fail, 0 to 1
              --failure-status S            status of those failures: 429, 500 or 529 (default 500)
              --retry-after-seconds N       retry-after of an injected 429 or 529, 0 to 86400
                                            (default 1)
              --mid-stream-error-after N    streams end with an error event after N deltas,
                                            0 to 2147483647 (default: off)
              --health-failing              GET /health answers 503
              --drop-rate R                 fraction of API and health requests whose connection
                                            is closed without a response, 0 to 1

              --help                        print this and exit
            """;

    static CommandLine parse(String... args) {
        StubConfig.Builder config = StubConfig.builder();
        boolean help = false;
        boolean adminFlagSeen = false;
        Path tlsKeyStore = null;
        String tlsPassword = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String flag = arg;
            String inlineValue = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                flag = arg.substring(0, equals);
                inlineValue = arg.substring(equals + 1);
            }
            boolean takesValue = switch (flag) {
                case "--help", "-h", "--enable-admin", "--disable-admin", "--health-failing" -> false;
                default -> true;
            };
            if (!takesValue && inlineValue != null) {
                throw new IllegalArgumentException(flag + " takes no value, but was given \"" + inlineValue + "\"");
            }
            String value = null;
            if (takesValue && isKnown(flag)) {
                if (inlineValue != null) {
                    value = inlineValue;
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException(flag + " needs a value: " + range(flag));
                }
            }
            switch (flag) {
                case "--help", "-h" -> help = true;
                case "--enable-admin", "--disable-admin" -> {
                    if (adminFlagSeen) {
                        throw new IllegalArgumentException("give at most one of --enable-admin and --disable-admin");
                    }
                    adminFlagSeen = true;
                    config.adminAccess(flag.equals("--enable-admin")
                            ? StubConfig.AdminAccess.ENABLED : StubConfig.AdminAccess.DISABLED);
                }
                case "--health-failing" -> config.healthFailing(true);
                case "--host" -> {
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("--host must be " + range(flag) + ", but was empty");
                    }
                    config.host(value);
                }
                case "--port" -> config.port((int) integer(flag, value, 0, 65535));
                case "--api-key" -> {
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("--api-key must be " + range(flag) + ", but was empty");
                    }
                    config.apiKey(value);
                }
                case "--max-body-bytes" -> config.maxBodyBytes(
                        (int) integer(flag, value, 1, StubConfig.MAX_BODY_BYTES_LIMIT));
                case "--request-read-timeout-ms" -> config.requestReadTimeout(Duration.ofMillis(
                        integer(flag, value, 1, StubConfig.MAX_REQUEST_READ_TIMEOUT.toMillis())));
                case "--latency-ms" -> config.requestLatency(
                        Duration.ofMillis(integer(flag, value, 0, FaultSettings.MAX_LATENCY_MS)));
                case "--event-latency-ms" -> config.eventLatency(
                        Duration.ofMillis(integer(flag, value, 0, FaultSettings.MAX_LATENCY_MS)));
                case "--failure-rate" -> config.failureRate(rate(flag, value));
                case "--failure-status" -> {
                    long status = integer(flag, value, 0, 999);
                    FaultSettings.requireFailureStatus(flag, status);
                    config.failureStatus((int) status);
                }
                case "--retry-after-seconds" -> config.retryAfterSeconds(
                        (int) integer(flag, value, 0, FaultSettings.MAX_RETRY_AFTER_SECONDS));
                case "--mid-stream-error-after" -> config.midStreamErrorAfterDeltas(
                        (int) integer(flag, value, 0, Integer.MAX_VALUE));
                case "--drop-rate" -> config.dropRate(rate(flag, value));
                case "--tls-keystore" -> {
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("--tls-keystore must be " + range(flag) + ", but was empty");
                    }
                    tlsKeyStore = Path.of(value);
                }
                case "--tls-password" -> tlsPassword = value;
                case "--batch-processing-ms" -> config.batchProcessingTime(Duration.ofMillis(
                        integer(flag, value, 0, StubConfig.MAX_BATCH_PROCESSING_TIME.toMillis())));
                default -> throw new IllegalArgumentException("unknown flag \"" + arg + "\"");
            }
        }
        if (tlsKeyStore != null) {
            config.tls(new StubTls(tlsKeyStore, tlsPassword == null ? DEFAULT_TLS_PASSWORD : tlsPassword));
        } else if (tlsPassword != null) {
            throw new IllegalArgumentException("--tls-password needs --tls-keystore FILE");
        }
        return new CommandLine(help, config.build());
    }

    private static boolean isKnown(String flag) {
        return !range(flag).isEmpty();
    }

    /** What a flag's value may be, for error messages; empty for an unknown flag. */
    private static String range(String flag) {
        return switch (flag) {
            case "--host" -> "a host name or address such as 127.0.0.1";
            case "--port" -> "an integer from 0 to 65535 (0 = any free port)";
            case "--api-key" -> "a non-blank key";
            case "--max-body-bytes" -> "an integer from 1 to " + StubConfig.MAX_BODY_BYTES_LIMIT;
            case "--request-read-timeout-ms" -> "an integer from 1 to " + StubConfig.MAX_REQUEST_READ_TIMEOUT.toMillis()
                    + " (milliseconds)";
            case "--latency-ms", "--event-latency-ms" -> "an integer from 0 to " + FaultSettings.MAX_LATENCY_MS
                    + " (milliseconds)";
            case "--failure-rate", "--drop-rate" -> "a number from 0 to 1";
            case "--failure-status" -> "429, 500 or 529";
            case "--retry-after-seconds" -> "an integer from 0 to " + FaultSettings.MAX_RETRY_AFTER_SECONDS
                    + " (seconds)";
            case "--mid-stream-error-after" -> "an integer from 0 to " + Integer.MAX_VALUE + " (text deltas)";
            case "--tls-keystore" -> "the path of a PKCS#12 key store";
            case "--tls-password" -> "the key store's password";
            case "--batch-processing-ms" -> "an integer from 0 to " + StubConfig.MAX_BATCH_PROCESSING_TIME.toMillis()
                    + " (milliseconds)";
            default -> "";
        };
    }

    private static long integer(String flag, String value, long min, long max) {
        String trimmed = value.strip();
        if (trimmed.matches("-?[0-9]{1,18}")) {
            long number = Long.parseLong(trimmed);
            if (number >= min && number <= max) {
                return number;
            }
        }
        throw new IllegalArgumentException(flag + " must be " + range(flag) + ", but was \"" + value + "\"");
    }

    private static double rate(String flag, String value) {
        String trimmed = value.strip();
        if (trimmed.matches("[0-9]*\\.?[0-9]+([eE]-?[0-9]+)?")) {
            double rate = Double.parseDouble(trimmed);
            if (rate >= 0.0 && rate <= 1.0) {
                return rate;
            }
        }
        throw new IllegalArgumentException(flag + " must be " + range(flag) + ", but was \"" + value + "\"");
    }
}
