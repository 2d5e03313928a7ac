package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Views through the gateway on real PostgreSQL and MariaDB: masked through a view, a view over a view, a materialized
 * and a security-barrier view, a classification written for a view column, a view the gateway's account may not
 * read. The views are the test's own, created directly before the gateway starts; the sample tables are only read.
 */
class ViewEndToEndTest {
    private static final String CLASSIFICATION =
            """
              - schema: public
                table: e2e_v_label
                columns:
                  label: {level: 3, mask: {type: full, text: "[label]"}}
              - schema: custos_demo
                table: e2e_v_label
                columns:
                  label: {level: 3, mask: {type: full, text: "[label]"}}
            """;

    private static final List<String> POSTGRES_VIEWS = List.of(
            "CREATE VIEW e2e_v_customer AS SELECT id, name, mobile FROM customer",
            "CREATE VIEW e2e_v_contact AS SELECT c.id, c.mobile AS phone, upper(c.name) AS shout FROM e2e_v_customer c",
            "CREATE VIEW e2e_v_label AS SELECT id, name AS label FROM customer",
            "CREATE MATERIALIZED VIEW e2e_m_bank AS SELECT customer_id, account_no FROM customer_bank",
            "CREATE VIEW e2e_v_barrier WITH (security_barrier) AS SELECT id, mobile FROM customer WHERE id < 100");

    private static final List<String> MARIADB_VIEWS = List.of(
            "CREATE VIEW e2e_v_customer AS SELECT id, name, mobile FROM customer",
            "CREATE VIEW e2e_v_contact AS SELECT c.id, c.mobile AS phone, upper(c.name) AS shout FROM e2e_v_customer c",
            "CREATE VIEW e2e_v_label AS SELECT id, name AS label FROM customer",
            "CREATE VIEW e2e_v_bank AS SELECT customer_id, account_no FROM customer_bank");

    private static OwnGateway gateway;
    private static String name;
    private static String mobile;
    private static String accountNo;

    @BeforeAll
    static void createViews() throws Exception {
        GatewayFixture shared = GatewayFixture.get();
        name = shared.database.data().customer(1).name();
        mobile = shared.database.data().customer(1).mobile();
        accountNo = shared.database.data().banks().get(0).accountNo();
        dropViews();
        try (Connection connection = shared.connectDirect();
                Statement statement = connection.createStatement()) {
            for (String sql : POSTGRES_VIEWS) {
                statement.execute(sql);
            }
        }
        try (Connection connection = shared.connectMySqlDirect();
                Statement statement = connection.createStatement()) {
            for (String sql : MARIADB_VIEWS) {
                statement.execute(sql);
            }
        }
        gateway = new OwnGateway(CLASSIFICATION, "");
    }

    @AfterAll
    static void dropViews() throws SQLException, IOException {
        if (gateway != null) {
            gateway.close();
        }
        GatewayFixture shared = GatewayFixture.get();
        try (Connection connection = shared.connectDirect();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP VIEW IF EXISTS e2e_v_contact, e2e_v_customer, e2e_v_label, e2e_v_barrier");
            statement.execute("DROP MATERIALIZED VIEW IF EXISTS e2e_m_bank");
        }
        try (Connection connection = shared.connectMySqlDirect();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP VIEW IF EXISTS e2e_v_contact, e2e_v_customer, e2e_v_label, e2e_v_bank");
        }
    }

    @Test
    void postgres_viewOverClassifiedTable_maskedLikeTheTable() throws SQLException {
        try (Connection connection = gateway.connect("contractor")) {
            assertThat(row(connection, "SELECT * FROM e2e_v_customer WHERE id = 1"))
                    .containsExactly("1", maskedName(), maskedMobile());
            assertThat(row(connection, "SELECT v.mobile FROM e2e_v_customer v WHERE v.id = 1"))
                    .containsExactly(maskedMobile());
        }
        try (Connection connection = gateway.connect("staff")) {
            assertThat(row(connection, "SELECT name, mobile FROM e2e_v_customer WHERE id = 1"))
                    .containsExactly(name, mobile);
        }
    }

    @Test
    void postgres_viewOverView_masksAndNullsComputedValues() throws SQLException {
        try (Connection connection = gateway.connect("contractor")) {
            assertThat(row(connection, "SELECT * FROM e2e_v_contact WHERE id = 1"))
                    .containsExactly("1", maskedMobile(), null);
        }
    }

