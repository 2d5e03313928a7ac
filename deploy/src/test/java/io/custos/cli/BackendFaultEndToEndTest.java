package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.cli.support.FaultRelay;
import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A database that closes the connection, sends garbage or stalls in the middle of a result, stood for by a {@link
 * FaultRelay} in front of the real servers: the affected client gets a precise error and its connection is closed, the
 * gateway passes on nothing of what it could not read, the statement has its audit record, the backend connection is
 * released, and another session of the same gateway goes on as if nothing happened.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendFaultEndToEndTest {
    /** Enough rows that the result spans many reads: the fault strikes in the middle of it. */
    private static final String BIG_QUERY = "SELECT * FROM customer ORDER BY id";

    /** The statement the close tests cut off, found by its text in the audit trail. */
    private static final String CUT_QUERY = "SELECT id, name, home_address FROM customer ORDER BY id";

    private static FaultRelay postgresRelay;
    private static FaultRelay mysqlRelay;
    private static OwnGateway gateway;

    @BeforeAll
    static void start() throws IOException {
        TestPostgres postgres = TestPostgres.get();
        TestMariaDb mariaDb = TestMariaDb.get();
        postgresRelay = FaultRelay.postgres(postgres.host(), postgres.port());
        mysqlRelay = FaultRelay.mysql(mariaDb.host(), mariaDb.port());
        gateway = new OwnGateway(
                "",
                "",
                List.of(
                        BackendRefusalEndToEndTest.relayed(postgres, postgresRelay),
                        BackendRefusalEndToEndTest.relayed(mariaDb, mysqlRelay)));
    }

    @AfterAll
    static void stop() throws IOException {
        gateway.close();
        postgresRelay.close();
        mysqlRelay.close();
    }

    @Test
    void postgres_databaseClosesMidResult_clientGets08006AndOthersGoOn() throws Exception {
        try (Connection bystander = gateway.connect("staff")) {
            assertThatThrownBy(() -> query(gateway.connect("it_admin"), CUT_QUERY + " /*fault:close:20000*/"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("08006");
                        assertThat(e.getMessage()).contains("custos: the database closed the connection");
                    });

            assertThat(count(bystander)).isEqualTo(3000);
            awaitSessionConnections(postgresRelay, 1);
        }
        assertThat(auditLines("postgresql")).singleElement().satisfies(line -> assertThat(line)
                .contains("\"decision\":\"failed\"")
                .contains("\"error_code\":\"08006\""));
    }

    @Test
    void mysql_databaseClosesMidResult_clientGets1158AndOthersGoOn() throws Exception {
        try (Connection bystander = gateway.connectMySql("staff")) {
            assertThatThrownBy(() -> query(gateway.connectMySql("it_admin"), CUT_QUERY + " /*fault:close:20000*/"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1158);
                        assertThat(e.getSQLState()).isEqualTo("08S01");
                        assertThat(e.getMessage()).contains("custos: the database closed the connection");
                    });

            assertThat(count(bystander)).isEqualTo(3000);
            awaitSessionConnections(mysqlRelay, 1);
        }
        assertThat(auditLines("mysql")).singleElement().satisfies(line -> assertThat(line)
                .contains("\"decision\":\"failed\"")
                .contains("\"error_code\":\"08S01\""));
    }

    @Test
    void postgres_databaseSendsGarbageMidResult_clientGetsAConnectionError() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            String sql = BIG_QUERY + " /*fault:garbage:20000:" + seed + "*/";
            assertThatThrownBy(() -> query(gateway.connect("it_admin"), sql))
                    .as("seed %d", seed)
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isIn("08P01", "08006");
                        assertThat(e.getMessage())
                                .containsAnyOf(
                                        "custos: the database sent an invalid message",
                                        "custos: the database closed the connection");
                    });
        }
        try (Connection connection = gateway.connect("staff")) {
            assertThat(count(connection)).isEqualTo(3000);
        }
        awaitSessionConnections(postgresRelay, 0);
    }

    @Test
    void mysql_databaseSendsGarbageMidResult_clientGetsAConnectionError() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            String sql = BIG_QUERY + " /*fault:garbage:20000:" + seed + "*/";
            assertThatThrownBy(() -> query(gateway.connectMySql("it_admin"), sql))
                    .as("seed %d", seed)
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1158);
                        assertThat(e.getMessage())
                                .containsAnyOf(
                                        "custos: the database sent an invalid packet",
                                        "custos: the database closed the connection");
                    });
        }
        try (Connection connection = gateway.connectMySql("staff")) {
            assertThat(count(connection)).isEqualTo(3000);
        }
        awaitSessionConnections(mysqlRelay, 0);
    }

    @Test
    void postgres_databaseStallsMidResult_clientThatGivesUpReleasesTheBackendConnection() throws Exception {
        try (Connection bystander = gateway.connect("staff")) {
            assertThatThrownBy(
                            () -> query(gateway.connect("it_admin", "socketTimeout=1"), BIG_QUERY + " /*fault:stall*/"))
                    .isInstanceOf(SQLException.class);

            awaitSessionConnections(postgresRelay, 1);
            assertThat(count(bystander)).isEqualTo(3000);
        }
    }

    @Test
    void mysql_databaseStallsMidResult_clientThatGivesUpReleasesTheBackendConnection() throws Exception {
        try (Connection bystander = gateway.connectMySql("staff")) {
            assertThatThrownBy(() -> query(
                            gateway.connectMySql("it_admin", "socketTimeout=1000"), BIG_QUERY + " /*fault:stall*/"))
                    .isInstanceOf(SQLException.class);

            awaitSessionConnections(mysqlRelay, 1);
            assertThat(count(bystander)).isEqualTo(3000);
        }
    }

    /** Runs {@code sql} on {@code connection}, reads every row, and closes the connection. */
    static void query(Connection connection, String sql) throws SQLException {
        try (connection;
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                rows.getString(1);
            }
        }
    }

    private static int count(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(BIG_QUERY)) {
            int count = 0;
            while (rows.next()) {
                count++;
            }
            return count;
        }
    }

    /** Waits up to 10 s for the relay to count {@code expected} session connections open. */
    static void awaitSessionConnections(FaultRelay relay, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (relay.sessionConnections() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(relay.sessionConnections()).as("backend connections open").isEqualTo(expected);
    }

    /** The statement records of {@link #CUT_QUERY} on {@code protocol}, polled for up to 5 s. */
    private static List<String> auditLines(String protocol) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.readAllLines(gateway.auditFile(), StandardCharsets.UTF_8).stream()
                    .filter(line -> line.contains("\"event\":\"statement\""))
                    .filter(line -> line.contains("\"protocol\":\"" + protocol + "\""))
                    .filter(line -> line.contains(CUT_QUERY))
                    .toList();
            if (!lines.isEmpty()) {
                return lines;
            }
            Thread.sleep(20);
        }
        return lines;
    }
}
