package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

/**
 * Who a session's audit records are about: the session, the client's address and, once known, the user, role and
 * database. A session keeps one and replaces it when it authenticates.
 */
public record AuditContext(
        long sessionId, String user, String role, String clientAddress, String database, String protocol) {
    public static final String POSTGRESQL = "postgresql";

    public AuditContext {
        requireNonNull(clientAddress, "clientAddress is null");
        requireNonNull(protocol, "protocol is null");
    }

    /** A connection nobody has authenticated on yet. */
    public static AuditContext connection(long sessionId, String clientAddress, String protocol) {
        return new AuditContext(sessionId, null, null, clientAddress, null, protocol);
    }

    /** The same connection, once the client has named the user and database it wants (before authentication). */
    public AuditContext requested(String user, String database) {
        return new AuditContext(sessionId, user, role, clientAddress, database, protocol);
    }

    /** The same connection, authenticated as {@code user} with {@code role} on {@code database}. */
    public AuditContext authenticated(String user, String role, String database) {
        requireNonNull(user, "user is null");
        requireNonNull(role, "role is null");
        return new AuditContext(sessionId, user, role, clientAddress, database, protocol);
    }
}
