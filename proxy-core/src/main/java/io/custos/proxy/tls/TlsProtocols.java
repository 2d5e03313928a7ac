package io.custos.proxy.tls;

import java.util.List;

/** The TLS versions the gateway speaks, on both sides. */
final class TlsProtocols {
    static final List<String> ENABLED = List.of("TLSv1.3", "TLSv1.2");

    private TlsProtocols() {}
}
