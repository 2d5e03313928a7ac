package io.custos.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedMariaDbTest {
    private static final int CUSTOMERS = 200;

    private final SampleData data = SampleData.generate(CUSTOMERS);
    private EmbeddedMariaDb mariadb;

    @BeforeAll
    void start() {
        mariadb = EmbeddedMariaDb.start(0, data);
    }

    @AfterAll
    void stop() {
        mariadb.close();
    }

    @Test
    void start_runsMariaDb114WithTheSampleData() throws SQLException {
        try (Connection connection = mariadb.connectAsSuperuser()) {
            assertThat(connection.getMetaData().getDatabaseProductVersion()).startsWith("11.4.");
            assertThat(count(connection, "project")).isEqualTo(SampleData.PROJECT_COUNT);
            assertThat(count(connection, "customer")).isEqualTo(CUSTOMERS);
            assertThat(count(connection, "customer_asset")).isEqualTo(CUSTOMERS);
            assertThat(count(connection, "customer_bank")).isEqualTo(CUSTOMERS);
            assertThat(count(connection, "service_ticket"))
                    .isEqualTo(data.tickets().size());
        }
    }

    @Test
    void start_storesEveryCustomerAsGenerated() throws SQLException {
        List<SampleData.Customer> stored = new ArrayList<>();
        try (Connection connection = mariadb.connectAsGateway();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT id, project_id, name, id_card_no, mobile,"
                        + " home_address, employer, created_at FROM customer ORDER BY id")) {
            while (result.next()) {
                stored.add(new SampleData.Customer(
                        result.getLong(1),
                        result.getLong(2),
                        result.getString(3),
                        result.getString(4),
                        result.getString(5),
                        result.getString(6),
                        result.getString(7),
                        result.getObject(8, LocalDateTime.class)));
            }
        }

        assertThat(stored).isEqualTo(data.customers());
    }

    @Test
    void start_storesAmountsBankDetailsAndTicketsAsGenerated() throws SQLException {
        SampleData.CustomerAsset asset = data.assets().get(41);
        SampleData.CustomerBank bank = data.banks().get(41);
        SampleData.ServiceTicket ticket = data.tickets().get(data.tickets().size() - 1);
        try (Connection connection = mariadb.connectAsGateway();
                PreparedStatement statement = connection.prepareStatement("SELECT a.property_value, a.annual_income,"
                        + " b.account_no, b.credit_card_no, b.investment_summary FROM customer_asset a"
                        + " JOIN customer_bank b ON b.customer_id = a.customer_id WHERE a.customer_id = ?")) {
            statement.setLong(1, asset.customerId());
            try (ResultSet result = statement.executeQuery()) {
                assertThat(result.next()).isTrue();
                assertThat(result.getBigDecimal(1)).isEqualTo(asset.propertyValue());
                assertThat(result.getBigDecimal(2)).isEqualTo(asset.annualIncome());
                assertThat(result.getString(3)).isEqualTo(bank.accountNo());
                assertThat(result.getString(4)).isEqualTo(bank.creditCardNo());
                assertThat(result.getString(5)).isEqualTo(bank.investmentSummary());
            }
        }
        try (Connection connection = mariadb.connectAsGateway();
                PreparedStatement statement =
                        connection.prepareStatement("SELECT content, created_at FROM service_ticket WHERE id = ?")) {
            statement.setLong(1, ticket.id());
            try (ResultSet result = statement.executeQuery()) {
                assertThat(result.next()).isTrue();
                assertThat(result.getString(1)).isEqualTo(ticket.content());
                assertThat(result.getObject(2, LocalDateTime.class)).isEqualTo(ticket.createdAt());
            }
        }
    }

    @Test
    void gatewayUser_readsAndWritesTheSampleTables() throws SQLException {
        try (Connection connection = mariadb.connectAsGateway();
                Statement statement = connection.createStatement()) {
            assertThat(count(connection, "customer_bank")).isEqualTo(CUSTOMERS);
            statement.executeUpdate(
                    "INSERT INTO service_ticket (customer_id, category, content, status, created_at)"
                            + " VALUES (1, '咨询', '测试', '待处理', TIMESTAMP '2024-06-01 09:00:00')",
                    Statement.RETURN_GENERATED_KEYS);
            try (ResultSet keys = statement.getGeneratedKeys()) {
                assertThat(keys.next()).isTrue();
                assertThat(keys.getLong(1)).isEqualTo(data.tickets().size() + 1L);
            }
            statement.execute(
                    "DELETE FROM service_ticket WHERE id > " + data.tickets().size());
        }
    }

    @Test
    void gatewayUser_hasPrivilegesOnTheSampleDatabaseOnly() throws SQLException {
        List<String> grants = new ArrayList<>();
        try (Connection connection = mariadb.connectAsGateway();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SHOW GRANTS")) {
            while (result.next()) {
                grants.add(result.getString(1));
            }
        }

        assertThat(grants)
                .hasSize(2)
                .anySatisfy(grant -> assertThat(grant)
                        .startsWith("GRANT USAGE ON *.* TO `custos_gateway`@`127.0.0.1` IDENTIFIED BY PASSWORD '*"))
                .anySatisfy(grant -> assertThat(grant)
                        .isEqualTo("GRANT ALL PRIVILEGES ON `custos_demo`.* TO `custos_gateway`@`127.0.0.1`"));
    }

    @Test
    void accounts_useMysqlNativePasswordAndNoAnonymousOnesRemain() throws SQLException {
        try (Connection connection = mariadb.connectAsSuperuser();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT User, Host, plugin FROM mysql.user"
                        + " WHERE User IN ('', 'root', 'custos_gateway') ORDER BY User, Host")) {
            List<String> accounts = new ArrayList<>();
            while (result.next()) {
                accounts.add(result.getString(1) + "@" + result.getString(2) + " " + result.getString(3));
            }

            assertThat(accounts)
                    .containsExactly(
                            "custos_gateway@127.0.0.1 mysql_native_password",
                            "custos_gateway@localhost mysql_native_password",
                            "root@127.0.0.1 mysql_native_password",
                            "root@localhost mysql_native_password");
        }
    }

    @ParameterizedTest
    @CsvSource(
            nullValues = "NULL",
            value = {"root, NULL", "root, wrong", "custos_gateway, NULL", "custos_gateway, wrong", "nobody, NULL"})
    void tcpConnections_needTheRightPassword(String user, String password) {
        assertThatThrownBy(() -> DriverManager.getConnection(mariadb.jdbcUrl(), user, password)
                        .close())
                .isInstanceOf(SQLException.class);
    }

    @Test
    void jdbcUrl_pointsAtTheDatabaseWithoutCredentials() {
        assertThat(mariadb.jdbcUrl()).isEqualTo("jdbc:mariadb://127.0.0.1:" + mariadb.port() + "/custos_demo");
        assertThat(mariadb.toString()).doesNotContain(mariadb.superuserPassword(), mariadb.gatewayPassword());
    }

    @Test
    void close_stopsTheServerAndRemovesItsDirectory() {
        EmbeddedMariaDb other = EmbeddedMariaDb.start(0, SampleData.generate(5));
        Path directory = other.directory();
        String url = other.jdbcUrl();
        assertThat(directory).isDirectory();

        other.close();
        other.close();

        assertThat(Files.exists(directory)).isFalse();
        assertThatThrownBy(() -> DriverManager.getConnection(url, "root", other.superuserPassword())
                        .close())
                .isInstanceOf(SQLException.class);
    }

    private static int count(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT count(*) FROM " + table)) {
            result.next();
            return result.getInt(1);
        }
    }
}
