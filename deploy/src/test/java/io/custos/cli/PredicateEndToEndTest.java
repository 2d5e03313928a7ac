package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.cli.demo.SampleData;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Predicates and orderings on protected columns through the gateway, on PostgreSQL and MariaDB with the demo policy:
 * a lookup by a column whose filter is {@code equality} works and comes back masked, patterns, ranges, orderings and
 * groupings are refused with a native permission error naming the column, and the session goes on.
 */
class PredicateEndToEndTest {
    private static final int CUSTOMER = 7;

    private static GatewayFixture fixture;
    private static SampleData data;

    @BeforeAll
    static void startGateway() {
        fixture = GatewayFixture.get();
        data = fixture.database.data();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgresql", "mysql"})
    void lookupByMobile_contractor_findsTheCustomerMasked(String protocol) throws SQLException {
        SampleData.Customer customer = data.customer(CUSTOMER);
        try (Connection connection = connect(protocol, "contractor");
                PreparedStatement statement =
                        connection.prepareStatement("SELECT id, name, mobile FROM customer WHERE mobile = ?")) {
            statement.setString(1, customer.mobile());
            try (ResultSet result = statement.executeQuery()) {
                assertThat(result.next()).isTrue();
                assertThat(result.getLong("id")).isEqualTo(CUSTOMER);
                assertThat(result.getString("name"))
                        .isEqualTo(customer.name().charAt(0)
                                + "*".repeat(customer.name().length() - 1));
                String mobile = customer.mobile();
                assertThat(result.getString("mobile"))
                        .isEqualTo(mobile.substring(0, 3) + "****" + mobile.substring(mobile.length() - 4));
                assertThat(result.next()).isFalse();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgresql", "mysql"})
    void lookupByMobile_staff_findsTheCustomerWithIncomeMasked(String protocol) throws SQLException {
        SampleData.Customer customer = data.customer(CUSTOMER);
        try (Connection connection = connect(protocol, "staff");
                PreparedStatement statement =
                        connection.prepareStatement("SELECT c.id, c.name, a.annual_income FROM customer c"
                                + " JOIN customer_asset a ON a.customer_id = c.id WHERE c.mobile IN (?, ?)")) {
            statement.setString(1, customer.mobile());
            statement.setString(2, "00000000000");
            try (ResultSet result = statement.executeQuery()) {
                assertThat(result.next()).isTrue();
                assertThat(result.getLong("id")).isEqualTo(CUSTOMER);
                assertThat(result.getString("name")).isEqualTo(customer.name());
                assertThat(result.getBigDecimal("annual_income")).isNull();
                assertThat(result.next()).isFalse();
            }
        }
    }

    @ParameterizedTest(name = "{0}: {1}: {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "postgresql | contractor | SELECT id FROM customer WHERE mobile LIKE '138%'"
                        + " | custos: customer.mobile (level 1) may only be compared with = or IN in WHERE by role contractor",
                "postgresql | contractor | SELECT id FROM customer ORDER BY mobile LIMIT 1"
                        + " | custos: customer.mobile (level 1) may not be used in ORDER BY by role contractor",
                "postgresql | contractor | SELECT name, count(*) FROM customer GROUP BY name"
                        + " | custos: customer.name (level 1) may not be used in GROUP BY by role contractor",
                "postgresql | staff      | SELECT customer_id FROM customer_asset WHERE annual_income > 100000"
                        + " | custos: customer_asset.annual_income (level 2) may not be used in WHERE by role staff",
                "postgresql | staff      | SELECT customer_id, bank_name FROM customer_bank ORDER BY 2, account_no"
                        + " | custos: customer_bank.account_no (level 3) may not be used in ORDER BY by role staff",
                "postgresql | contractor | SELECT * FROM (SELECT id, mobile m FROM customer) t WHERE t.m LIKE '13%'"
                        + " | custos: customer.mobile (level 1) may only be compared with = or IN in WHERE by role contractor",
                "postgresql | contractor | SELECT p.id FROM project p WHERE EXISTS (SELECT 1 FROM customer c"
                        + " WHERE c.project_id = p.id AND substr(c.id_card_no, 7, 4) = '1990')"
                        + " | custos: customer.id_card_no (level 1) may only be compared with = or IN in WHERE by role contractor",
                "postgresql | contractor | EXPLAIN SELECT id FROM customer WHERE mobile > '139'"
                        + " | custos: customer.mobile (level 1) may only be compared with = or IN in WHERE by role contractor",
                "postgresql | contractor | EXPLAIN DELETE FROM service_ticket | custos: role contractor may not run DELETE",
                "mysql      | contractor | SELECT id FROM customer WHERE mobile LIKE '138%'"
                        + " | custos: customer.mobile (level 1) may only be compared with = or IN in WHERE by role contractor",
                "mysql      | contractor | SELECT id FROM customer ORDER BY mobile LIMIT 1"
                        + " | custos: customer.mobile (level 1) may not be used in ORDER BY by role contractor",
                "mysql      | contractor | SELECT name, COUNT(*) FROM customer GROUP BY name WITH ROLLUP"
                        + " | custos: customer.name (level 1) may not be used in GROUP BY by role contractor",
                "mysql      | staff      | SELECT customer_id FROM customer_asset WHERE annual_income > 100000"
                        + " | custos: customer_asset.annual_income (level 2) may not be used in WHERE by role staff",
                "mysql      | staff      | SELECT GROUP_CONCAT(customer_id ORDER BY account_no) FROM customer_bank"
                        + " | custos: customer_bank.account_no (level 3) may not be used in an aggregate's ORDER BY by role staff",
                "mysql      | contractor | EXPLAIN SELECT id FROM customer WHERE LEFT(mobile, 3) = '138'"
                        + " | custos: customer.mobile (level 1) may only be compared with = or IN in WHERE by role contractor",
                "mysql      | contractor | EXPLAIN DELETE FROM service_ticket | custos: role contractor may not run DELETE",
            })
    void predicateOrOrdering_refusedAndTheSessionGoesOn(String protocol, String user, String sql, String reason)
            throws SQLException {
        try (Connection connection = connect(protocol, user);
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeQuery(sql))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining(reason)
                    .satisfies(e -> assertRefusal(protocol, (SQLException) e));

            try (ResultSet result = statement.executeQuery("SELECT count(*) FROM customer")) {
                assertThat(result.next()).isTrue();
                assertThat(result.getLong(1)).isEqualTo(data.customers().size());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgresql", "mysql"})
    void explainOfALookup_runs(String protocol) throws SQLException {
        try (Connection connection = connect(protocol, "contractor");
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("EXPLAIN SELECT id, name FROM customer WHERE mobile = '"
                        + data.customer(CUSTOMER).mobile() + "'")) {
            assertThat(result.next()).isTrue();
        }
    }

    @Test
    void refusal_isAuditedWithItsRule() throws Exception {
        String marker = "predicate_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection connection = connect("postgresql", "contractor");
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeQuery(
                            "SELECT id AS " + marker + " FROM customer WHERE mobile LIKE '138%'"))
                    .isInstanceOf(SQLException.class);
            assertThatThrownBy(
                            () -> statement.executeQuery("SELECT id AS " + marker + " FROM customer ORDER BY mobile"))
                    .isInstanceOf(SQLException.class);
        }

        List<String> lines = fixture.auditLines(line -> line.contains(marker), 2);

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0))
                .contains("\"decision\":\"refused\"")
                .contains("\"rule\":\"predicate\"")
                .doesNotContain("138%");
        assertThat(lines.get(1)).contains("\"decision\":\"refused\"").contains("\"rule\":\"result-shaping\"");
    }

    @Test
    void rangeOnAColumnTheCallerMaySee_runs() throws SQLException {
        try (Connection connection = connect("postgresql", "clerk");
                Statement statement = connection.createStatement();
                ResultSet result =
                        statement.executeQuery("SELECT count(*) FROM customer_asset WHERE annual_income > 100000")) {
            assertThat(result.next()).isTrue();
            long expected = data.assets().stream()
                    .filter(asset -> asset.annualIncome().compareTo(BigDecimal.valueOf(100_000)) > 0)
                    .count();
            assertThat(result.getLong(1)).isEqualTo(expected);
        }
    }

    private static void assertRefusal(String protocol, SQLException e) {
        if (protocol.equals("mysql")) {
            assertThat(e.getErrorCode()).isEqualTo(1142);
            assertThat(e.getSQLState()).isEqualTo("42000");
        } else {
            assertThat(e.getSQLState()).isEqualTo("42501");
        }
    }

    private static Connection connect(String protocol, String user) throws SQLException {
        return protocol.equals("mysql") ? fixture.connectMySql(user, "") : fixture.connect(user);
    }
}
