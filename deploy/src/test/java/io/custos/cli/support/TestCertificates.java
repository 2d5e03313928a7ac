package io.custos.cli.support;

import io.custos.cli.demo.DemoCertificates;
import io.custos.cli.demo.ServerTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The certificates of the test JVM, made once: a test CA that signs the databases' and the gateway's server
 * certificates and the client certificates, and a second, unrelated CA ({@link #rogueCa()}) whose certificate a
 * gateway can be told to trust so that the databases' certificates fail verification. Removed when the JVM exits.
 */
public final class TestCertificates {
    public static final String STORE_PASSWORD = "synthetic-store-password";

    private static TestCertificates instance;

    private final DemoCertificates authority;
    private final ServerTls database;
    private final DemoCertificates.Issued gateway;
    private final DemoCertificates rogue;

    private TestCertificates(
            DemoCertificates authority, ServerTls database, DemoCertificates.Issued gateway, DemoCertificates rogue) {
        this.authority = authority;
        this.database = database;
        this.gateway = gateway;
        this.rogue = rogue;
    }

    public static synchronized TestCertificates get() {
        if (instance == null) {
            try {
                Path directory = Files.createTempDirectory("custos-test-tls-");
                DemoCertificates authority = DemoCertificates.createAuthority(directory, "test");
                ServerTls database = ServerTls.of(authority.server("database", List.of()));
                DemoCertificates.Issued gateway = authority.server("gateway", List.of());
                DemoCertificates rogue = DemoCertificates.createAuthority(directory.resolve("rogue"), "rogue");
                instance = new TestCertificates(authority, database, gateway, rogue);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(directory), "test-certificates-remove"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** The test CA's certificate (PEM). */
    public Path ca() {
        return authority.caCertificate();
    }

    /** A CA that signed none of the certificates here. */
    public Path rogueCa() {
        return rogue.caCertificate();
    }

    /** A server certificate for this machine, signed by the rogue CA. */
    public synchronized DemoCertificates.Issued rogueServer() {
        return rogue.server("rogue-database", List.of());
    }

    /** What the embedded databases serve TLS with. */
    public ServerTls database() {
        return database;
    }

    public Path gatewayCertificate() {
        return gateway.certificateFile();
    }

    public Path gatewayKey() {
        return gateway.keyFile();
    }

    /** A client certificate with subject {@code CN=commonName,O=Custos demo}, its key stores with {@link #STORE_PASSWORD}. */
    public synchronized DemoCertificates.Issued client(String commonName) {
        return authority.client(commonName, STORE_PASSWORD);
    }

    /** The test CA as a PKCS#12 trust store, for MySQL Connector/J's trustCertificateKeyStoreUrl. */
    public synchronized Path caTrustStore() {
        Path store = authority.directory().resolve("ca-trust.p12");
        if (Files.exists(store)) {
            return store;
        }
        try (InputStream in = Files.newInputStream(ca());
                OutputStream out = Files.newOutputStream(store)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setCertificateEntry(
                    "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            keyStore.store(out, STORE_PASSWORD.toCharArray());
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void delete(Path directory) {
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // Only temporary files are left behind; nothing to report at JVM exit.
        }
    }
}
