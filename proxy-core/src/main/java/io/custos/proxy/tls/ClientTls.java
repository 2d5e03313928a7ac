package io.custos.proxy.tls;

import static java.util.Objects.requireNonNull;

import io.custos.policy.TlsSettings;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Locale;

/**
 * TLS towards clients: one server context for every listener, made once at start from the policy's {@code tls}
 * section. When a client CA is named, clients are asked for a certificate (optionally: only users with a
 * {@code client_certificate} rule need one) and a certificate that does not chain to the CA fails the handshake.
 *
 * <p>It also holds the channel binding data of the gateway's certificate, {@code tls-server-end-point} (RFC 5929,
 * section 4.1): the hash of the certificate's DER encoding with the hash of its signature algorithm, SHA-256 when that
 * is MD5 or SHA-1. SCRAM-SHA-256-PLUS clients bind their proof to it, so a proof made for another server's
 * certificate, as a man in the middle would relay it, fails.
 */
public final class ClientTls {
    private final SslContext context;
    private final boolean requireTls;
    private final boolean asksForClientCertificates;
    private final byte[] serverEndPoint;

    private ClientTls(SslContext context, boolean requireTls, boolean asksForClientCertificates, byte[] endPoint) {
        this.context = context;
        this.requireTls = requireTls;
        this.asksForClientCertificates = asksForClientCertificates;
        this.serverEndPoint = endPoint;
    }

    /**
     * Reads the certificate, key and client CA the settings name. Throws {@link IllegalStateException} naming the file
     * and what is wrong with it.
     */
    public static ClientTls load(TlsSettings settings) {
        requireNonNull(settings, "settings is null");
        X509Certificate certificate = firstCertificate(settings.certificate(), "certificate");
        readable(settings.key(), "key");
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(
                            settings.certificate().toFile(), settings.key().toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols(TlsProtocols.ENABLED);
            if (settings.clientCaFile().isPresent()) {
                Path clientCa = settings.clientCaFile().get();
                firstCertificate(clientCa, "client CA");
                builder.trustManager(clientCa.toFile()).clientAuth(ClientAuth.OPTIONAL);
            }
            return new ClientTls(
                    builder.build(),
                    settings.requireTls(),
                    settings.clientCaFile().isPresent(),
                    serverEndPoint(certificate));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot use the TLS certificate '" + settings.certificate() + "' with the key '" + settings.key()
                            + "': " + rootMessage(e),
                    e);
        }
    }

    /** A new handler for one accepted connection. */
    public SslHandler newHandler(ByteBufAllocator allocator) {
        return context.newHandler(allocator);
    }

    /** Whether every client must switch to TLS, whatever its role. */
    public boolean requireTls() {
        return requireTls;
    }

    /** Whether clients are asked for a certificate. */
    public boolean asksForClientCertificates() {
        return asksForClientCertificates;
    }

    /** The tls-server-end-point channel binding data of the gateway's certificate. */
    public byte[] serverEndPoint() {
        return serverEndPoint.clone();
    }

    static X509Certificate firstCertificate(Path file, String what) {
        readable(file, what);
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new IllegalStateException("the " + what + " file '" + file + "' holds no PEM certificate");
            }
            return (X509Certificate) certificates.iterator().next();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot read the " + what + " file '" + file + "' as PEM certificates: " + rootMessage(e), e);
        }
    }

    private static void readable(Path file, String what) {
        if (!Files.isReadable(file)) {
            throw new IllegalStateException("the TLS " + what + " file '" + file + "' "
                    + (Files.exists(file) ? "cannot be read" : "does not exist"));
        }
    }

    /** RFC 5929, section 4.1. */
    static byte[] serverEndPoint(X509Certificate certificate) {
        try {
            return MessageDigest.getInstance(endPointDigest(certificate.getSigAlgName()))
                    .digest(certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot hash the gateway's certificate: " + e.getMessage(), e);
        }
    }

    static String endPointDigest(String signatureAlgorithm) {
        String name = signatureAlgorithm.toUpperCase(Locale.ROOT);
        if (name.startsWith("SHA384")) {
            return "SHA-384";
        }
        if (name.startsWith("SHA512")) {
            return "SHA-512";
        }
        // SHA-256, and MD5 or SHA-1 as the RFC says; RSASSA-PSS names its hash in parameters, SHA-256 in practice.
        return "SHA-256";
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
