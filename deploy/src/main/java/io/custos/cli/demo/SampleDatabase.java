package io.custos.cli.demo;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Prepares a PostgreSQL server for the demo and the tests: the {@code custos_demo} database, the gateway's own
 * login role, the sample data, and the grants the gateway needs. Shared by the embedded server and by a server in a
 * container.
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

    /** Sets a role's password (SCRAM-SHA-256). */
    public static void setPassword(Connection superuser, String role, String password) throws SQLException {
        try (Statement statement = superuser.createStatement()) {
            statement.execute("SET password_encryption = 'scram-sha-256'");
            statement.execute("ALTER ROLE " + identifier(role) + " PASSWORD " + literal(password));
        }
    }

    /** A SQL string literal; DDL takes no bind parameters. */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
