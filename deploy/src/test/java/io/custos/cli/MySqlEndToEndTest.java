package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysql.cj.jdbc.JdbcConnection;
import io.custos.cli.demo.SampleData;
import io.custos.policy.ColumnRule;
import io.custos.policy.Mask;
import io.custos.policy.Policy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
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

    // ---- LOAD DATA LOCAL INFILE, COM_CHANGE_USER, cursors, batches and large values

    @Test
    void loadDataLocal_refusedForClerk() throws SQLException, IOException {
        Path file = ticketFile("refused");
        try (Connection connection = fixture.connectMySql("clerk", "allowLocalInfile=true");
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeUpdate(loadTickets(file)))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1142);
                        assertThat(e.getMessage()).contains("may not import or export");
                    });
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void loadDataLocal_importsTheClientsFileForItAdmin() throws SQLException, IOException {
        String marker = "custos-e2e-load-" + System.nanoTime();
        Path file = ticketFile(marker);
        try (Connection connection = fixture.connectMySql("it_admin", "allowLocalInfile=true");
                Statement statement = connection.createStatement()) {
            assertThat(statement.executeUpdate(loadTickets(file))).isEqualTo(2);

            assertThat(count(connection, "SELECT count(*) FROM service_ticket WHERE content LIKE '" + marker + "%'"))
                    .isEqualTo(2);
            assertThat(statement.executeUpdate("DELETE FROM service_ticket WHERE content LIKE '" + marker + "%'"))
                    .isEqualTo(2);
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void changeUser_mysqlConnectorJ_switchesClearance() throws SQLException {
        String query = "SELECT mobile FROM customer WHERE id = 1";
        String real;
        try (Connection connection = fixture.connectMySqlDirect()) {
            real = single(connection, query);
        }
        Object masked = masked(mobileRule().mask(), real);
        try (Connection connection = connectMySqlConnectorJ("contractor", "")) {
            JdbcConnection mysql = connection.unwrap(JdbcConnection.class);
            assertThat(single(connection, query)).isEqualTo(masked).isNotEqualTo(real);

            mysql.changeUser("it_admin", GatewayFixture.PASSWORD);
            assertThat(single(connection, query)).isEqualTo(real);

            mysql.changeUser("contractor", GatewayFixture.PASSWORD);
            assertThat(single(connection, query)).isEqualTo(masked);
        }
    }

    @Test
    void cursorFetch_mysqlConnectorJ_masksEveryRow() throws SQLException {
        String query = "SELECT id, mobile FROM customer ORDER BY id LIMIT 35";
        List<List<Object>> direct;
        try (Connection connection = fixture.connectMySqlDirect()) {
            direct = read(connection, query);
        }
        Mask mask = mobileRule().mask();
        List<List<Object>> expected = direct.stream()
                .map(row -> List.of(row.get(0), masked(mask, row.get(1))))
                .toList();
        try (Connection connection = connectMySqlConnectorJ("contractor", "useCursorFetch=true&defaultFetchSize=10")) {
            assertThat(read(connection, query)).hasSize(35).isEqualTo(expected);
        }
    }

    @Test
    void rewrittenBatch_insertsEveryRow() throws SQLException {
        String marker = "custos-e2e-batch-" + System.nanoTime();
        try (Connection connection = connectMySqlConnectorJ("staff", "rewriteBatchedStatements=true");
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO service_ticket (customer_id, category, content, status, created_at)"
                                + " VALUES (?, 'billing', ?, 'open', '2024-05-06 07:08:09')")) {
            for (int i = 0; i < 50; i++) {
                insert.setLong(1, 1 + i % 10);
                insert.setString(2, marker + "-" + i);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        try (Connection connection = fixture.connectMySqlDirect()) {
            assertThat(count(connection, "SELECT count(*) FROM service_ticket WHERE content LIKE '" + marker + "%'"))
                    .isEqualTo(50);
        }
        try (Connection connection = fixture.connectMySql("it_admin", "");
                Statement statement = connection.createStatement()) {
            assertThat(statement.executeUpdate("DELETE FROM service_ticket WHERE content LIKE '" + marker + "%'"))
                    .isEqualTo(50);
        }
    }

    /**
     * A 20 MiB value through a server-prepared statement, both ways: each crosses the gateway as several wire packets.
     * service_ticket.content is a TEXT column (64 KiB at most), so the value goes into a LONGTEXT table of the test's
     * own, dropped again.
     */
    @Test
    void largeValue_serverPrepared_roundTrips() throws SQLException {
        String value = "custos-large-value ".repeat(20 * 1024 * 1024 / 19 + 1).substring(0, 20 * 1024 * 1024);
        try (Connection connection = fixture.connectMySql("it_admin", "useServerPrepStmts=true");
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE custos_e2e_large_value (id int PRIMARY KEY, content longtext)");
            try {
                try (PreparedStatement insert =
                        connection.prepareStatement("INSERT INTO custos_e2e_large_value VALUES (?, ?)")) {
                    insert.setInt(1, 1);
                    insert.setString(2, value);
                    assertThat(insert.executeUpdate()).isEqualTo(1);
                }
                try (PreparedStatement select =
                        connection.prepareStatement("SELECT content FROM custos_e2e_large_value WHERE id = ?")) {
                    select.setInt(1, 1);
                    try (ResultSet result = select.executeQuery()) {
                        assertThat(result.next()).isTrue();
                        String read = result.getString(1);
                        assertThat(read.length()).isEqualTo(value.length());
                        assertThat(read.equals(value))
                                .as("the value read back equals the one written")
                                .isTrue();
                    }
                }
            } finally {
                statement.execute("DROP TABLE custos_e2e_large_value");
            }
        }
    }

    private static Connection connectMySqlConnectorJ(String user, String parameters) throws SQLException {
        String url = "jdbc:mysql://127.0.0.1:"
                + fixture.gateway.mysqlAddress().orElseThrow().getPort()
                + "/custos_demo?sslMode=DISABLED&allowPublicKeyRetrieval=true"
                + (parameters.isEmpty() ? "" : "&" + parameters);
        return DriverManager.getConnection(url, user, GatewayFixture.PASSWORD);
    }

    /** Two tickets, tab-separated, their content starting with {@code marker}. */
    private static Path ticketFile(String marker) throws IOException {
        Path file = Files.createTempFile("custos-e2e-tickets-", ".tsv");
        Files.writeString(
                file,
                "1\tbilling\t" + marker + " one\topen\t2024-05-06 07:08:09\n" + "2\tdelivery\t" + marker
                        + " two\tclosed\t2024-05-07 08:09:10\n",
                StandardCharsets.UTF_8);
        return file;
    }

    private static String loadTickets(Path file) {
        return "LOAD DATA LOCAL INFILE '" + file + "' INTO TABLE service_ticket"
                + " (customer_id, category, content, status, created_at)";
    }

    private static ColumnRule mobileRule() {
        return fixture.policy
                .classification()
                .rule("custos_demo", "customer", "mobile")
                .orElseThrow();
    }

    private static String single(Connection connection, String query) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(query)) {
            assertThat(result.next()).isTrue();
            return result.getString(1);
        }
    }

    private static long count(Connection connection, String query) throws SQLException {
        return Long.parseLong(single(connection, query));
    }

    /** Ways around the masks found by probing; each must come back refused, withheld or masked. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                // Warnings quote the value an implicit conversion failed on.
                "contractor | SELECT id FROM customer WHERE id <= 3 AND concat(mobile, 'x') = 0; SHOW WARNINGS",
                "staff      | SELECT customer_id FROM customer_bank WHERE concat(account_no, 'x', credit_card_no) = 0; SHOW WARNINGS",
                // The note of EXPLAIN EXTENDED holds the row a primary-key lookup found.
                "contractor | EXPLAIN EXTENDED SELECT mobile FROM customer WHERE id = 1; SHOW WARNINGS",
                // Errors that quote values.
                "contractor | SELECT count(*) FROM customer GROUP BY concat(name, floor(rand(0) * 2))",
                "contractor | SELECT id FROM customer WHERE id = 1 AND extractvalue(1, concat(0x7e, mobile)) IS NULL",
                // A mode change read by the server, not by the gate, before the next statement.
                "contractor | SET sql_mode = 'NO_BACKSLASH_ESCAPES'; SELECT 'a\\', mobile, '#' FROM customer WHERE id = 1",
                "staff      | SET sql_mode = 'ANSI_QUOTES'; SELECT \"account_no\" FROM customer_bank WHERE customer_id = 1",
            })
    void probing_revealsNoProtectedValue(String user, String sql) throws SQLException {
        SampleData data = fixture.database.data();
        List<String> secrets = List.of(
                data.customer(1).mobile(),
                data.customer(2).mobile(),
                data.customer(1).name(),
                data.banks().get(0).accountNo(),
                data.banks().get(0).creditCardNo());
        List<String> received = new ArrayList<>();
        try (Connection connection = fixture.connectMySql(user, "allowMultiQueries=true");
                Statement statement = connection.createStatement()) {
            try {
                boolean results = statement.execute(sql);
                while (true) {
                    if (results) {
                        try (ResultSet result = statement.getResultSet()) {
                            int columns = result.getMetaData().getColumnCount();
                            while (result.next()) {
                                for (int i = 1; i <= columns; i++) {
                                    received.add(String.valueOf(result.getString(i)));
                                }
                            }
                        }
                    } else if (statement.getUpdateCount() == -1) {
                        break;
                    }
                    results = statement.getMoreResults();
                }
            } catch (SQLException e) {
                received.add(e.getMessage());
                assertThat(e.getErrorCode() == 1142 || e.getMessage().contains("its message is withheld"))
                        .as("only refusals and withheld errors may fail here: %s", e.getMessage())
                        .isTrue();
            }
            for (SQLWarning warning = statement.getWarnings(); warning != null; warning = warning.getNextWarning()) {
                received.add(warning.getMessage());
            }
        }

        assertThat(received).isNotEmpty();
        for (String secret : secrets) {
            assertThat(received).noneMatch(text -> text.contains(secret));
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
        assertThat(gatewayHeader.types()).as("types of %s", query).isEqualTo(header.types());
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
            List<String> types = new ArrayList<>();
            List<Optional<ColumnRule>> rules = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                labels.add(meta.getColumnLabel(i));
                // The JDBC type; the type name differs for a masked TEXT column, which comes back as VARCHAR.
                types.add(String.valueOf(meta.getColumnType(i)));
                String table = meta.getTableName(i);
                rules.add(
                        table == null || table.isEmpty()
                                ? Optional.empty()
                                : fixture.policy.classification().rule("custos_demo", table, meta.getColumnName(i)));
            }
            return new Header(labels, types, rules);
        }
    }

    private record Header(List<String> labels, List<String> types, List<Optional<ColumnRule>> rules) {}
}
