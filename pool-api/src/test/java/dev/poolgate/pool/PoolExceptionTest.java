package dev.poolgate.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The messages and causes of the {@link PoolException} family. */
@Timeout(10)
class PoolExceptionTest {

    private static final PoolStats FULL = new PoolStats(10, 0, 0, 1, 0, 10, 0, 10, 7);

    @Test
    void acquireTimeoutMessageCarriesTheConnectionNameTimeoutAndCounts() {
        AcquireTimeoutException e = new AcquireTimeoutException("Claude", Duration.ofSeconds(5), FULL, null);
        assertEquals("Could not acquire Claude connection within 5.0s timeout (total=10, idle=0, in_use=10, "
                + "waiting=7)", e.getMessage());
        assertEquals(Duration.ofSeconds(5), e.timeout());
        assertSame(FULL, e.stats());
        assertNull(e.getCause());
        assertInstanceOf(PoolException.class, e);
    }

    @Test
    void acquireTimeoutShowsSecondsWithAtLeastOneDecimal() {
        assertEquals("0.25s", secondsIn(Duration.ofMillis(250)));
        assertEquals("1.5s", secondsIn(Duration.ofMillis(1500)));
        assertEquals("300.0s", secondsIn(Duration.ofSeconds(300)));
        assertEquals("60.0s", secondsIn(Duration.ofMinutes(1)));
        assertEquals("0.000000001s", secondsIn(Duration.ofNanos(1)));
    }

    @Test
    void acquireTimeoutCarriesTheLastCreationFailureAsItsCause() {
        IOException failure = new IOException("connection refused");
        AcquireTimeoutException e = new AcquireTimeoutException("Billing", Duration.ofMillis(50), FULL, failure);
        assertSame(failure, e.getCause());
        assertTrue(e.getMessage().startsWith("Could not acquire Billing connection within 0.05s timeout"),
                e.getMessage());
    }

    @Test
    void acquireTimeoutRejectsMissingArgumentsByName() {
        assertEquals("connectionName must not be null; pass PoolConfig.connectionName()",
                assertThrows(IllegalArgumentException.class,
                        () -> new AcquireTimeoutException(null, Duration.ofSeconds(5), FULL, null)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new AcquireTimeoutException("Claude", null, FULL, null)).getMessage()
                .startsWith("timeout must not be null"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new AcquireTimeoutException("Claude", Duration.ofSeconds(5), null, null)).getMessage()
                .startsWith("stats must not be null"));
    }

    @Test
    void otherPoolExceptionsKeepTheirMessageAndCause() {
        PoolClosedException closed = new PoolClosedException("The Claude instance pool is closed");
        assertEquals("The Claude instance pool is closed", closed.getMessage());
        assertNull(closed.getCause());

        IOException refused = new IOException("refused");
        ConnectionCreationException creation = new ConnectionCreationException("Could not create", refused);
        assertSame(refused, creation.getCause());

        InterruptedException interrupt = new InterruptedException();
        AcquireInterruptedException interrupted = new AcquireInterruptedException("Interrupted", interrupt);
        assertSame(interrupt, interrupted.getCause());
        assertInstanceOf(RuntimeException.class, interrupted);
    }

    @Test
    void anAcquireTimeoutKeepsItsMessageThroughSerializationAndInItsText() throws Exception {
        AcquireTimeoutException e = new AcquireTimeoutException("Claude", Duration.ofMillis(250), FULL, null);
        String expected = "Could not acquire Claude connection within 0.25s timeout (total=10, idle=0, in_use=10, "
                + "waiting=7)";
        var bytes = new ByteArrayOutputStream();
        try (var out = new ObjectOutputStream(bytes)) {
            out.writeObject(e); // before anyone read the message: it is made on first use
        }
        Object copy;
        try (var in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = in.readObject();
        }
        assertEquals(expected, ((AcquireTimeoutException) copy).getMessage());
        assertEquals(AcquireTimeoutException.class.getName() + ": " + expected, e.toString());
        assertSame(e.getMessage(), e.getMessage());
    }

    private static String secondsIn(Duration timeout) {
        String message = new AcquireTimeoutException("Claude", timeout, FULL, null).getMessage();
        String prefix = "Could not acquire Claude connection within ";
        assertTrue(message.startsWith(prefix), message);
        return message.substring(prefix.length(), message.indexOf(" timeout"));
    }
}
