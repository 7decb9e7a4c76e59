package dev.poolgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.poolgate.pool.PoolManagement;
import java.lang.management.ManagementFactory;
import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway registers its pool over JMX once it listens (on its management thread), obeys a new
 * maximum set there, and unregisters on close, also when it closes before the registration ran.
 */
@Timeout(60)
class GatewayJmxTest {

    @Test
    void thePoolIsAnMXBeanWhileTheGatewayRuns() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = PoolManagement.objectName("jmx gateway");
        try (Gateway gateway = Gateways.start("--pool-name", "jmx gateway", "--pool-max-size", "4")) {
            gateway.server().awaitManagement();
            assertEquals(4, server.getAttribute(name, "MaxSize"));
            assertEquals(2, server.getAttribute(name, "TotalConnections"));
            server.setAttribute(name, new Attribute("MaxSize", 8));
            GatewayClient client = new GatewayClient(gateway);
            assertEquals(8, client.stat("max_connections"), "/pool/stats shows the new maximum");
        }
        assertFalse(server.isRegistered(name), "unregistered on close");
    }

    @Test
    void aGatewayClosedBeforeItsRegistrationRanLeavesNoMXBean() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (int i = 0; i < 5; i++) {
            ObjectName name = PoolManagement.objectName("jmx closed early " + i);
            Gateway gateway = Gateways.start("--pool-name", "jmx closed early " + i);
            gateway.close();
            gateway.server().awaitManagement();
            assertFalse(server.isRegistered(name), "no MXBean left once the gateway closed, start " + i);
        }
    }
}
