package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Names through the gateway resolve as the servers resolve them: PostgreSQL's search path followed through SET, SET
 * LOCAL, RESET and rollback, a temporary table shadowing a classified one, three-part and quoted names, a prepared
 * statement whose path changed; MySQL's current database through USE and COM_INIT_DB, and names without case.
 *
 * <p>Each protocol has a schema of the test's own holding an unclassified table named {@code customer}, so a name
 * that resolves there shows its row as it is, and one that resolves to the sample table comes back masked.
 */
class NameResolutionEndToEndTest {
    private static final String OWN = "e2e-own-row";

    private static OwnGateway gateway;
    private static String mobile;

    @BeforeAll
    static void createSchemas() throws Exception {
        GatewayFixture shared = GatewayFixture.get();
        mobile = shared.database.data().customer(1).mobile();
        dropSchemas();
        try (Connection connection = shared.database.connectAsSuperuser();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA e2e_names AUTHORIZATION " + shared.database.gatewayUser());
            statement.execute("CREATE TABLE e2e_names.customer (id bigint, mobile text)");
            statement.execute("INSERT INTO e2e_names.customer VALUES (1, '" + OWN + "')");
            statement.execute("ALTER TABLE e2e_names.customer OWNER TO " + shared.database.gatewayUser());
        }
        try (Connection connection = shared.mariaDb.connectAsSuperuser();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE e2e_names_db");
            statement.execute("CREATE TABLE e2e_names_db.customer (id bigint, mobile varchar(20))");
            statement.execute("INSERT INTO e2e_names_db.customer VALUES (1, '" + OWN + "')");
            List<String> accounts = new ArrayList<>();
            try (ResultSet rows =
                    statement.executeQuery("SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM mysql.user WHERE User = '"
                            + shared.mariaDb.gatewayUser() + "'")) {
                while (rows.next()) {
                    accounts.add(rows.getString(1));
                }
            }
            for (String account : accounts) {
                statement.execute("GRANT SELECT ON e2e_names_db.* TO " + account);
            }
        }
        gateway = new OwnGateway("", "");
    }

    @AfterAll
    static void dropSchemas() throws SQLException, IOException {
        if (gateway != null) {
            gateway.close();
        }
        GatewayFixture shared = GatewayFixture.get();
        try (Connection connection = shared.database.connectAsSuperuser();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS e2e_names CASCADE");
        }
        try (Connection connection = shared.mariaDb.connectAsSuperuser();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS e2e_names_db");
        }
    }

    @Test
    void postgres_setAndResetSearchPath_followed() throws SQLException {
        try (Connection connection = gateway.connect("contractor");
                Statement statement = connection.createStatement()) {
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());

            statement.execute("SET search_path TO e2e_names, public");
            assertThat(mobileOf(connection)).isEqualTo(OWN);

            statement.execute("RESET search_path");
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());

