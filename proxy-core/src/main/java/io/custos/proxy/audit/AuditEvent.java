package io.custos.proxy.audit;

import java.util.Locale;

/** What an audit record is about. */
public enum AuditEvent {
    /** A client opened a connection. */
    CONNECT,
    /** The client authenticated. */
    AUTH_OK,
    /** The client failed to authenticate. */
    AUTH_FAILED,
    /** Failed logins locked a client address or a user name for a while. */
    LOCKOUT,
    /** A statement was allowed, rewritten, refused or failed. */
    STATEMENT,
    /** The connection ended. */
    DISCONNECT,
    /** An operator acted through the admin API: ended a session, disabled or enabled a user, reloaded the policy. */
    ADMIN;

    /** The name written to the audit trail, for example {@code auth_ok}. */
    public String auditName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The event an audit-trail name stands for. */
    public static AuditEvent fromAuditName(String name) {
        for (AuditEvent event : values()) {
            if (event.auditName().equals(name)) {
                return event;
            }
        }
        throw new IllegalArgumentException("Unknown audit event '" + name + "'");
    }
}
