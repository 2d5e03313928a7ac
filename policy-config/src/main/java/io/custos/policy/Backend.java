package io.custos.policy;

import static java.util.Objects.requireNonNull;

/**
 * The database behind the gateway. The password is never in the policy file: it is read, when needed, from the
 * environment variable or the file the policy names. {@code tls} says whether and how the connection is encrypted.
 */
public record Backend(
        Protocol protocol, String host, int port, String database, String user, SecretSource password, BackendTls tls) {
    public Backend {
        requireNonNull(protocol, "protocol is null");
        requireNonNull(host, "host is null");
        requireNonNull(database, "database is null");
        requireNonNull(user, "user is null");
        requireNonNull(password, "password is null");
        requireNonNull(tls, "tls is null");
    }

    /** A backend reached without TLS. */
    public Backend(Protocol protocol, String host, int port, String database, String user, SecretSource password) {
        this(protocol, host, port, database, user, password, BackendTls.DISABLED);
    }

    /** This backend with {@code newTls}. */
    public Backend withTls(BackendTls newTls) {
        return new Backend(protocol, host, port, database, user, password, newTls);
    }

    public enum Protocol {
        POSTGRESQL,
        MYSQL
    }
}
