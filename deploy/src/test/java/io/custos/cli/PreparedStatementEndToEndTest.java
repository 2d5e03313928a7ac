package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.cli.demo.SampleData;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SQL-level prepared statements through the gateway, each statement its own message: an EXECUTE carries the decision
 * of the PREPARE it names, so a role that may only read runs a prepared query and gets its outputs masked; after
 * DEALLOCATE the EXECUTE goes to the server, whose error reaches the client; a PREPARE the caller could not run as a
 * query is refused.
 */
class PreparedStatementEndToEndTest {
    private static GatewayFixture fixture;
    private static SampleData.CustomerBank bank;

    @BeforeAll
    static void startGateway() {
        fixture = GatewayFixture.get();
        bank = fixture.database.data().banks().get(0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"staff", "contractor"})
    void postgresExecute_runsThePreparedQueryMasked(String user) throws SQLException {
        try (Connection connection = fixture.connect(user);
                Statement statement = connection.createStatement()) {
            statement.execute("PREPARE bank_of (bigint) AS SELECT customer_id, account_no FROM customer_bank"
                    + " WHERE customer_id = $1");

            try (ResultSet result = statement.executeQuery("EXECUTE bank_of(" + bank.customerId() + ")")) {
                assertThat(result.next()).isTrue();
                assertThat(result.getString("account_no")).isEqualTo(masked(bank.accountNo()));
                assertThat(result.next()).isFalse();
            }

            statement.execute("DEALLOCATE bank_of");
            assertThatThrownBy(() -> statement.executeQuery("EXECUTE bank_of(1)"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("26000"));
            assertThatThrownBy(() -> statement.execute(
                            "PREPARE by_name AS SELECT customer_id FROM customer_bank WHERE account_no LIKE $1"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42501");
                        assertThat(e.getMessage()).contains("customer_bank.account_no (level 3)");
                    });
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"clerk", "staff"})
    void mySqlExecute_runsThePreparedQueryMasked(String user) throws SQLException {
        try (Connection connection = fixture.connectMySql(user, "");
                Statement statement = connection.createStatement()) {
            statement.execute("PREPARE bank_of FROM 'SELECT customer_id, account_no FROM customer_bank"
                    + " WHERE customer_id = " + bank.customerId() + "'");

            try (ResultSet result = statement.executeQuery("EXECUTE bank_of")) {
                assertThat(result.next()).isTrue();
                assertThat(result.getString("account_no")).isEqualTo(masked(bank.accountNo()));
                assertThat(result.next()).isFalse();
            }

            statement.execute("DEALLOCATE PREPARE bank_of");
            assertThatThrownBy(() -> statement.executeQuery("EXECUTE bank_of"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode())
                            .isEqualTo(1243));
        }
    }

    /** The demo policy's mask of account_no: partial, keeping the last four characters. */
    private static String masked(String accountNo) {
        return "*".repeat(accountNo.length() - 4) + accountNo.substring(accountNo.length() - 4);
    }
}
