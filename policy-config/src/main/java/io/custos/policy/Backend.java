package io.custos.policy;

import static java.util.Objects.requireNonNull;

/**
 * The database behind the gateway. The password is never in the policy file: it is read, when needed, from the
 * environment variable or the file the policy names.
 */
public record Backend(Protocol protocol, String host, int port, String database, String user, SecretSource password) {
    public Backend {
        requireNonNull(protocol, "protocol is null");
        requireNonNull(host, "host is null");
        requireNonNull(database, "database is null");
        requireNonNull(user, "user is null");
        requireNonNull(password, "password is null");
    }

    public enum Protocol {
        POSTGRESQL,
        MYSQL
    }
}
