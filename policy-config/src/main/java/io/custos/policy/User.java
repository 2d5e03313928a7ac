package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * A user the gateway authenticates itself. The password is kept only as verifiers: SCRAM-SHA-256 always, and
 * optionally a MySQL native-password verifier for MySQL clients that log in with mysql_native_password. A user with a
 * {@link ClientCertificate} rule must also present a matching client certificate over TLS.
 */
public record User(
        String name,
        String role,
        boolean enabled,
        ScramVerifier verifier,
        MySqlNativeVerifier mysqlNative,
        ClientCertificate clientCertificate) {
    public User {
        requireNonNull(name, "name is null");
        requireNonNull(role, "role is null");
        requireNonNull(verifier, "verifier is null");
    }

    public User(String name, String role, boolean enabled, ScramVerifier verifier, MySqlNativeVerifier mysqlNative) {
        this(name, role, enabled, verifier, mysqlNative, null);
    }

    public User(String name, String role, boolean enabled, ScramVerifier verifier) {
        this(name, role, enabled, verifier, null);
    }

    public Optional<MySqlNativeVerifier> mysqlNativeVerifier() {
        return Optional.ofNullable(mysqlNative);
    }

    /** The client certificate this user must present besides the password, if any. */
    public Optional<ClientCertificate> clientCertificateRule() {
        return Optional.ofNullable(clientCertificate);
    }
}
