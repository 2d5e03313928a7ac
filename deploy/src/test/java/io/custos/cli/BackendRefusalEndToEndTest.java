package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.cli.support.FaultRelay;
import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import io.custos.policy.Backend;
import io.custos.policy.SecretSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a client reads when the database refuses the login the gateway opens for it: the database's own error number or
 * SQLSTATE with the gateway's message, which names the database but never the gateway's account or host; and what it
 * reads when the database does not answer at all. Real servers where they can refuse on demand (a database the
 * gateway's account may not use, an account's connection limit, a dropped database), a {@link FaultRelay} where they
 * cannot (a server that accepts and never answers).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendRefusalEndToEndTest {
    private static final String LIMITED_USER = "custos_limited";
    private static final String LIMITED_PASSWORD = "synthetic-limited-password";

    @Test
    void mysql_databaseTheGatewayAccountCannotUse_isRelayedAsTheServersErrorWithoutTheAccount() throws Exception {
        GatewayFixture fixture = GatewayFixture.get();
        int port = fixture.gateway.mysqlAddress().orElseThrow().getPort();
        List<String> urls = List.of(
                "jdbc:mariadb://127.0.0.1:" + port + "/mysql",
                "jdbc:mysql://127.0.0.1:" + port + "/mysql?sslMode=DISABLED&allowPublicKeyRetrieval=true");

        for (String url : urls) {
            assertThatThrownBy(() -> DriverManager.getConnection(url, "it_admin", GatewayFixture.PASSWORD)
                            .close())
                    .as(url)
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1044);
                        assertThat(e.getSQLState()).isEqualTo("42000");
                        assertThat(e.getMessage())
                                .contains("custos: the database denies access to database 'mysql'")
                                .doesNotContain(fixture.mariaDb.gatewayUser())
                                .doesNotContain("127.0.0.1");
                    });
        }
        try (Connection connection = fixture.connectMySql("it_admin", "")) {
            assertThat(connection.isValid(5)).isTrue();
        }
    }

    @Test
    void mysql_accountConnectionLimit_isRelayedWithTheServersNumber() throws Exception {
        TestMariaDb mariaDb = TestMariaDb.get();
        try (Connection root = mariaDb.connectAsSuperuser();
                Statement statement = root.createStatement()) {
            statement.execute("DROP USER IF EXISTS '" + LIMITED_USER + "'@'127.0.0.1'");
            statement.execute("CREATE USER '" + LIMITED_USER + "'@'127.0.0.1' IDENTIFIED VIA mysql_native_password"
                    + " USING PASSWORD('" + LIMITED_PASSWORD + "') WITH MAX_USER_CONNECTIONS 3");
            statement.execute("GRANT ALL PRIVILEGES ON custos_demo.* TO '" + LIMITED_USER + "'@'127.0.0.1'");
        }
        Backend limited = new Backend(
                Backend.Protocol.MYSQL,
                mariaDb.host(),
                mariaDb.port(),
                mariaDb.database(),
                LIMITED_USER,
                new SecretSource.Given(LIMITED_PASSWORD));
        List<Connection> open = new ArrayList<>();
        try (OwnGateway gateway = new OwnGateway("", "", List.of(limited))) {
            SQLException refused = openUntilRefused(() -> gateway.connectMySql("it_admin"), open);

            // MariaDB answers MAX_USER_CONNECTIONS with ER_USER_LIMIT_REACHED; MySQL with ER_TOO_MANY_USER_CONNECTIONS.
            assertThat(refused.getErrorCode()).isEqualTo(1226);
            assertThat(refused.getMessage())
                    .contains("custos: the gateway's account has reached its connection limit on the database")
                    .doesNotContain(LIMITED_USER);
            assertThat(open).isNotEmpty().allSatisfy(connection -> assertThat(connection.isValid(5))
                    .isTrue());
        } finally {
            closeAll(open);
            try (Connection root = mariaDb.connectAsSuperuser();
                    Statement statement = root.createStatement()) {
                statement.execute("DROP USER IF EXISTS '" + LIMITED_USER + "'@'127.0.0.1'");
            }
        }
    }

    @Test
    void postgres_roleConnectionLimit_isRelayedAs53300() throws Exception {
        TestPostgres postgres = TestPostgres.get();
        try (Connection superuser = postgres.connectAsSuperuser();
                Statement statement = superuser.createStatement()) {
            statement.execute("DROP ROLE IF EXISTS " + LIMITED_USER);
            statement.execute("CREATE ROLE " + LIMITED_USER + " LOGIN CONNECTION LIMIT 3 PASSWORD '" + LIMITED_PASSWORD
                    + "' IN ROLE " + postgres.gatewayUser());
        }
        Backend limited = new Backend(
                Backend.Protocol.POSTGRESQL,
                postgres.host(),
                postgres.port(),
                postgres.database(),
                LIMITED_USER,
                new SecretSource.Given(LIMITED_PASSWORD));
        List<Connection> open = new ArrayList<>();
        try (OwnGateway gateway = new OwnGateway("", "", List.of(limited))) {
            SQLException refused = openUntilRefused(() -> gateway.connect("it_admin"), open);

            assertThat(refused.getSQLState()).isEqualTo("53300");
            assertThat(refused.getMessage())
                    .contains("custos: the database has too many connections")
                    .doesNotContain(LIMITED_USER);
            assertThat(open).isNotEmpty().allSatisfy(connection -> assertThat(connection.isValid(5))
                    .isTrue());
        } finally {
            closeAll(open);
            try (Connection superuser = postgres.connectAsSuperuser();
                    Statement statement = superuser.createStatement()) {
                statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '"
                        + LIMITED_USER + "'");
                statement.execute("DROP ROLE IF EXISTS " + LIMITED_USER);
            }
        }
    }

    @Test
    void postgres_databaseDroppedUnderTheGateway_isRelayedAs3D000() throws Exception {
        TestPostgres postgres = TestPostgres.get();
        String database = "custos_gone";
        try (Connection superuser = postgres.connectAsSuperuser();
                Statement statement = superuser.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            statement.execute("CREATE DATABASE " + database);
            statement.execute("GRANT CONNECT ON DATABASE " + database + " TO " + postgres.gatewayUser());
        }
        Backend backend = new Backend(
                Backend.Protocol.POSTGRESQL,
                postgres.host(),
                postgres.port(),
                database,
                postgres.gatewayUser(),
                new SecretSource.Given(postgres.gatewayPassword()));
        try (OwnGateway gateway = new OwnGateway("", "", List.of(backend))) {
            String url = "jdbc:postgresql://127.0.0.1:"
                    + gateway.gateway.postgresAddress().getPort() + "/" + database;
            try (Connection connection = DriverManager.getConnection(url, credentials("it_admin"));
                    Statement statement = connection.createStatement();
                    ResultSet result = statement.executeQuery("SELECT current_database()")) {
                assertThat(result.next()).isTrue();
                assertThat(result.getString(1)).isEqualTo(database);
            }
            try (Connection superuser = postgres.connectAsSuperuser();
                    Statement statement = superuser.createStatement()) {
                statement.execute("DROP DATABASE " + database + " WITH (FORCE)");
            }

            assertThatThrownBy(() -> DriverManager.getConnection(url, credentials("it_admin"))
                            .close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("3D000");
                        assertThat(e.getMessage())
                                .contains("custos: database \"custos_gone\" does not exist on the database server")
                                .doesNotContain(postgres.gatewayUser());
                    });
        }
    }

    @Test
    void postgres_databaseThatNeverAnswersTheLogin_isReportedWhenTheLoginTimeRunsOut() throws Exception {
        TestPostgres postgres = TestPostgres.get();
        try (FaultRelay relay = FaultRelay.postgres(postgres.host(), postgres.port());
                OwnGateway gateway = new OwnGateway(
                        "", "limits:\n  authentication_timeout_seconds: 2\n", List.of(relayed(postgres, relay)))) {
            relay.stallLogins(1);
            long started = System.nanoTime();

            assertThatThrownBy(() -> gateway.connect("it_admin").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("08006");
                        assertThat(e.getMessage())
                                .contains("custos: cannot connect to the database: it did not answer in time");
                    });
            assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(10));
            try (Connection connection = gateway.connect("it_admin")) {
                assertThat(connection.isValid(5)).isTrue();
            }
            awaitNoSessionConnections(relay);
        }
    }

    @Test
    void mysql_databaseThatNeverAnswersTheLogin_isReportedWhenTheLoginTimeRunsOut() throws Exception {
        TestMariaDb mariaDb = TestMariaDb.get();
        try (FaultRelay relay = FaultRelay.mysql(mariaDb.host(), mariaDb.port());
                OwnGateway gateway = new OwnGateway(
                        "", "limits:\n  authentication_timeout_seconds: 2\n", List.of(relayed(mariaDb, relay)))) {
            relay.stallLogins(1);

            assertThatThrownBy(() -> gateway.connectMySql("it_admin").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1429);
                        assertThat(e.getMessage())
                                .contains("custos: cannot connect to the database: it did not answer in time");
                    });
            try (Connection connection = gateway.connectMySql("it_admin")) {
                assertThat(connection.isValid(5)).isTrue();
            }
            awaitNoSessionConnections(relay);
        }
    }

    @Test
    void mysql_serverFullBeforeItsHandshake_isRelayedAsError1040() throws Exception {
        TestMariaDb mariaDb = TestMariaDb.get();
        try (FaultRelay relay = FaultRelay.mysql(mariaDb.host(), mariaDb.port());
                OwnGateway gateway = new OwnGateway("", "", List.of(relayed(mariaDb, relay)))) {
            // What MariaDB sends in reply to a login when max_connections is reached: an ERR without SQLSTATE.
            byte[] tooMany = mysqlErr(2, 1040, "Too many connections");
            relay.refuseLogins(tooMany, 1);

            assertThatThrownBy(() -> gateway.connectMySql("it_admin").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1040);
                        assertThat(e.getSQLState()).isEqualTo("08004");
                        assertThat(e.getMessage()).contains("custos: the database has too many connections");
                    });
        }
    }

    static Backend relayed(TestPostgres postgres, FaultRelay relay) {
        return new Backend(
                Backend.Protocol.POSTGRESQL,
                "127.0.0.1",
                relay.port(),
                postgres.database(),
                postgres.gatewayUser(),
                new SecretSource.Given(postgres.gatewayPassword()));
    }

    static Backend relayed(TestMariaDb mariaDb, FaultRelay relay) {
        return new Backend(
                Backend.Protocol.MYSQL,
                "127.0.0.1",
                relay.port(),
                mariaDb.database(),
                mariaDb.gatewayUser(),
                new SecretSource.Given(mariaDb.gatewayPassword()));
    }

    /** Waits up to 10 s for the relay to count no session connection open. */
    static void awaitNoSessionConnections(FaultRelay relay) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (relay.sessionConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(relay.sessionConnections())
                .as("backend connections left open")
                .isZero();
    }

    /** An ERR packet as a server sends it before it knows the client's capabilities: no SQLSTATE marker. */
    private static byte[] mysqlErr(int sequenceId, int code, String message) {
        byte[] text = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int length = 3 + text.length;
        byte[] packet = new byte[4 + length];
        packet[0] = (byte) length;
        packet[1] = (byte) (length >>> 8);
        packet[2] = (byte) (length >>> 16);
        packet[3] = (byte) sequenceId;
        packet[4] = (byte) 0xFF;
        packet[5] = (byte) code;
        packet[6] = (byte) (code >>> 8);
        System.arraycopy(text, 0, packet, 7, text.length);
        return packet;
    }

    private interface Opener {
        Connection open() throws SQLException;
    }

    /** Opens sessions until one is refused (at most ten); the ones that opened are left in {@code open}. */
    private static SQLException openUntilRefused(Opener opener, List<Connection> open) {
        for (int i = 0; i < 10; i++) {
            try {
                open.add(opener.open());
            } catch (SQLException e) {
                return e;
            }
        }
        throw new AssertionError("ten sessions opened; the account's connection limit was never reached");
    }

    private static void closeAll(List<Connection> connections) throws SQLException {
        for (Connection connection : connections) {
            connection.close();
        }
    }

    private static Properties credentials(String user) {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", GatewayFixture.PASSWORD);
        return properties;
    }
}
