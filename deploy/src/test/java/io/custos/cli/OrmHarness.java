package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.ColumnRule;
import io.custos.policy.Policy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * What the ORM tests share: the drivers and protocols they run on, the demo users, the values a direct connection
 * reads and what the gateway must make of them for a role, and how a refusal reaches an application.
 */
final class OrmHarness {
    static final List<String> USERS = List.of("it_admin", "clerk", "staff", "contractor");

    /** A driver on a protocol of the gateway, and the database behind it. */
    enum Target {
        POSTGRESQL_PGJDBC,
        MARIADB_CONNECTOR_J,
        MYSQL_CONNECTOR_J;

        boolean mySql() {
            return this != POSTGRESQL_PGJDBC;
        }

        String schema() {
            return mySql() ? "custos_demo" : "public";
        }

        Connection connect(GatewayFixture fixture, String user) throws SQLException {
            return switch (this) {
                case POSTGRESQL_PGJDBC -> fixture.connect(user, "prepareThreshold=1");
                case MARIADB_CONNECTOR_J -> fixture.connectMySql(user, "useServerPrepStmts=true");
                case MYSQL_CONNECTOR_J -> DriverManager.getConnection(
                        "jdbc:mysql://127.0.0.1:"
                                + fixture.gateway.mysqlAddress().orElseThrow().getPort()
                                + "/custos_demo?sslMode=DISABLED&allowPublicKeyRetrieval=true&useServerPrepStmts=true",
                        user,
                        GatewayFixture.PASSWORD);
            };
        }

        Connection connectDirect(GatewayFixture fixture) throws SQLException {
            return mySql() ? fixture.connectMySqlDirect() : fixture.connectDirect();
        }
    }

    private final GatewayFixture fixture;
    private final Map<String, Map<String, Object>> directRows = new ConcurrentHashMap<>();

    OrmHarness(GatewayFixture fixture) {
        this.fixture = fixture;
    }

    static Stream<Arguments> targetsAndUsers() {
        return Stream.of(Target.values()).flatMap(target -> USERS.stream().map(user -> Arguments.of(target, user)));
    }

    int clearance(String user) {
        Policy policy = fixture.policy;
        return policy.role(policy.user(user).orElseThrow()).clearance();
    }

    boolean mayWrite(String user, io.custos.policy.StatementClass statementClass) {
        Policy policy = fixture.policy;
        return policy.role(policy.user(user).orElseThrow()).may(statementClass);
    }

    /**
     * The row of {@code table} whose {@code key} is {@code id}, as a direct connection reads it, each column above the
     * user's clearance replaced by what its mask makes of the value: what the gateway must return to that user.
     */
    Map<String, Object> expectedRow(Target target, String user, String table, String key, long id) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        for (Map.Entry<String, Object> column :
                directRow(target, table, key, id).entrySet()) {
            Object value = column.getValue();
            Optional<ColumnRule> rule = fixture.policy.classification().rule(target.schema(), table, column.getKey());
            if (rule.isPresent() && rule.get().level() > clearance(user)) {
                value = ExpectedMask.apply(rule.get().mask(), value);
            }
            row.put(column.getKey(), value);
        }
        return row;
    }

    /** A row as a direct connection reads it; the tests only read the sample data, so each row is read once. */
    private Map<String, Object> directRow(Target target, String table, String key, long id) throws SQLException {
        String cacheKey = target.schema() + "." + table + "." + id;
        Map<String, Object> cached = directRows.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        try (Connection direct = target.connectDirect(fixture);
                PreparedStatement statement =
                        direct.prepareStatement("SELECT * FROM " + table + " WHERE " + key + " = ?")) {
            statement.setLong(1, id);
            try (ResultSet result = statement.executeQuery()) {
                assertThat(result.next())
                        .as("%s %s = %d exists", table, key, id)
                        .isTrue();
                ResultSetMetaData meta = result.getMetaData();
                for (int column = 1; column <= meta.getColumnCount(); column++) {
                    row.put(meta.getColumnLabel(column), result.getObject(column));
                }
            }
        }
        directRows.put(cacheKey, row);
        return row;
    }

    /** The ids a query returns on a direct connection. */
    List<Long> directIds(Target target, String sql, Object... parameters) throws SQLException {
        try (Connection direct = target.connectDirect(fixture);
                PreparedStatement statement = direct.prepareStatement(sql)) {
            for (int index = 0; index < parameters.length; index++) {
                statement.setObject(index + 1, parameters[index]);
            }
            List<Long> ids = new java.util.ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    ids.add(result.getLong(1));
                }
            }
            return ids;
        }
    }

    /**
     * Asserts that {@code thrown} is the gateway's refusal as the driver reports it, wherever the framework wrapped
     * it: SQLSTATE 42501 on PostgreSQL, error 1142 on MySQL, a message that starts with {@code custos: }.
     */
    static void assertRefused(Throwable thrown, Target target, String messagePart) {
        SQLException refusal = sqlException(thrown);
        assertThat((Object) refusal).as("a SQLException in %s", thrown).isNotNull();
        if (target.mySql()) {
            assertThat(refusal.getErrorCode()).as(refusal.getMessage()).isEqualTo(1142);
        } else {
            assertThat(refusal.getSQLState()).as(refusal.getMessage()).isEqualTo("42501");
        }
        assertThat(refusal.getMessage()).contains("custos: ").contains(messagePart);
    }

    private static SQLException sqlException(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }
}
