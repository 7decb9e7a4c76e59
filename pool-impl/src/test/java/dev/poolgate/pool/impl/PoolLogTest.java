package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolEvent;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link PoolLog} dispatches with type checks, which the compiler cannot prove exhaustive as it
 * would a pattern switch: every kind of {@link PoolEvent} the API permits is sent to it here, so a
 * new kind without a branch fails this test instead of a pool at run time.
 */
class PoolLogTest {

    @Test
    void everyKindOfEventHasABranch() throws ReflectiveOperationException {
        PoolLog log = new PoolLog(PoolConfig.defaults());
        Class<?>[] kinds = PoolEvent.class.getPermittedSubclasses();
        assertTrue(kinds.length >= 19, "the event kinds found: " + kinds.length);
        for (Class<?> kind : kinds) {
            PoolEvent event = sample(kind);
            assertDoesNotThrow(() -> log.onEvent(event), kind.getSimpleName());
        }
    }

    /** An event of {@code kind} with plain values: zeros, empty text, the first constant of an enum. */
    private static PoolEvent sample(Class<?> kind) throws ReflectiveOperationException {
        RecordComponent[] components = kind.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            Class<?> type = components[i].getType();
            types[i] = type;
            values[i] = type == int.class ? 0
                    : type == long.class ? 0L
                    : type == boolean.class ? false
                    : type == Duration.class ? Duration.ZERO
                    : type == String.class ? "0000abcd"
                    : type.isEnum() ? type.getEnumConstants()[0]
                    : null;
        }
        Constructor<?> canonical = kind.getDeclaredConstructor(types);
        return (PoolEvent) canonical.newInstance(values);
    }
}
