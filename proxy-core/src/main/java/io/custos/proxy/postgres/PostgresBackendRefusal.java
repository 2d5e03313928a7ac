package io.custos.proxy.postgres;

import java.util.Optional;

/**
 * A login the database refused for a reason the client can act on, relayed as a FATAL error with the server's
 * SQLSTATE: the database is missing or closed to the gateway, the server is full, or it is starting up or shutting
 * down. The message is the gateway's where the server's could name the gateway's account ({@code too many connections
 * for role "custos"}); the server's own is kept only for 57P03, whose messages are fixed sentences about the server's
 * state. Any other refusal (the gateway's credentials, {@code pg_hba.conf}) is the operator's business and reaches the
 * client as "cannot connect to the database".
 */
record PostgresBackendRefusal(String sqlState, String message) {
    static final String INVALID_CATALOG_NAME = "3D000";
    static final String TOO_MANY_CONNECTIONS = "53300";
    static final String CANNOT_CONNECT_NOW = "57P03";
    static final String INSUFFICIENT_PRIVILEGE = "42501";

    static Optional<PostgresBackendRefusal> of(String sqlState, String serverMessage, String database) {
        if (sqlState == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(
                switch (sqlState) {
                    case INVALID_CATALOG_NAME -> new PostgresBackendRefusal(
                            sqlState, "custos: database \"" + database + "\" does not exist on the database server");
                    case TOO_MANY_CONNECTIONS -> new PostgresBackendRefusal(
                            sqlState, "custos: the database has too many connections");
                    case INSUFFICIENT_PRIVILEGE -> new PostgresBackendRefusal(
                            sqlState, "custos: the database denies access to database \"" + database + "\"");
                    case CANNOT_CONNECT_NOW -> new PostgresBackendRefusal(
                            sqlState,
                            "custos: "
                                    + (serverMessage == null
                                            ? "the database cannot accept connections now"
                                            : serverMessage));
                    default -> null;
                });
    }
}
