package dev.poolgate.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The gateway's version, as the build wrote it into {@code version.properties}: what
 * {@code --version} prints and what the gateway's product token in upstream's user-agent carries.
 */
public final class Version {

    private static final String VERSION = read();

    private Version() {
    }

    /** E.g. {@code 0.1.0-SNAPSHOT}; {@code dev} when the classes were not built by Maven. */
    public static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "dev";
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version", "");
            return version.isBlank() || version.startsWith("${") ? "dev" : version;
        } catch (IOException e) {
            return "dev";
        }
    }
}
