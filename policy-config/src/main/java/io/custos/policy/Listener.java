package io.custos.policy;

import static java.util.Objects.requireNonNull;

/** Where the gateway accepts clients of one protocol. */
public record Listener(Backend.Protocol protocol, String host, int port) {
    public Listener {
        requireNonNull(protocol, "protocol is null");
        requireNonNull(host, "host is null");
    }
}
