package dev.poolgate.pool.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolgate.pool.Lease;
import dev.poolgate.pool.Pool;
import dev.poolgate.pool.PoolConfig;
import dev.poolgate.pool.PoolManagement;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A pool over JMX with one call: its attributes through the platform MBean server, its sizes changed there. */
@Timeout(30)
class PoolManagementTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private static Pool<TestConnection> pool(String name) {
        return Pool.create(PoolConfig.builder().name(name).minSize(1).maxSize(3).build(), new TestFactory());
    }

    @Test
    void attributesAreThePoolsAndItsMaximumCanBeChangedThere() throws Exception {
        try (Pool<TestConnection> pool = pool("jmx one");
             PoolManagement.Registration registration = PoolManagement.register(pool)) {
            ObjectName name = registration.name();
            assertEquals(new ObjectName("dev.poolgate:type=Pool,name=\"jmx one\""), name);
            assertEquals("jmx one", server.getAttribute(name, "Name"));
            assertEquals(3, server.getAttribute(name, "MaxSize"));
            assertEquals(1, server.getAttribute(name, "TotalConnections"));
            try (Lease<TestConnection> lease = pool.acquire()) {
                assertEquals(1, server.getAttribute(name, "InUseConnections"));
            }
            server.setAttribute(name, new Attribute("MaxSize", 6));
            assertEquals(6, pool.config().maxSize());
            server.setAttribute(name, new Attribute("MinSize", 2));
            assertEquals(2, pool.config().minSize());
            server.setAttribute(name, new Attribute("AcquireTimeoutMillis", 1500L));
            assertEquals(Duration.ofMillis(1500), pool.config().acquireTimeout());
            assertEquals(1500L, server.getAttribute(name, "AcquireTimeoutMillis"));
        }
    }

    @Test
    void twoPoolsHaveTwoNamesAndClosingTheRegistrationRemovesIt() throws Exception {
        try (Pool<TestConnection> one = pool("jmx a"); Pool<TestConnection> two = pool("jmx b")) {
            PoolManagement.Registration first = PoolManagement.register(one);
            PoolManagement.Registration second = PoolManagement.register(two);
            assertTrue(server.isRegistered(first.name()) && server.isRegistered(second.name()));
            IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
                    () -> PoolManagement.register(one));
            assertTrue(same.getMessage().contains("its own name"), same.getMessage());
            first.close();
            first.close();
            assertFalse(server.isRegistered(first.name()));
            second.close();
            assertFalse(server.isRegistered(second.name()));
        }
    }
}
