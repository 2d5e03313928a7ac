package io.custos.policy;

import static java.util.Objects.requireNonNull;

/**
 * The admin HTTP listener: metrics, health, sessions and policy reload. Every request carries the bearer token, which
 * is never in the policy file: it is read at start from the environment variable or the file the policy names.
 */
public record AdminSettings(String host, int port, SecretSource token) {
    /** Loopback only, unless the policy says otherwise: the admin API ends sessions and disables users. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    public AdminSettings {
        requireNonNull(host, "host is null");
        requireNonNull(token, "token is null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }
}
