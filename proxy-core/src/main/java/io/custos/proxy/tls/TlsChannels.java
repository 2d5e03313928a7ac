package io.custos.proxy.tls;

import io.custos.policy.ClientCertificate;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/** What a session needs to know about its connection's TLS: whether it is on, and the client's certificate. */
public final class TlsChannels {
    /** The name of the TLS handler in every pipeline that has one. */
    public static final String HANDLER_NAME = "tls";

    private TlsChannels() {}

    /** Whether the channel's traffic is encrypted. */
    public static boolean secure(Channel channel) {
        return channel.pipeline().get(SslHandler.class) != null;
    }

    /** The certificate the client presented and the handshake verified against the client CA. */
    public static Optional<X509Certificate> peerCertificate(Channel channel) {
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        if (handler == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = handler.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate certificate
                    ? Optional.of(certificate)
                    : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    /**
     * Why the channel's client certificate does not satisfy {@code rule}, or empty when it does. The reason is for
     * the audit trail and the log; the client learns only that authentication failed.
     */
    public static Optional<String> certificateMismatch(Channel channel, ClientCertificate rule) {
        if (!secure(channel)) {
            return Optional.of("a client certificate is required and the connection does not use TLS");
        }
        Optional<X509Certificate> certificate = peerCertificate(channel);
        if (certificate.isEmpty()) {
            return Optional.of("a client certificate is required and none was presented");
        }
        if (matches(rule, certificate.get())) {
            return Optional.empty();
        }
        return Optional.of("the client certificate's subject '"
                + certificate.get().getSubjectX500Principal().getName() + "' does not match " + rule.describe());
    }

    static boolean matches(ClientCertificate rule, X509Certificate certificate) {
        if (rule.subject() != null) {
            return rule.subject().equals(certificate.getSubjectX500Principal());
        }
        return commonNames(certificate).stream().anyMatch(rule.commonName()::equals)
                && commonNames(certificate).size() == 1;
    }

    private static List<String> commonNames(X509Certificate certificate) {
        try {
            LdapName name = new LdapName(certificate.getSubjectX500Principal().getName());
            return name.getRdns().stream()
                    .filter(rdn -> rdn.getType().equalsIgnoreCase("CN"))
                    .map(Rdn::getValue)
                    .map(String::valueOf)
                    .toList();
        } catch (InvalidNameException e) {
            return List.of();
        }
    }
}
