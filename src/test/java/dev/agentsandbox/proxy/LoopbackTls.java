package dev.agentsandbox.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate for 127.0.0.1 made for one test (keytool), for stand-ins of the clouds' token
 * endpoints, which their libraries reach over https only; trusted by this JVM's default connections
 * (HttpsURLConnection and new HttpClients) until {@link #close}, which puts the previous trust back.
 */
final class LoopbackTls implements AutoCloseable {
    final SSLContext context;
    private final SSLSocketFactory previousFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
    private final SSLContext previousDefault;

    LoopbackTls(Path tmp) throws Exception {
        Path ks = tmp.resolve("standin-" + System.nanoTime() + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "s",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool could not make the stand-in's certificate");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        previousDefault = SSLContext.getDefault();
        HttpsURLConnection.setDefaultSSLSocketFactory(context.getSocketFactory());
        SSLContext.setDefault(context);
    }

    @Override
    public void close() {
        HttpsURLConnection.setDefaultSSLSocketFactory(previousFactory);
        SSLContext.setDefault(previousDefault);
    }
}
