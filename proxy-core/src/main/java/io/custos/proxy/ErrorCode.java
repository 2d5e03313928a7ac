package io.custos.proxy;

/**
 * Every error the gateway itself raises, with what each protocol needs to render it natively: PostgreSQL's SQLSTATE
 * and MySQL's error number.
 */
public enum ErrorCode {
    PERMISSION_DENIED(Category.POLICY_REFUSAL, "42501", 1142),
    AUTHENTICATION_FAILED(Category.CLIENT_ERROR, "28P01", 1045),
    INVALID_AUTHORIZATION(Category.CLIENT_ERROR, "28000", 1045),
    UNKNOWN_DATABASE(Category.CLIENT_ERROR, "3D000", 1049),
    PROTOCOL_VIOLATION(Category.CLIENT_ERROR, "08P01", 1047),
    FEATURE_NOT_SUPPORTED(Category.CLIENT_ERROR, "0A000", 1235),
    TLS_REQUIRED(Category.CLIENT_ERROR, "28000", 3159),
    LOGIN_LOCKED(Category.CLIENT_ERROR, "28000", 1129),
    TOO_MANY_CONNECTIONS(Category.RESOURCE_EXHAUSTED, "53300", 1040),
    TOO_MANY_USER_CONNECTIONS(Category.RESOURCE_EXHAUSTED, "53300", 1203),
    MESSAGE_TOO_LARGE(Category.RESOURCE_EXHAUSTED, "08P01", 1153),
    STATEMENT_TOO_LONG(Category.RESOURCE_EXHAUSTED, "54000", 1153),
    IDLE_SESSION_TIMEOUT(Category.RESOURCE_EXHAUSTED, "57P05", 4031),
    IDLE_IN_TRANSACTION_TIMEOUT(Category.RESOURCE_EXHAUSTED, "25P03", 4031),
    /**
     * The session's backend connection cannot be opened. MySQL's number is the server's own "unable to connect to
     * foreign data source": client library numbers (2000-2999, 2013 among them) in a server's ERR packet make the
     * MariaDB client report "malformed packet" instead of the message.
     */
    BACKEND_UNAVAILABLE(Category.BACKEND_ERROR, "08006", 1429),
    /** The backend connection broke, or the database stopped answering, while the session was open. */
    BACKEND_LOST(Category.BACKEND_ERROR, "08006", 1158),
    /** The database sent what its protocol does not allow; the session ends rather than pass any of it on. */
    BACKEND_PROTOCOL_VIOLATION(Category.BACKEND_ERROR, "08P01", 1158),
    AUDIT_UNAVAILABLE(Category.RESOURCE_EXHAUSTED, "58030", 1030),
    /** PostgreSQL's admin_shutdown, as after pg_terminate_backend; MariaDB's ER_CONNECTION_KILLED. */
    TERMINATED_BY_ADMINISTRATOR(Category.POLICY_REFUSAL, "57P01", 1927),
    /**
     * The gateway stops: PostgreSQL's admin_shutdown, as its own shutdown sends it; MySQL's ER_SERVER_SHUTDOWN
     * (SQLSTATE
     * 08S01).
     */
    GATEWAY_SHUTTING_DOWN(Category.RESOURCE_EXHAUSTED, "57P01", 1053),
    INTERNAL(Category.INTERNAL, "XX000", 1105);

    private final Category category;
    private final String sqlState;
    private final int mysqlErrorNumber;

    ErrorCode(Category category, String sqlState, int mysqlErrorNumber) {
        this.category = category;
        this.sqlState = sqlState;
        this.mysqlErrorNumber = mysqlErrorNumber;
    }

    public Category category() {
        return category;
    }

    public String sqlState() {
        return sqlState;
    }

    public int mysqlErrorNumber() {
        return mysqlErrorNumber;
    }

    public enum Category {
        CLIENT_ERROR,
        POLICY_REFUSAL,
        BACKEND_ERROR,
        INTERNAL,
        RESOURCE_EXHAUSTED
    }
}
