package dev.poolgate.server;

import dev.poolgate.server.api.Warmup;
import dev.poolgate.server.config.ServerConfig;
import dev.poolgate.server.config.Settings;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;
import org.slf4j.LoggerFactory;

/**
 * Runs the gateway from the command line: reads the settings, starts the embedded stub backend
 * when no upstream is configured, starts the {@link GatewayServer}, and closes it on SIGTERM or
 * Ctrl-C.
 */
public final class Main {

    /** How long a shutdown that comes during the start waits for it to end (its connects and prefill are bounded). */
    private static final long START_WAIT_SECONDS = 120;

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
        if (config.upstreamOnJvmTrust()) {
            Warmup.startTls(); // the JVM's TLS context, while the log and the pool manager are set up
        }
        LogFormat.use(config.logFormat());
        // The shutdown hook is in place before the gateway listens: a SIGTERM that comes while it
        // starts (it says it listens before start() returns) waits for the start to end, then
        // drains and closes as any other; otherwise the JVM would exit without the [SHUTDOWN] lines.
        AtomicReference<Gateway> running = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (started.await(START_WAIT_SECONDS, TimeUnit.SECONDS) && running.get() != null) {
                    running.get().close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.countDown();
            }
        }, "poolgate-shutdown"));
        int failed = 0;
        try {
            running.set(Gateway.start(config));
        } catch (IllegalArgumentException e) {
            // A configuration the gateway refuses (no upstream): the message names the fix, a trace would bury it.
            LoggerFactory.getLogger(Main.class).error("[STARTUP] The gateway could not start: {}", e.getMessage());
            failed = 2;
        } catch (IOException | RuntimeException e) {
            LoggerFactory.getLogger(Main.class).error("[STARTUP] The gateway could not start: {}", e.getMessage(),
                    e);
            failed = 1;
        } finally {
            started.countDown(); // before any exit below: the hook waits for it
        }
        if (failed != 0) {
            System.exit(failed);
            return;
        }
        if (config.clientsFile() != null) {
            // SIGHUP, as operators reload a daemon's configuration: the clients file is read again.
            Signal.handle(new Signal("HUP"), signal -> running.get().server().reloadClients());
        }
        stopped.await();
    }
}
