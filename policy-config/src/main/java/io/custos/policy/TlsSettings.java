package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS towards clients, for both protocols' listeners: the gateway's certificate chain and private key (PEM files), the
 * CA that client certificates are verified against when users present one, and whether every client must use TLS.
 * The files are read when the gateway starts, not when the policy loads.
 *
 * @param certificate the gateway's certificate, followed by any intermediate certificates, in PEM
 * @param key the certificate's private key in PEM (PKCS#8, unencrypted)
 * @param clientCa CA certificates (PEM) that client certificates must chain to; {@code null} when none are asked for
 * @param requireTls whether a client that does not switch to TLS is refused, whatever its role
 */
public record TlsSettings(Path certificate, Path key, Path clientCa, boolean requireTls) {
    public TlsSettings {
        requireNonNull(certificate, "certificate is null");
        requireNonNull(key, "key is null");
    }

    public Optional<Path> clientCaFile() {
        return Optional.ofNullable(clientCa);
    }
}
