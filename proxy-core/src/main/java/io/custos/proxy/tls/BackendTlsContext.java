package io.custos.proxy.tls;

import static java.util.Objects.requireNonNull;

import io.custos.policy.BackendTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS towards one database, as its backend entry asks: {@code verify-full} checks the chain against the CA and the
 * host name against the certificate (the backend's {@code host}, matched as browsers do, IP addresses against IP
 * subject alternative names); {@code verify-ca} only the chain; {@code require} nothing, it only encrypts.
 */
public final class BackendTlsContext {
    private final BackendTls settings;
    private final SslContext context;

    private BackendTlsContext(BackendTls settings, SslContext context) {
        this.settings = settings;
        this.context = context;
    }

    /** The context for {@code settings}; throws {@link IllegalStateException} naming the CA file when it is unusable. */
    public static BackendTlsContext load(BackendTls settings) {
        requireNonNull(settings, "settings is null");
        if (!settings.enabled()) {
            throw new IllegalArgumentException("settings: " + settings + " (expected: TLS enabled)");
        }
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols(TlsProtocols.ENABLED)
                    .endpointIdentificationAlgorithm(settings.mode() == BackendTls.Mode.VERIFY_FULL ? "HTTPS" : null);
            if (settings.mode() == BackendTls.Mode.REQUIRE) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (settings.caFile().isPresent()) {
                ClientTls.firstCertificate(settings.caFile().get(), "database CA");
                builder.trustManager(settings.caFile().get().toFile());
            } else {
                builder.trustManager(defaultTrust());
            }
            return new BackendTlsContext(settings, builder.build());
        } catch (SSLException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot set up TLS towards the database"
                            + settings.caFile()
                                    .map(ca -> " with the CA '" + ca + "'")
                                    .orElse("") + ": "
                            + ClientTls.rootMessage(e),
                    e);
        }
    }

    private static TrustManagerFactory defaultTrust() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        return factory;
    }

    public BackendTls settings() {
        return settings;
    }

    /** A handler for a connection to {@code host}; the host is the name {@code verify-full} checks. */
    public SslHandler newHandler(ByteBufAllocator allocator, String host, int port) {
        return context.newHandler(allocator, host, port);
    }

    /** Whether {@code cause}, as a pipeline reports it, comes from TLS. */
    public static boolean isTlsFailure(Throwable cause) {
        for (Throwable current = cause; current != null; current = current.getCause()) {
            if (current instanceof SSLException) {
                return true;
            }
            if (current.getCause() == current) {
                break;
            }
        }
        return false;
    }

    /**
     * What a failed TLS handshake with the database means, for the log and the client: no names, keys or
     * certificates, only which check failed.
     */
    public static String describeFailure(Throwable cause) {
        String root = ClientTls.rootMessage(cause);
        if (root.contains("No subject alternative") || root.contains("doesn't match any of the subject")) {
            return "the database's TLS certificate does not name its host";
        }
        if (root.contains("PKIX") || root.contains("certification path")) {
            return "the database's TLS certificate is not signed by the CA in the policy";
        }
        return "the TLS handshake with the database failed (" + root + ")";
    }
}
