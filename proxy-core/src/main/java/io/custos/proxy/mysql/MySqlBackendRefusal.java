package io.custos.proxy.mysql;

import java.util.Optional;

/**
 * A login the database refused for a reason the client can act on, relayed with the server's own error number and
 * SQLSTATE: the database the client asked for is unknown or closed to the gateway, or the server is full or stopping.
 * The message is the gateway's: the server's names the gateway's account and host, which clients never learn. Any
 * other refusal (the gateway's own credentials, its host blocked) is the operator's business and reaches the client as
 * "cannot connect to the database".
 *
 * @param errorNumber the server's error number
 * @param sqlState the server's SQLSTATE, or the one the server documents for that number when its ERR carried none
 *     (an ERR sent in place of the handshake has no SQLSTATE)
 * @param message what the client reads, starting with {@code custos: }
 */
record MySqlBackendRefusal(int errorNumber, String sqlState, String message) {
    static final int ER_CON_COUNT_ERROR = 1040;
    static final int ER_DBACCESS_DENIED_ERROR = 1044;
    static final int ER_BAD_DB_ERROR = 1049;
    static final int ER_SERVER_SHUTDOWN = 1053;
    static final int ER_TOO_MANY_USER_CONNECTIONS = 1203;
    static final int ER_USER_LIMIT_REACHED = 1226;

    /** The refusal to relay for the server's {@code errorNumber}, empty when it is not one to relay. */
    static Optional<MySqlBackendRefusal> of(int errorNumber, String sqlState, String database) {
        String name = database == null ? "" : database;
        return Optional.ofNullable(
                switch (errorNumber) {
                    case ER_DBACCESS_DENIED_ERROR -> new MySqlBackendRefusal(
                            errorNumber,
                            state(sqlState, "42000"),
                            "custos: the database denies access to database '" + name + "'");
                    case ER_BAD_DB_ERROR -> new MySqlBackendRefusal(
                            errorNumber, state(sqlState, "42000"), "custos: unknown database '" + name + "'");
                    case ER_CON_COUNT_ERROR -> new MySqlBackendRefusal(
                            errorNumber, state(sqlState, "08004"), "custos: the database has too many connections");
                    case ER_TOO_MANY_USER_CONNECTIONS, ER_USER_LIMIT_REACHED -> new MySqlBackendRefusal(
                            errorNumber,
                            state(sqlState, "42000"),
                            "custos: the gateway's account has reached its connection limit on the database");
                    case ER_SERVER_SHUTDOWN -> new MySqlBackendRefusal(
                            errorNumber, state(sqlState, "08S01"), "custos: the database is shutting down");
                    default -> null;
                });
    }

    private static String state(String given, String documented) {
        return given == null || given.equals("HY000") ? documented : given;
    }
}
