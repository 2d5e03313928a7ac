package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.custos.cli.demo.SampleData;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ways around the masks found by probing the gateway: each statement must come back refused or masked, and no real
 * value of a column above the caller's clearance may appear anywhere in what the client receives (rows, errors,
 * notices).
 */
class LeakEndToEndTest {
    private static GatewayFixture fixture;
    private static List<String> secrets;

    @BeforeAll
    static void startGateway() {
        fixture = GatewayFixture.get();
        SampleData data = fixture.database.data();
        SampleData.Customer customer = data.customer(1);
        SampleData.CustomerBank bank = data.banks().get(0);
        secrets = List.of(
                customer.mobile(),
                customer.idCardNo(),
                customer.name(),
                bank.accountNo(),
                bank.creditCardNo(),
                // The hidden middle of the masked forms (132****9641, ***************4473): what shifting reveals.
                customer.mobile().substring(3, 6),
                bank.accountNo().substring(11, 15));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '#',
            quoteCharacter = '"',
            value = {
                // Planner statistics hold column values.
                "contractor # SELECT attname, most_common_vals::text, histogram_bounds::text FROM pg_stats WHERE tablename IN ('customer', 'customer_bank')",
                // SQL given as text to a function.
                "contractor # SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, to_tsquery(''simple'', mobile) FROM customer WHERE id = 1')",
                // A failing cast inside a masked expression would quote the value in its error.
                "contractor # SELECT (mobile::int)::text FROM customer WHERE id = 1",
                "staff      # SELECT CAST(CAST(account_no AS int) AS varchar) FROM customer_bank WHERE customer_id = 1",
                "staff      # SELECT CAST(CAST(credit_card_no AS int) AS varchar) FROM customer_bank WHERE customer_id = 1",
                // Shifting hidden characters into the ones a partial mask keeps.
                "contractor # SELECT substr(mobile, 4) FROM customer WHERE id = 1",
                "contractor # SELECT substr(mobile, 7) || '0000000' FROM customer WHERE id = 1",
                "staff      # SELECT left(account_no, 15), left(account_no, 11), left(account_no, 7) FROM customer_bank WHERE customer_id = 1",
                "contractor # SELECT x FROM (SELECT substr(mobile, 4) AS x FROM customer WHERE id = 1) t",
                "contractor # SELECT md5(mobile) FROM customer WHERE id = 1",
                // Side channels out of a derived table.
                "contractor # SELECT count(*) FROM (SELECT set_config('my.v', mobile || '/' || name, false) AS x FROM customer WHERE id = 1) s",
                "contractor # SELECT count(*) FROM (SELECT pg_notify('c', mobile) AS x FROM customer WHERE id = 1) s",
                // An inner query's outputs are evaluated even when the result does not show them, and functions
                // that take a name quote it in their errors.
                "contractor # SELECT count(*) FROM (SELECT nextval(mobile) AS x FROM customer WHERE id = 1 OFFSET 0) s",
                "contractor # SELECT count(*) FROM (SELECT current_setting(name) FROM customer WHERE id = 1 OFFSET 0) s",
                "staff      # WITH b AS MATERIALIZED (SELECT has_schema_privilege(account_no, 'usage') FROM customer_bank) SELECT count(*) FROM b",
                "contractor # SELECT (SELECT count(*) FROM (SELECT pg_relation_size(mobile) FROM customer OFFSET 0) i) AS n",
                "contractor # SELECT id FROM customer WHERE id = 1 AND nextval(mobile) > 0",
                "contractor # SELECT id FROM project WHERE current_setting((SELECT string_agg(mobile, ',') FROM customer WHERE id <= 3)) IS NULL",
                // Conversion errors quote the value they failed on; a predicate can make the database convert.
                "contractor # SELECT id FROM customer WHERE id = 1 AND cast(name AS date) IS NULL",
                "contractor # SELECT id FROM customer WHERE id = 1 ORDER BY cast(mobile AS int)",
                "staff      # SELECT customer_id FROM customer_bank WHERE customer_id = 1 AND cast(account_no || '|' || credit_card_no AS int) = 0",
                // Other sessions' statement texts.
                "contractor # SELECT query FROM pg_stat_activity",
            })
    void statement_revealsNoProtectedValue(String user, String sql) throws SQLException {
        List<String> received = new ArrayList<>();
        try (Connection connection = fixture.connect(user);
                Statement statement = connection.createStatement()) {
            try (ResultSet result = statement.executeQuery(sql)) {
                ResultSetMetaData meta = result.getMetaData();
                while (result.next()) {
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        received.add(String.valueOf(result.getString(i)));
                    }
                }
            } catch (SQLException e) {
                received.add(e.getMessage());
                assertThat(e.getSQLState().equals("42501") || e.getMessage().contains("its message is withheld"))
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
    /**
     * A second line behind the gate: below full clearance, an error of a statement naming a table with columns above
     * the caller's clearance reaches the client with its SQLSTATE only, unless its kind never quotes data; elsewhere,
     * and at full clearance, the database's message passes.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '#',
            value = {
                "contractor # SELECT id FROM customer WHERE id = 1 AND nextval('no_such_sequence') > 0 # 42P01 # true",
                "it_admin   # SELECT id FROM customer WHERE id = 1 AND nextval('no_such_sequence') > 0 # 42P01 # false",
                "contractor # SELECT id FROM project WHERE id = 1 AND nextval('no_such_sequence') > 0  # 42P01 # false",
                "staff      # SELECT id FROM customer WHERE id = 1 AND nextval('no_such_sequence') > 0 # 42P01 # false",
                "contractor # SELECT id FROM customer WHERE id = 1 AND 1 / 0 = 1                      # 22012 # true",
                "contractor # SELECT id FROM customer WHERE id = 1 AND pg_sleep(5) IS NULL            # 57014 # false",
            })
    void errorMessage_withheldBelowFullClearanceWhereItMayQuoteValues(
            String user, String sql, String sqlState, boolean withheld) throws SQLException {
        try (Connection connection = fixture.connect(user);
                Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(sqlState.equals("57014") ? 1 : 0);
            SQLException error = catchThrowableOfType(() -> statement.executeQuery(sql), SQLException.class);

            assertThat((Throwable) error).as(sql).isNotNull();
            assertThat(error.getSQLState()).isEqualTo(sqlState);
            assertThat(error.getMessage().contains("its message is withheld")).isEqualTo(withheld);
            try (ResultSet result = statement.executeQuery("SELECT 1")) {
                assertThat(result.next()).isTrue();
            }
        }
    }
}
