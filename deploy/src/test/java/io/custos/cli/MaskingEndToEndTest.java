package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.PGResultSetMetaData;

/**
 * Each demo user reads the sample database through the gateway and directly; every value must be equal, except the
 * values of columns above the user's clearance, which must be exactly what the column's mask makes of the direct value.
 * Column names and types must be equal throughout.
 */
class MaskingEndToEndTest {
    private static final List<String> USERS = List.of("it_admin", "clerk", "staff", "contractor");

    private static final List<String> QUERIES = List.of(
            "SELECT * FROM customer_bank LIMIT 3",
            "SELECT * FROM customer ORDER BY id LIMIT 25",
            "SELECT * FROM customer_asset ORDER BY customer_id LIMIT 25",
            "SELECT * FROM customer_bank ORDER BY customer_id LIMIT 25",
            "SELECT * FROM project ORDER BY id",
            "SELECT * FROM service_ticket ORDER BY id LIMIT 25",
            "SELECT c.id, c.name, c.mobile, a.annual_income, b.account_no, p.city FROM customer c"
                    + " JOIN customer_asset a ON a.customer_id = c.id JOIN customer_bank b ON b.customer_id = c.id"
                    + " JOIN project p ON p.id = c.project_id ORDER BY c.id LIMIT 25",
            "SELECT t.id, t.status, c.name AS customer_name FROM service_ticket t JOIN customer c ON c.id = t.customer_id"
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
    void simpleQuery_masksExactlyAboveClearance(String user, String query) throws SQLException {
        List<Row> direct;
        try (Connection connection = fixture.connectDirect()) {
            direct = read(connection, query, false);
        }
        List<Row> gateway;
        try (Connection connection = fixture.connect(user)) {
            gateway = read(connection, query, false);
        }

        assertSameShapeAndMasked(user, query, direct, gateway);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("usersAndQueries")
    void serverPreparedBinary_masksExactlyAboveClearance(String user, String query) throws SQLException {
        List<Row> direct;
        try (Connection connection = fixture.connectDirect()) {
            direct = read(connection, query, true);
        }
        List<Row> gateway;
        try (Connection connection = fixture.connect(user, "prepareThreshold=1&binaryTransfer=true")) {
            read(connection, query, true);
            gateway = read(connection, query, true);
        }

        assertSameShapeAndMasked(user, query, direct, gateway);
    }

    @Test
    void placeholders_boundValuesReachTheDatabase() throws SQLException {
        try (Connection connection = fixture.connect("contractor", "prepareThreshold=1");
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT id, name, project_id FROM customer WHERE id = ? AND project_id > ?")) {
            for (int round = 0; round < 3; round++) {
                statement.setLong(1, 7);
                statement.setLong(2, 0);
                try (ResultSet result = statement.executeQuery()) {
                    assertThat(result.next()).isTrue();
                    assertThat(result.getLong("id")).isEqualTo(7);
                    String expectedName = fixture.database.data().customer(7).name();
                    assertThat(result.getString("name"))
                            .isEqualTo(expectedName.substring(0, 1) + "*".repeat(expectedName.length() - 1));
                    assertThat(result.next()).isFalse();
                }
            }
        }
    }

    private static void assertSameShapeAndMasked(String user, String query, List<Row> direct, List<Row> gateway) {
        Policy policy = fixture.policy;
        int clearance = policy.role(policy.user(user).orElseThrow()).clearance();
        Header header = direct.get(0).header;
        assertThat(gateway.get(0).header)
                .as("column names and types of %s", query)
                .isEqualTo(header);
        assertThat(gateway).hasSameSizeAs(direct);
        for (int row = 1; row < direct.size(); row++) {
            for (int column = 0; column < header.labels.size(); column++) {
                Object expected = direct.get(row).values.get(column);
                Optional<ColumnRule> rule = header.rules.get(column);
                if (rule.isPresent() && rule.get().level() > clearance) {
                    expected = masked(rule.get().mask(), expected);
                }
                assertThat(gateway.get(row).values.get(column))
                        .as("%s, row %d, column %s", user, row, header.labels.get(column))
                        .isEqualTo(expected);
            }
        }
    }

    /** What each mask makes of a value, written independently of the SQL the gateway generates. */
    private static Object masked(Mask mask, Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
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
        if (mask instanceof Mask.Null) {
            return null;
        }
        throw new IllegalArgumentException("mask not used by the demo policy: " + mask);
    }

    /** Row 0 carries the header; values are read with getObject, so types must decode. */
    private static List<Row> read(Connection connection, String query, boolean prepared) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (Statement statement = prepared ? connection.prepareStatement(query) : connection.createStatement();
                ResultSet result =
                        prepared ? ((PreparedStatement) statement).executeQuery() : statement.executeQuery(query)) {
            ResultSetMetaData meta = result.getMetaData();
            Header header = Header.of(meta);
            rows.add(new Row(header, List.of()));
            while (result.next()) {
                List<Object> values = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    values.add(result.getObject(i));
                }
                rows.add(new Row(header, values));
            }
        }
        return rows;
    }

    private record Row(Header header, List<Object> values) {}

    private record Header(
            List<String> labels, List<String> types, List<Integer> precisions, List<Optional<ColumnRule>> rules) {
        static Header of(ResultSetMetaData meta) throws SQLException {
            List<String> labels = new ArrayList<>();
            List<String> types = new ArrayList<>();
            List<Integer> precisions = new ArrayList<>();
            List<Optional<ColumnRule>> rules = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                labels.add(meta.getColumnLabel(i));
                types.add(meta.getColumnTypeName(i) + "/" + meta.getColumnType(i));
                precisions.add(meta.getPrecision(i) * 1000 + meta.getScale(i));
                rules.add(ruleFor(meta, i));
            }
            return new Header(labels, types, precisions, rules);
        }

        /** Direct results know their source table; through the gateway a masked column does not, so compare without. */
        @Override
        public boolean equals(Object other) {
            return other instanceof Header that
                    && labels.equals(that.labels)
                    && types.equals(that.types)
                    && precisions.equals(that.precisions);
        }

        @Override
        public int hashCode() {
            return Objects.hash(labels, types, precisions);
        }

        private static Optional<ColumnRule> ruleFor(ResultSetMetaData meta, int column) throws SQLException {
            PGResultSetMetaData postgres = meta.unwrap(PGResultSetMetaData.class);
            String table = postgres.getBaseTableName(column);
            String name = postgres.getBaseColumnName(column);
            if (table == null || table.isEmpty()) {
                return Optional.empty();
            }
            return fixture.policy.classification().rule("public", table, name);
        }
    }
}
