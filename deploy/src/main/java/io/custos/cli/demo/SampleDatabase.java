package io.custos.cli.demo;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Prepares a PostgreSQL or MySQL/MariaDB server for the demo and the tests: the {@code custos_demo} database, the
 * gateway's own login, the sample data, and the grants the gateway needs. Shared by the embedded servers and by
 * servers in a container.
 */
public final class SampleDatabase {
    public static final String DATABASE = "custos_demo";
    public static final String GATEWAY_USER = "custos_gateway";

    private static final String PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final int PASSWORD_LENGTH = 24;

    private SampleDatabase() {}

    /** A random password of letters and digits, safe to put into SQL text and connection strings unquoted. */
    public static String randomPassword(SecureRandom random) {
        StringBuilder password = new StringBuilder(PASSWORD_LENGTH);
        for (int i = 0; i < PASSWORD_LENGTH; i++) {
            password.append(PASSWORD_ALPHABET.charAt(random.nextInt(PASSWORD_ALPHABET.length())));
        }
        return password.toString();
    }

    /**
     * On a superuser connection to any database: creates {@link #DATABASE} (UTF-8, C collation, so results do not
     * depend on the host's locale) and the gateway's login role with a SCRAM-SHA-256 password.
     */
    public static void createDatabaseAndGatewayRole(Connection superuser, String gatewayPassword) throws SQLException {
        requireNonNull(gatewayPassword, "gatewayPassword is null");
        try (Statement statement = superuser.createStatement()) {
            statement.execute("SET password_encryption = 'scram-sha-256'");
            statement.execute(
                    "CREATE DATABASE " + DATABASE + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
            statement.execute("CREATE ROLE " + GATEWAY_USER + " LOGIN PASSWORD " + literal(gatewayPassword));
        }
    }

    /**
     * On a superuser connection to {@link #DATABASE}: loads the sample data into schema {@code public} and grants
     * the gateway role every privilege on the schema, its tables and its sequences.
     */
    public static void loadAndGrant(Connection superuser, SampleData data) throws SQLException {
        data.load(superuser);
        try (Statement statement = superuser.createStatement()) {
            statement.execute("GRANT ALL PRIVILEGES ON SCHEMA public TO " + GATEWAY_USER);
            statement.execute("GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO " + GATEWAY_USER);
            statement.execute("GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public TO " + GATEWAY_USER);
        }
    }

    /**
     * On a MySQL or MariaDB connection with every privilege: creates {@link #DATABASE} (utf8mb4, binary collation,
     * so that text compares as under PostgreSQL's C collation) and the gateway's login at each of {@code hosts}
     * ({@code 127.0.0.1} and {@code localhost} on the same machine, {@code %} behind a container's network), with
     * a {@code mysql_native_password} password and every privilege on {@link #DATABASE}, nothing else.
     * MariaDB syntax ({@code IDENTIFIED VIA}).
     */
    public static void createMySqlDatabaseAndGatewayUser(Connection root, String gatewayPassword, List<String> hosts)
            throws SQLException {
        requireNonNull(gatewayPassword, "gatewayPassword is null");
        try (Statement statement = root.createStatement()) {
            statement.execute("CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
            for (String host : hosts) {
                String account = literal(GATEWAY_USER) + "@" + literal(host);
                statement.execute("CREATE USER " + account + " IDENTIFIED VIA mysql_native_password USING PASSWORD("
                        + literal(gatewayPassword) + ")");
                statement.execute("GRANT ALL PRIVILEGES ON " + DATABASE + ".* TO " + account);
            }
        }
    }

    /** On a MySQL or MariaDB connection with every privilege: loads the sample data into {@link #DATABASE}. */
    public static void loadMySql(Connection root, SampleData data) throws SQLException {
        root.setCatalog(DATABASE);
        data.load(root);
    }

    /** Sets a role's password (SCRAM-SHA-256). */
    public static void setPassword(Connection superuser, String role, String password) throws SQLException {
        try (Statement statement = superuser.createStatement()) {
            statement.execute("SET password_encryption = 'scram-sha-256'");
            statement.execute("ALTER ROLE " + identifier(role) + " PASSWORD " + literal(password));
        }
    }

    /**
     * A SQL string literal; DDL takes no bind parameters. MySQL reads it the same way as long as it holds no
     * backslash, which the names and generated passwords used here never do.
     */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