    @Test
    void postgres_materializedAndSecurityBarrierViews_masked() throws SQLException {
        try (Connection connection = gateway.connect("clerk")) {
            assertThat(row(connection, "SELECT account_no FROM e2e_m_bank WHERE customer_id = 1"))
                    .containsExactly(maskedAccount());
        }
        try (Connection connection = gateway.connect("contractor")) {
            assertThat(row(connection, "SELECT mobile FROM e2e_v_barrier WHERE id = 1"))
                    .containsExactly(maskedMobile());
        }
    }

    @Test
    void postgres_ruleForViewColumn_winsOverItsSource() throws SQLException {
        try (Connection connection = gateway.connect("staff")) {
            assertThat(row(connection, "SELECT label FROM e2e_v_label WHERE id = 1"))
                    .containsExactly("[label]");
        }
        try (Connection connection = gateway.connect("it_admin")) {
            assertThat(row(connection, "SELECT label FROM e2e_v_label WHERE id = 1"))
                    .containsExactly(name);
        }
    }

    @Test
    void mariaDb_viewsMaskedLikeTheirTables() throws SQLException {
        try (Connection connection = gateway.connectMySql("contractor")) {
            assertThat(row(connection, "SELECT * FROM e2e_v_customer WHERE id = 1"))
                    .containsExactly("1", maskedName(), maskedMobile());
            assertThat(row(connection, "SELECT * FROM e2e_v_contact WHERE ID = 1"))
                    .containsExactly("1", maskedMobile(), null);
        }
        try (Connection connection = gateway.connectMySql("clerk")) {
            assertThat(row(connection, "SELECT account_no FROM e2e_v_bank WHERE customer_id = 1"))
                    .containsExactly(maskedAccount());
        }
        try (Connection connection = gateway.connectMySql("staff")) {
            assertThat(row(connection, "SELECT label FROM e2e_v_label WHERE id = 1"))
                    .containsExactly("[label]");
        }
    }

    /** A view created after the gateway started, through it: the next statement already sees it. */
    @Test
    void postgres_viewCreatedThroughTheGateway_maskedAtOnce() throws SQLException {
        try (Connection admin = gateway.connect("it_admin");
                Statement ddl = admin.createStatement();
                Connection contractor = gateway.connect("contractor")) {
            ddl.execute("CREATE VIEW e2e_v_fresh AS SELECT id, city AS info FROM project");
            try {
                assertThat(row(contractor, "SELECT info FROM e2e_v_fresh WHERE id = 1"))
                        .doesNotContainNull();
                ddl.execute("DROP VIEW e2e_v_fresh");
                ddl.execute("CREATE VIEW e2e_v_fresh AS SELECT id, mobile AS info FROM customer");
                assertThat(row(contractor, "SELECT info FROM e2e_v_fresh WHERE id = 1"))
                        .containsExactly(maskedMobile());
            } finally {
                ddl.execute("DROP VIEW IF EXISTS e2e_v_fresh");
            }
        }
    }

    @Test
    void postgres_viewWhoseDefinitionCannotBeAnalysed_refusedNamingIt() throws SQLException {
        try (Connection admin = gateway.connect("it_admin");
                Statement ddl = admin.createStatement();
                Connection contractor = gateway.connect("contractor")) {
            ddl.execute("CREATE VIEW e2e_v_opaque AS SELECT id, mobile FROM customer, LATERAL generate_series(1, 1) g");
            try {
                assertThatThrownBy(() -> row(contractor, "SELECT * FROM e2e_v_opaque WHERE id = 1"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("view public.e2e_v_opaque could not be analysed")
                        .extracting(e -> ((SQLException) e).getSQLState())
                        .isEqualTo("42501");
            } finally {
                ddl.execute("DROP VIEW IF EXISTS e2e_v_opaque");
            }
        }
    }

    private static List<String> row(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            assertThat(result.next()).as("a row for %s", sql).isTrue();
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
                values.add(result.getString(i));
            }
            return values;
        }
    }

    private static String maskedMobile() {
        return mobile.substring(0, 3) + "*".repeat(mobile.length() - 7) + mobile.substring(mobile.length() - 4);
    }

    private static String maskedName() {
        return name.substring(0, 1) + "*".repeat(name.length() - 1);
    }

    private static String maskedAccount() {
        return "*".repeat(accountNo.length() - 4) + accountNo.substring(accountNo.length() - 4);
    }
}
