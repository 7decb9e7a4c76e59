package dev.poolgate.server.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The certificates an {@code https} upstream is verified against when they are not the JVM's:
 * a PEM file of CA (or self-signed) certificates, for a private CA, a corporate proxy, or a test
 * upstream. Only these are trusted then, not the JDK's CA list as well.
 */
public final class UpstreamTrust {

    private UpstreamTrust() {
    }

    /** A CA file as the settings read it, once: its path (shown) and the sockets that trust it. */
    public record CaFile(Path path, SSLSocketFactory sockets) {
        /** Reads {@code path}; see {@link #socketsTrusting}. */
        public static CaFile read(Path path) {
            return new CaFile(path, socketsTrusting(path));
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /**
     * TLS sockets that trust exactly the certificates in {@code pemFile}.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or holds no
     *         certificate
     */
    public static SSLSocketFactory socketsTrusting(Path pemFile) {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pemFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("the CA file " + pemFile + " could not be read as PEM certificates ("
                    + e.getMessage() + "); pass a file of -----BEGIN CERTIFICATE----- blocks", e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("the CA file " + pemFile + " holds no certificate; pass a file of "
                    + "-----BEGIN CERTIFICATE----- blocks");
        }
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                trusted.setCertificateEntry("upstream-ca-" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the JDK could not set up TLS with the certificates of " + pemFile, e);
        }
    }
}
