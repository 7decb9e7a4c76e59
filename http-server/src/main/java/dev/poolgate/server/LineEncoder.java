package dev.poolgate.server;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.Charset;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The text format's encoder: the bytes logback's {@code PatternLayoutEncoder} writes for
 * {@value LogSetup#TEXT_PATTERN} (and, for an event with a throwable, the stack trace that its
 * layout adds after the line), built directly. Under load the layout's converter chain cost about
 * half of what writing a log line costs, its date formatting alone 3% of the gateway's CPU
 * (docs/performance.md). Here the date up to the second and the zone offset are formatted once per
 * second, by the same {@link DateTimeFormatter} patterns, and each line appends the milliseconds,
 * the level and the message. {@code LineEncoderTest} compares both encoders byte for byte.
 *
 * <p>Thread-safe: logback encodes an event on the logging thread, outside the appender's lock.
 */
public final class LineEncoder extends EncoderBase<ILoggingEvent> {

    private static final DateTimeFormatter TO_THE_SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.");
    private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("XXX");

    /** The date of one second, as the line starts, and the zone's offset then. */
    private record Second(long epochSecond, String date, String offset) {
    }

    /** Logback's date converter formats in the JVM's default zone; so does this. */
    private final ZoneId zone = ZoneId.systemDefault();
    /** The pattern encoder's default: the JVM's default charset. */
    private final Charset charset = Charset.defaultCharset();
    private final ThrowableProxyConverter throwables = new ThrowableProxyConverter();
    /** The last second a line was written in; replaced, not changed, so readers need no lock. */
    private volatile Second second = new Second(Long.MIN_VALUE, "", "");

    @Override
    public void start() {
        throwables.setContext(getContext());
        throwables.start();
        super.start();
    }

    @Override
    public void stop() {
        throwables.stop();
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        long millis = event.getTimeStamp();
        long epochSecond = Math.floorDiv(millis, 1000);
        int milli = (int) Math.floorMod(millis, 1000);
        Second now = second;
        if (now.epochSecond() != epochSecond) {
            ZonedDateTime at = Instant.ofEpochSecond(epochSecond).atZone(zone);
            now = new Second(epochSecond, TO_THE_SECOND.format(at), OFFSET.format(at));
            second = now;
        }
        String message = event.getFormattedMessage();
        String level = event.getLevel().toString();
        StringBuilder line = new StringBuilder(now.date().length() + 3 + now.offset().length() + level.length() + 3
                + (message == null ? 4 : message.length()));
        line.append(now.date());
        if (milli < 100) {
            line.append('0');
        }
        if (milli < 10) {
            line.append('0');
        }
        line.append(milli).append(now.offset()).append(' ').append(level).append(' ').append(message)
                .append(CoreConstants.LINE_SEPARATOR);
        if (event.getThrowableProxy() != null) {
            line.append(throwables.convert(event));
        }
        return line.toString().getBytes(charset);
    }
}
