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
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedPostgresTest {
    private static final int CUSTOMERS = 200;

    private final SampleData data = SampleData.generate(CUSTOMERS);
    private EmbeddedPostgres postgres;

    @BeforeAll
    void start() {
        postgres = EmbeddedPostgres.start(0, data);
    }

    @AfterAll
    void stop() {
        postgres.close();
    }

    @Test
    void start_runsPostgres17WithTheSampleData() throws SQLException {
        try (Connection connection = postgres.connectAsSuperuser()) {
            assertThat(connection.getMetaData().getDatabaseMajorVersion()).isEqualTo(17);
            assertThat(count(connection, "project")).isEqualTo(SampleData.PROJECT_COUNT);
            assertThat(count(connection, "customer")).isEqualTo(CUSTOMERS);
            assertThat(count(connection, "customer_asset")).isEqualTo(CUSTOMERS);
            assertThat(count(connection, "customer_bank")).isEqualTo(CUSTOMERS);
            assertThat(count(connection, "service_ticket"))
                    .isEqualTo(data.tickets().size());
        }
    }

    @Test
    void start_storesChineseTextAsGenerated() throws SQLException {
        SampleData.Customer expected = data.customer(7);
        try (Connection connection = postgres.connectAsGateway();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT name, id_card_no, home_address, employer, created_at FROM customer WHERE id = ?")) {
            statement.setLong(1, expected.id());
            try (ResultSet result = statement.executeQuery()) {
                assertThat(result.next()).isTrue();
                assertThat(result.getString("name")).isEqualTo(expected.name());
                assertThat(result.getString("id_card_no")).isEqualTo(expected.idCardNo());
                assertThat(result.getString("home_address")).isEqualTo(expected.homeAddress());
                assertThat(result.getString("employer")).isEqualTo(expected.employer());
                assertThat(result.getObject("created_at", java.time.LocalDateTime.class))
                        .isEqualTo(expected.createdAt());
            }
        }
    }

    @Test
    void gatewayRole_readsAndWritesTheSampleTables() throws SQLException {
        try (Connection connection = postgres.connectAsGateway();
                Statement statement = connection.createStatement()) {
            assertThat(count(connection, "customer_bank")).isEqualTo(CUSTOMERS);
            try (ResultSet result = statement.executeQuery("INSERT INTO service_ticket"
                    + " (customer_id, category, content, status, created_at)"
                    + " VALUES (1, '咨询', '测试', '待处理', TIMESTAMP '2024-06-01 09:00:00') RETURNING id")) {
                assertThat(result.next()).isTrue();
                assertThat(result.getLong(1)).isEqualTo(data.tickets().size() + 1L);
            }
            statement.execute(
                    "DELETE FROM service_ticket WHERE id > " + data.tickets().size());
        }
    }

    @Test
    void gatewayRole_isNoSuperuser() throws SQLException {
        try (Connection connection = postgres.connectAsGateway();
                Statement statement = connection.createStatement();
                ResultSet result =
                        statement.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
            assertThat(result.next()).isTrue();
            assertThat(result.getBoolean(1)).isFalse();
        }
    }

    @ParameterizedTest
    @CsvSource(
            nullValues = "NULL",
            value = {"postgres, NULL", "postgres, wrong", "custos_gateway, NULL", "custos_gateway, wrong"})
    void tcpConnections_needTheRightPassword(String user, String password) {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }

        assertThatThrownBy(() -> DriverManager.getConnection(postgres.jdbcUrl(), properties)
                        .close())
                .isInstanceOf(SQLException.class);
    }

    @Test
    void tcpConnections_useScram() throws SQLException {
        try (Connection connection = postgres.connectAsSuperuser();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(
                        "SELECT rolpassword FROM pg_authid WHERE rolname IN ('postgres', 'custos_gateway')")) {
            int rows = 0;
            while (result.next()) {
                assertThat(result.getString(1)).startsWith("SCRAM-SHA-256$");
                rows++;
            }
            assertThat(rows).isEqualTo(2);
        }
    }

    @Test
    void jdbcUrl_pointsAtTheDatabaseWithoutCredentials() {
        assertThat(postgres.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/custos_demo");
        assertThat(postgres.jdbcUrl("postgres")).endsWith("/postgres");
        assertThat(postgres.toString()).doesNotContain(postgres.superuserPassword(), postgres.gatewayPassword());
    }

    @Test
    void close_stopsTheServerAndRemovesTheDataDirectory() {
        EmbeddedPostgres other = EmbeddedPostgres.start(0, SampleData.generate(5));
        Path dataDirectory = other.dataDirectory();
        String url = other.jdbcUrl();
        assertThat(dataDirectory).isDirectory();

        other.close();
        other.close();

        assertThat(Files.exists(dataDirectory)).isFalse();
        assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", other.superuserPassword())
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
