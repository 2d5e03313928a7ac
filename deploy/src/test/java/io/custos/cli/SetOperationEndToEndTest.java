package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.cli.demo.SampleData;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Set operations through the gateway on PostgreSQL and MariaDB: each branch is masked by its own sources, so a branch
 * without protected columns keeps its values and two protected branches keep their own masks.
 */
class SetOperationEndToEndTest {
    private static GatewayFixture fixture;
    private static SampleData.Customer customer;
    private static SampleData.CustomerBank bank;

    @BeforeAll
    static void startGateway() {
        fixture = GatewayFixture.get();
        customer = fixture.database.data().customer(1);
        bank = fixture.database.data().banks().get(0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgresql", "mysql"})
    void union_masksEachBranchByItsOwnSources(String protocol) throws SQLException {
        try (Connection connection = protocol.equals("mysql")
                        ? fixture.connectMySql("contractor", "")
                        : fixture.connect("contractor");
                Statement statement = connection.createStatement()) {
            assertThat(values(
                            statement,
                            "SELECT 'x' AS v UNION ALL SELECT mobile FROM customer WHERE id = " + customer.id()))
                    .containsExactlyInAnyOrder("x", mask("customer", "mobile", customer.mobile(), protocol));
            assertThat(values(
                            statement,
                            "SELECT mobile AS v FROM customer WHERE id = " + customer.id()
                                    + " UNION ALL SELECT account_no FROM customer_bank WHERE customer_id = "
                                    + bank.customerId()))
                    .containsExactlyInAnyOrder(
                            mask("customer", "mobile", customer.mobile(), protocol),
                            mask("customer_bank", "account_no", bank.accountNo(), protocol));
        }
    }

    private static List<String> values(Statement statement, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet result = statement.executeQuery(sql)) {
            while (result.next()) {
                values.add(result.getString(1));
            }
        }
        return values;
    }

    private static String mask(String table, String column, String value, String protocol) {
        String schema = protocol.equals("mysql") ? "custos_demo" : "public";
        return (String) ExpectedMask.apply(
                fixture.policy
                        .classification()
                        .rule(schema, table, column)
                        .orElseThrow()
                        .mask(),
                value);
    }
}
