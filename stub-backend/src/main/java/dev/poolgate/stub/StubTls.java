package dev.poolgate.stub;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The key store that makes the stub serve HTTPS instead of HTTP: a PKCS#12 (or JKS) file with one
 * private key and its certificate, e.g. a self-signed one from the JDK's {@code keytool} (the
 * README's gateway benchmark makes one). Clients must trust that certificate.
 *
 * @param keyStore the key store file
 * @param password the key store's (and its key's) password
 */
public record StubTls(Path keyStore, String password) {

    public StubTls {
        if (keyStore == null) {
            throw new IllegalArgumentException("keyStore must be the path of a PKCS#12 key store, but was null");
        }
        if (password == null) {
            throw new IllegalArgumentException("password must be the key store's password, but was null; pass \"\" "
                    + "for none");
        }
    }

    /**
     * Loads the key store.
     *
     * @throws IOException naming the file when it cannot be read or opened with the password
     */
    private SSLContext context() throws IOException {
        if (!Files.isReadable(keyStore)) {
            throw new IOException("TLS key store " + keyStore + " does not exist or is not readable; make one with "
                    + "keytool -genkeypair -keystore " + keyStore);
        }
        try {
            KeyStore keys = KeyStore.getInstance(keyStore.toFile(), password.toCharArray());
            KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            managers.init(keys, password.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(managers.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException("TLS key store " + keyStore + " could not be opened (" + e.getMessage() + "); check "
                    + "the file and --tls-password", e);
        }
    }

    /**
     * The server's TLS set-up: the key store's certificate, and the client's preference among the
     * cipher suites both sides support, as the real API's front ends honour it (a client without
     * fast AES, such as the gateway on C1 only, asks for ChaCha20-Poly1305 first and gets it). The
     * JDK's own server default would impose its order instead, AES-GCM first.
     *
     * @throws IOException naming the file when it cannot be read or opened with the password
     */
    HttpsConfigurator configurator() throws IOException {
        return new HttpsConfigurator(context()) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                parameters.setUseCipherSuitesOrder(false);
                params.setSSLParameters(parameters);
            }
        };
    }

    @Override
    public String toString() {
        return "StubTls[keyStore=" + keyStore + "]";
    }
}
