package dev.poolgate.server;

import dev.poolgate.server.api.Warmup;
import dev.poolgate.server.config.ServerConfig;
import dev.poolgate.server.config.Settings;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;
import org.slf4j.LoggerFactory;

/**
 * Runs the gateway from the command line: reads the settings, starts the embedded stub backend
 * when no upstream is configured, starts the {@link GatewayServer}, and closes it on SIGTERM or
 * Ctrl-C.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (Settings.wantsHelp(args)) {
            System.out.print(Settings.help());
            return;
        }
        if (Settings.wantsVersion(args)) {
            System.out.println("poolgate " + Version.get());
            return;
        }
        // The JSON machinery and the request path's pure parts, made ready on another core meanwhile.
        Warmup.start();
        ServerConfig config;
        try {
            config = Settings.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("poolgate: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (config.upstream() != null && "https".equalsIgnoreCase(config.upstream().getScheme())
                && config.upstreamCaFile() == null) {
            Warmup.startTls(); // the JVM's TLS context, while the log and the pool manager are set up
        }
        LogFormat.use(config.logFormat());
        Gateway running;
        try {
            running = Gateway.start(config);
        } catch (IllegalArgumentException e) {
            // A configuration the gateway refuses (no upstream): the message names the fix, a trace would bury it.
            LoggerFactory.getLogger(Main.class).error("[STARTUP] The gateway could not start: {}", e.getMessage());
            System.exit(2);
            return;
        } catch (IOException | RuntimeException e) {
            LoggerFactory.getLogger(Main.class).error("[STARTUP] The gateway could not start: {}", e.getMessage(),
                    e);
            System.exit(1);
            return;
        }
        if (config.clientsFile() != null) {
            // SIGHUP, as operators reload a daemon's configuration: the clients file is read again.
            Signal.handle(new Signal("HUP"), signal -> running.server().reloadClients());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "poolgate-shutdown"));
        stopped.await();
    }
}
