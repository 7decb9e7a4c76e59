package dev.poolgate.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Pool#create} in pool-api alone: arguments are checked before anything else, and with no
 * implementation on the class path the error says which artifact to add. (pool-impl's tests cover
 * a successful create.)
 */
@Timeout(10)
class PoolCreateTest {

    private static final ConnectionFactory<Object> FACTORY = new ConnectionFactory<>() {
        @Override
        public Object create() {
            return new Object();
        }

        @Override
        public void destroy(Object connection) {
        }
    };

    private static final String NO_IMPLEMENTATION =
            "No pool implementation found: add dev.poolgate:pool-impl to the class path or module path";

    @Test
    void nullConfigIsAnIllegalArgumentNamingIt() {
        assertEquals("config must not be null; pass a PoolConfig, e.g. PoolConfig.defaults()",
                assertThrows(IllegalArgumentException.class, () -> Pool.create(null, FACTORY)).getMessage());
        assertEquals("config must not be null; pass a PoolConfig, e.g. PoolConfig.defaults()",
                assertThrows(IllegalArgumentException.class, () -> Pool.create(null, FACTORY, PoolListener.NONE))
                        .getMessage());
    }

    @Test
    void nullFactoryIsAnIllegalArgumentNamingIt() {
        assertEquals("factory must not be null; pass the ConnectionFactory that creates the connections",
                assertThrows(IllegalArgumentException.class, () -> Pool.create(PoolConfig.defaults(), null))
                        .getMessage());
    }

    @Test
    void nullListenerIsAnIllegalArgumentNamingIt() {
        assertEquals("listener must not be null; pass PoolListener.NONE to observe nothing",
                assertThrows(IllegalArgumentException.class,
                        () -> Pool.create(PoolConfig.defaults(), FACTORY, null)).getMessage());
    }

    @Test
    void withoutAnImplementationCreateSaysToAddPoolImpl() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Pool.create(PoolConfig.defaults(), FACTORY));
        assertEquals(NO_IMPLEMENTATION, e.getMessage());
        assertEquals(NO_IMPLEMENTATION,
                assertThrows(IllegalStateException.class, PoolProvider::installed).getMessage(),
                "asked again, the same answer");
    }
}
