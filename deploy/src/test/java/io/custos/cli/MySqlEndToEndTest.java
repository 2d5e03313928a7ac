package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.policy.ColumnRule;
import io.custos.policy.Mask;
import io.custos.policy.Policy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The MySQL side of the demo through MariaDB Connector/J: each demo user reads the sample database through the gateway
 * and directly; values must be equal except those of columns above the user's clearance, which must be exactly what
 * the column's mask makes of the direct value; column labels must be equal.
 */
class MySqlEndToEndTest {
    private static final List<String> USERS = List.of("it_admin", "clerk", "staff", "contractor");

    private static final List<String> QUERIES = List.of(
            "SELECT * FROM customer_bank ORDER BY customer_id LIMIT 3",
            "SELECT * FROM customer ORDER BY id LIMIT 25",
            "SELECT * FROM customer_asset ORDER BY customer_id LIMIT 25",
            "SELECT * FROM project ORDER BY id",
            "SELECT c.id, c.name, c.mobile, a.annual_income, b.account_no, p.city FROM customer c"
                    + " JOIN customer_asset a ON a.customer_id = c.id JOIN customer_bank b ON b.customer_id = c.id"
                    + " JOIN project p ON p.id = c.project_id ORDER BY c.id LIMIT 25",
            "SELECT `t`.`id`, c.`name` AS customer_name FROM service_ticket t JOIN customer c ON c.id = t.customer_id"
                    + " ORDER BY t.id LIMIT 25");

    private static GatewayFixture fixture;

    @BeforeAll
    static void startGateway() {
        fixture = GatewayFixture.get();
    }

    static Stream<Arguments> usersAndQueries() {
        return USERS.stream().flatMap(user -> QUERIES.stream().map(query -> Arguments.of(user, query)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("usersAndQueries")
    void textProtocol_masksExactlyAboveClearance(String user, String query) throws SQLException {
        compare(user, query, "");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("usersAndQueries")
    void serverPrepared_masksExactlyAboveClearance(String user, String query) throws SQLException {
        compare(user, query, "useServerPrepStmts=true");
    }

    @ParameterizedTest
    @ValueSource(strings = {"staff", "contractor"})
    void writes_refusedByRole(String user) throws SQLException {
        try (Connection connection = fixture.connectMySql(user, "");
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeUpdate("UPDATE project SET city = city WHERE id = 1"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("custos: role " + user + " may not run UPDATE")
                    .satisfies(
                            e -> assertThat(((SQLException) e).getErrorCode()).isEqualTo(1142))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42000"));

            try (ResultSet result = statement.executeQuery("SELECT count(*) FROM project")) {
                assertThat(result.next()).isTrue();
                assertThat(result.getInt(1)).isEqualTo(20);
            }
        }
    }

    @Test
    void import_refusedForClerk() throws SQLException {
        try (Connection connection = fixture.connectMySql("clerk", "");
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(
                            () -> statement.executeQuery("SELECT id INTO OUTFILE '/tmp/custos-out.txt' FROM project"))
                    .hasMessageContaining("may not import or export")
                    .satisfies(
                            e -> assertThat(((SQLException) e).getErrorCode()).isEqualTo(1142));
            assertThatThrownBy(() -> statement.executeQuery("SELECT LOAD_FILE('/etc/hostname')"))
                    .hasMessageContaining("may not import or export");
        }
    }

    @Test
    void placeholders_boundValuesReachTheDatabase() throws SQLException {
        String mobile = fixture.database.data().customer(7).mobile();
        try (Connection connection = fixture.connectMySql("contractor", "useServerPrepStmts=true");
                PreparedStatement statement =
                        connection.prepareStatement("SELECT id, mobile FROM customer WHERE id = ?")) {
            statement.setLong(1, 7);
            try (ResultSet result = statement.executeQuery()) {
                assertThat(result.next()).isTrue();
                assertThat(result.getLong(1)).isEqualTo(7);
                assertThat(result.getString(2)).isEqualTo(mobile.substring(0, 3) + "****" + mobile.substring(7));
            }
        }
    }

    private static void compare(String user, String query, String parameters) throws SQLException {
        List<List<Object>> direct;
        Header header;
        try (Connection connection = fixture.connectMySqlDirect()) {
            direct = read(connection, query);
            header = headerOf(connection, query);
        }
        List<List<Object>> gateway;
        Header gatewayHeader;
        try (Connection connection = fixture.connectMySql(user, parameters)) {
            gateway = read(connection, query);
            gatewayHeader = headerOf(connection, query);
        }

        Policy policy = fixture.policy;
        int clearance = policy.role(policy.user(user).orElseThrow()).clearance();
        assertThat(gatewayHeader.labels()).as("labels of %s", query).isEqualTo(header.labels());
        if (query.contains("customer")) {
            assertThat(header.rules())
                    .as("classified columns found in %s", query)
                    .anyMatch(Optional::isPresent);
        }
        assertThat(gateway).hasSameSizeAs(direct);
        for (int row = 0; row < direct.size(); row++) {
            for (int column = 0; column < header.labels().size(); column++) {
                Object expected = direct.get(row).get(column);
                Optional<ColumnRule> rule = header.rules().get(column);
                if (rule.isPresent() && rule.get().level() > clearance) {
                    expected = masked(rule.get().mask(), expected);
                }
                assertThat(gateway.get(row).get(column))
                        .as("%s, row %d, column %s", user, row, header.labels().get(column))
                        .isEqualTo(expected);
            }
        }
    }

    private static Object masked(Mask mask, Object value) {
        if (value == null || !(value instanceof String text)) {
            return null;
        }
        if (mask instanceof Mask.Full full) {
            return full.text();
        }
        if (mask instanceof Mask.Partial partial) {
            int length = text.codePointCount(0, text.length());
            if (length <= partial.keepFirst() + partial.keepLast()) {
                return partial.fill().repeat(length);
            }
            int[] points = text.codePoints().toArray();
            return new String(points, 0, partial.keepFirst())
                    + partial.fill().repeat(length - partial.keepFirst() - partial.keepLast())
                    + new String(points, length - partial.keepLast(), partial.keepLast());
        }
        return null;
    }

    private static List<List<Object>> read(Connection connection, String query) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(query);
                ResultSet result = statement.executeQuery()) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<Object> values = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    Object value = result.getObject(i);
                    values.add(value instanceof String || value == null ? value : String.valueOf(value));
                }
                rows.add(values);
            }
        }
        return rows;
    }

    /** Labels, and the classified column behind each output as the direct connection's metadata names it. */
    private static Header headerOf(Connection connection, String query) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(query);
                ResultSet result = statement.executeQuery()) {
            ResultSetMetaData meta = result.getMetaData();
            List<String> labels = new ArrayList<>();
            List<Optional<ColumnRule>> rules = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                labels.add(meta.getColumnLabel(i));
                String table = meta.getTableName(i);
                rules.add(
                        table == null || table.isEmpty()
                                ? Optional.empty()
                                : fixture.policy.classification().rule("custos_demo", table, meta.getColumnName(i)));
            }
            return new Header(labels, rules);
        }
    }

    private record Header(List<String> labels, List<Optional<ColumnRule>> rules) {}
}