            statement.execute("SET SESSION search_path = e2e_names, public");
            assertThat(mobileOf(connection)).isEqualTo(OWN);
            statement.execute("SET search_path TO DEFAULT");
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());
        }
    }

    @Test
    void postgres_setLocalAndRollback_followed() throws SQLException {
        try (Connection connection = gateway.connect("contractor");
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("SET LOCAL search_path TO e2e_names, public");
            assertThat(mobileOf(connection)).isEqualTo(OWN);
            connection.commit();
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());

            statement.execute("SET search_path TO e2e_names, public");
            assertThat(mobileOf(connection)).isEqualTo(OWN);
            connection.rollback();
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());

            statement.execute("SET search_path TO e2e_names, public");
            statement.execute("SAVEPOINT before_reset");
            statement.execute("RESET search_path");
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());
            statement.execute("ROLLBACK TO SAVEPOINT before_reset");
            assertThat(mobileOf(connection)).isEqualTo(OWN);
            connection.commit();
            assertThat(mobileOf(connection)).isEqualTo(OWN);
            statement.execute("RESET search_path");
            connection.commit();
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());
        }
    }

    @Test
    void postgres_pathChangeAndQueryInOneMessage_refused() throws SQLException {
        try (Connection connection = gateway.connect("contractor", "preferQueryMode=simple");
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeQuery("RESET search_path; SELECT mobile FROM customer"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42501");
                        assertThat(e.getMessage()).contains("must be the last statement of its message");
                    });
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());
        }
    }

    /**
     * The server parses a prepared statement again under the search path of its execution: one prepared where the
     * name resolved to the unclassified table must not run once it resolves to the classified one.
     */
    @Test
    void postgres_preparedStatementAfterPathChange_refusedNotLeaked() throws SQLException {
        try (Connection connection = gateway.connect("contractor", "prepareThreshold=1");
                Statement statement = connection.createStatement()) {
            statement.execute("SET search_path TO e2e_names, public");
            try (PreparedStatement prepared = connection.prepareStatement("SELECT mobile FROM customer WHERE id = ?")) {
                prepared.setLong(1, 1);
                assertThat(single(prepared)).isEqualTo(OWN);
                assertThat(single(prepared)).isEqualTo(OWN);

                statement.execute("RESET search_path");

                assertThatThrownBy(() -> single(prepared)).isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("42501");
                    assertThat(e.getMessage()).contains("prepare it again").doesNotContain(mobile);
                });
            }
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());
        }
    }

    /** A temporary table named like a classified one: the gate keeps resolving to the classified table and masks. */
    @Test
    void postgres_temporaryTableShadowing_neverUnmasksTheTable() throws SQLException {
        String accountNo = gateway.database.data().banks().get(0).accountNo();
        try (Connection connection = gateway.connect("clerk");
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TEMPORARY TABLE customer_bank (customer_id bigint, account_no text)");
            statement.execute("INSERT INTO customer_bank VALUES (1, 'own-account-0001')");
            String shadowed = single(connection, "SELECT account_no FROM customer_bank WHERE customer_id = 1");
            assertThat(shadowed).isEqualTo("************0001");

            statement.execute("DROP TABLE customer_bank");
            String real = single(connection, "SELECT account_no FROM customer_bank WHERE customer_id = 1");
            assertThat(real)
                    .isNotEqualTo(accountNo)
                    .isEqualTo("*".repeat(accountNo.length() - 4) + accountNo.substring(accountNo.length() - 4));
        }
    }

    @Test
    void postgres_threePartQuotedAndFoldedNames_masked() throws SQLException {
        try (Connection connection = gateway.connect("contractor")) {
            assertThat(single(connection, "SELECT mobile FROM custos_demo.public.customer WHERE id = 1"))
                    .isEqualTo(maskedMobile());
            assertThat(single(connection, "SELECT \"mobile\" FROM \"customer\" WHERE id = 1"))
                    .isEqualTo(maskedMobile());
            assertThat(single(connection, "SELECT MOBILE FROM Public.CUSTOMER WHERE id = 1"))
                    .isEqualTo(maskedMobile());
            assertThat(single(connection, "SELECT public.customer.mobile FROM public.customer WHERE id = 1"))
                    .isEqualTo(maskedMobile());
            assertThat(single(connection, "SELECT mobile FROM e2e_names.customer WHERE id = 1"))
                    .isEqualTo(OWN);
            assertThatThrownBy(() -> single(connection, "SELECT mobile FROM \"Customer\" WHERE id = 1"))
                    .isInstanceOf(SQLException.class);
        }
    }

    @Test
    void mariaDb_useAndCurrentDatabase_followed() throws SQLException {
        try (Connection connection = gateway.connectMySql("contractor");
                Statement statement = connection.createStatement()) {
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());

            statement.execute("USE e2e_names_db");
            assertThat(mobileOf(connection)).isEqualTo(OWN);
            assertThat(single(connection, "SELECT mobile FROM custos_demo.customer WHERE id = 1"))
                    .isEqualTo(maskedMobile());

            // COM_INIT_DB, as Connector/J sends it.
            connection.setCatalog("custos_demo");
            assertThat(mobileOf(connection)).isEqualTo(maskedMobile());

            assertThatThrownBy(() -> statement.executeQuery("USE e2e_names_db; SELECT mobile FROM customer"))
                    .isInstanceOf(SQLException.class);
        }
    }

    /**
     * A server-side prepared statement prepared where {@code customer} is the unclassified table, executed after USE
     * made it the classified one: whatever the server resolves it to then, no protected value comes back.
     */
    @Test
    void mariaDb_preparedStatementAfterUse_neverUnmasked() throws SQLException {
        try (Connection connection = gateway.connectMySql("contractor", "useServerPrepStmts=true");
                Statement statement = connection.createStatement()) {
            statement.execute("USE e2e_names_db");
            try (PreparedStatement prepared = connection.prepareStatement("SELECT mobile FROM customer WHERE id = ?")) {
                prepared.setLong(1, 1);
                assertThat(single(prepared)).isEqualTo(OWN);

                statement.execute("USE custos_demo");

                String after;
                try {
                    after = single(prepared);
                } catch (SQLException e) {
                    after = e.getMessage();
                }
                // MariaDB 11.4 keeps the statement on the database it was prepared in, and answers the own row.
                assertThat(after).doesNotContain(mobile).isIn(OWN, maskedMobile());
            }
        }
    }

    @Test
    void mariaDb_columnNamesWithoutCase_masked() throws SQLException {
        try (Connection connection = gateway.connectMySql("contractor")) {
            assertThat(single(connection, "SELECT MOBILE FROM customer WHERE ID = 1"))
                    .isEqualTo(maskedMobile());
            assertThat(single(connection, "SELECT c.Mobile FROM custos_demo.customer c WHERE c.id = 1"))
                    .isEqualTo(maskedMobile());
            assertThat(single(connection, "SELECT `MoBiLe` FROM `customer` WHERE id = 1"))
                    .isEqualTo(maskedMobile());
        }
    }

    private static String mobileOf(Connection connection) throws SQLException {
        return single(connection, "SELECT mobile FROM customer WHERE id = 1");
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            assertThat(result.next()).as("a row for %s", sql).isTrue();
            return result.getString(1);
        }
    }

    private static String single(PreparedStatement prepared) throws SQLException {
        try (ResultSet result = prepared.executeQuery()) {
            assertThat(result.next()).isTrue();
            return result.getString(1);
        }
    }

    private static String maskedMobile() {
        return mobile.substring(0, 3) + "*".repeat(mobile.length() - 7) + mobile.substring(mobile.length() - 4);
    }
}
