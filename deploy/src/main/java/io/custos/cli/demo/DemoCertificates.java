package io.custos.cli.demo;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority and the certificates signed by it, written as PEM files into one directory: for
 * {@code custos demo --tls} and for the TLS tests. RSA 2048 keys, SHA-256 signatures, valid from an hour ago for
 * {@link #VALIDITY}. Private keys are unencrypted PKCS#8 files readable by their owner only. Nothing here is fit for
 * anything but a demo: the CA's key is thrown away with the directory.
 *
 * <p>Server certificates name {@code localhost}, {@code 127.0.0.1}, {@code ::1} and the host names given, so clients
 * that verify the host name ({@code sslmode=verify-full}, {@code --ssl-verify-server-cert}) accept them on this
 * machine.
 */
public final class DemoCertificates {
    public static final Duration VALIDITY = Duration.ofDays(7);
    private static final String SIGNATURE = "SHA256withRSA";
    private static final int KEY_BITS = 2048;

    private final Path directory;
    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate ca;
    private final SecureRandom random = new SecureRandom();

    private DemoCertificates(Path directory, String name, KeyPair caKeys, X509Certificate ca) {
        this.directory = directory;
        this.name = name;
        this.caKeys = caKeys;
        this.ca = ca;
    }

    /**
     * A new CA named {@code "Custos demo " + name} whose certificate is written to {@code ca.crt} in {@code
     * directory} (created if missing).
     */
    public static DemoCertificates createAuthority(Path directory, String name) {
        requireNonNull(directory, "directory is null");
        requireNonNull(name, "name is null");
        try {
            Files.createDirectories(directory);
            KeyPair keys = newKeyPair();
            X500Principal subject = new X500Principal("CN=Custos demo " + name + " CA,O=Custos demo");
            X509v3CertificateBuilder builder = builder(subject, subject, keys, new SecureRandom());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(
                    Extension.subjectKeyIdentifier,
                    false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate certificate = sign(builder, keys.getPrivate());
            DemoCertificates authority = new DemoCertificates(directory, name, keys, certificate);
            writeCertificates(authority.caCertificate(), List.of(certificate));
            return authority;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the demo CA to " + directory, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("Cannot create the demo CA: " + e.getMessage(), e);
        }
    }

    /** The CA's certificate, the file clients and the gateway verify against. */
    public Path caCertificate() {
        return directory.resolve("ca.crt");
    }

    public Path directory() {
        return directory;
    }

    /**
     * A server certificate for {@code fileName}{@code .crt} and {@code .key}, naming this machine and {@code
     * hostNames} (names or addresses).
     */
    public Issued server(String fileName, List<String> hostNames) {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        names.addAll(hostNames);
        List<GeneralName> alternatives = new ArrayList<>();
        for (String host : names) {
            alternatives.add(
                    isAddress(host)
                            ? new GeneralName(GeneralName.iPAddress, host)
                            : new GeneralName(GeneralName.dNSName, host));
        }
        return issue(
                fileName,
                new X500Principal("CN=" + names.iterator().next() + ",OU=" + fileName + ",O=Custos demo"),
                KeyPurposeId.id_kp_serverAuth,
                new GeneralNames(alternatives.toArray(GeneralName[]::new)));
    }

    /**
     * A client certificate whose subject is {@code CN=commonName,O=Custos demo}, with its key also as DER PKCS#8
     * ({@code .pk8}, for pgjdbc's {@code sslkey}) and both in a PKCS#12 store ({@code .p12}, password {@code
     * storePassword}, for the MySQL drivers' key stores).
     */
    public Issued client(String commonName, String storePassword) {
        Issued issued = issue(
                commonName,
                new X500Principal("CN=" + commonName + ",O=Custos demo"),
                KeyPurposeId.id_kp_clientAuth,
                null);
        try {
            writePrivate(issued.derKey(), issued.privateKey().getEncoded());
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(
                    "client", issued.privateKey(), storePassword.toCharArray(), new Certificate[] {issued.certificate()
                    });
            try (OutputStream out = Files.newOutputStream(issued.keyStore())) {
                store.store(out, storePassword.toCharArray());
            }
            return issued;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the client certificate for " + commonName, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot store the client certificate: " + e.getMessage(), e);
        }
    }

    /** One certificate and its key, as written. */
    public record Issued(Path certificateFile, Path keyFile, X509Certificate certificate, PrivateKey privateKey) {
        /** The key as DER PKCS#8 (client certificates only). */
        public Path derKey() {
            return sibling(".pk8");
        }

        /** Certificate and key as a PKCS#12 store (client certificates only). */
        public Path keyStore() {
            return sibling(".p12");
        }

        private Path sibling(String extension) {
            String file = certificateFile.getFileName().toString();
            return certificateFile.resolveSibling(file.substring(0, file.length() - ".crt".length()) + extension);
        }
    }

    private Issued issue(String fileName, X500Principal subject, KeyPurposeId purpose, GeneralNames alternatives) {
        try {
            KeyPair keys = newKeyPair();
            X509v3CertificateBuilder builder = builder(ca.getSubjectX500Principal(), subject, keys, random);
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(ca));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            if (alternatives != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, alternatives);
            }
            X509Certificate certificate = sign(builder, caKeys.getPrivate());
            Path certificateFile = directory.resolve(fileName + ".crt");
            Path keyFile = directory.resolve(fileName + ".key");
            writeCertificates(certificateFile, List.of(certificate));
            writePrivate(keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
            return new Issued(certificateFile, keyFile, certificate, keys.getPrivate());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the certificate " + fileName + " to " + directory, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("Cannot issue the certificate " + fileName + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "DemoCertificates[" + name + ", " + directory + "]";
    }

    private static X509v3CertificateBuilder builder(
            X500Principal issuer, X500Principal subject, KeyPair keys, SecureRandom random) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                new BigInteger(64, random).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(VALIDITY)),
                subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(KEY_BITS);
        return generator.generateKeyPair();
    }

    private static boolean isAddress(String host) {
        if (!host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
            return false;
        }
        try {
            return InetAddress.getByName(host).getHostAddress() != null;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static void writeCertificates(Path file, List<X509Certificate> certificates)
            throws IOException, GeneralSecurityException {
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            text.append(new String(pem("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII));
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    static byte[] pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Private keys: readable by their owner only, as PostgreSQL insists for its own. */
    private static void writePrivate(Path file, byte[] content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the file keeps the directory's default permissions.
        }
        Files.write(file, content);
    }
}
