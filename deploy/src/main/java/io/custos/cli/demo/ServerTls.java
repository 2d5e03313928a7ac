package io.custos.cli.demo;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/** The certificate and key an embedded database serves TLS with (PEM files). */
public record ServerTls(Path certificate, Path key) {
    public ServerTls {
        requireNonNull(certificate, "certificate is null");
        requireNonNull(key, "key is null");
    }

    public static ServerTls of(DemoCertificates.Issued issued) {
        return new ServerTls(issued.certificateFile(), issued.keyFile());
    }
}
