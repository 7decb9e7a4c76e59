package dev.poolgate.server;

import dev.poolgate.server.config.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts gateways in-process the way {@link Main} does, from command-line flags and no environment
 * (so a developer's {@code ANTHROPIC_API_KEY} never leaks into a test), always on a free port.
 */
final class Gateways {

    private Gateways() {
    }

    /** A gateway with {@code --port 0} and the given flags; with no upstream flags, over the embedded stub ({@code --upstream stub}). */
    static Gateway start(String... flags) {
        List<String> args = new ArrayList<>(List.of("--port", "0"));
        args.addAll(List.of(flags));
        if (args.stream().noneMatch(flag -> flag.equals("--upstream") || flag.startsWith("--upstream=")
                || flag.startsWith("--anthropic-"))) {
            args.addAll(List.of("--upstream", "stub"));
        }
        try {
            return Gateway.start(Settings.parse(args.toArray(String[]::new), Map.of()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback port nothing listens on (bound once, then freed). */
    static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
