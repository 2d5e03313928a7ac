package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.cli.support.TestPostgres;
import io.custos.proxy.audit.AuditJson;
import io.custos.proxy.audit.AuditRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway stops while statements run on both protocols: the listeners stop accepting at once, the running
 * statements complete and reach their clients, each has its audit record in the trail once the stop has returned, and
 * every session is then ended with the protocol's shutdown error (PostgreSQL 57P01, MySQL ER_SERVER_SHUTDOWN). A
 * statement that outlasts the drain time is ended, and audited as failed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GracefulShutdownEndToEndTest {
    private static final String POSTGRES_SLEEP = "SELECT pg_sleep(3) /* drain */";
    private static final String MYSQL_SLEEP = "SELECT SLEEP(3) /* drain */";
    private static final String LONG_SLEEP = "SELECT pg_sleep(60) /* outlasts the drain */";

    @Test
    void close_whileStatementsRun_theyCompleteAreAuditedAndNewConnectionsAreRefused() throws Exception {
        ExecutorService runner = Executors.newFixedThreadPool(3);
        try (OwnGateway gateway = new OwnGateway("", "limits:\n  shutdown_drain_seconds: 10\n")) {
            Connection idle = gateway.connect("staff");
            Connection postgres = gateway.connect("staff");
            Connection mysql = gateway.connectMySql("staff");
            for (Connection connection : List.of(idle, postgres, mysql)) {
                assertThat(single(connection, "SELECT 1")).isEqualTo("1");
            }
            Future<String> postgresSlept = runner.submit(() -> single(postgres, POSTGRES_SLEEP));
            Future<String> mysqlSlept = runner.submit(() -> single(mysql, MYSQL_SLEEP));
            awaitRunning(gateway);

            Future<?> closing = runner.submit(gateway.gateway::close);

            assertRefusedDuringDrain(gateway, closing);
            assertThat(postgresSlept.get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(mysqlSlept.get(10, TimeUnit.SECONDS)).isEqualTo("0");
            closing.get(20, TimeUnit.SECONDS);
            List<AuditRecord> statements = statements(gateway);
            assertThat(statements)
                    .filteredOn(record -> record.normalized()
                            .toLowerCase(java.util.Locale.ROOT)
                            .contains("sleep"))
                    .as("one record for each statement that ran through the stop")
                    .hasSize(2)
                    .allSatisfy(record -> {
                        assertThat(record.decision()).isEqualTo("allowed");
                        assertThat(record.errorCode()).isNull();
                        assertThat(record.rows()).isEqualTo(1);
                    });
            assertShutdownError(idle, "57P01");
            assertShutdownError(postgres, "57P01");
            assertShutdownError(mysql, "08S01");
        } finally {
            runner.shutdownNow();
        }
    }

    @Test
    void close_statementOutlastsTheDrain_isEndedAndAuditedAsFailed() throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (OwnGateway gateway = new OwnGateway("", "limits:\n  shutdown_drain_seconds: 1\n")) {
            Connection postgres = gateway.connect("staff");
            Future<String> slept = runner.submit(() -> single(postgres, LONG_SLEEP));
            awaitRunning(gateway.database, LONG_SLEEP);
            long started = System.nanoTime();

            gateway.gateway.close();

            assertThat(System.nanoTime() - started)
                    .as("the stop waits the drain time, not the statement")
                    .isLessThan(TimeUnit.SECONDS.toNanos(15));
            assertThatThrownBy(() -> slept.get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("57P01");
                        assertThat(e.getMessage()).contains("custos: the gateway is shutting down");
                    });
            assertThat(statements(gateway))
                    .filteredOn(record -> record.normalized().contains("pg_sleep"))
                    .singleElement()
                    .satisfies(record -> assertThat(record.decision()).isEqualTo("failed"))
                    .satisfies(record -> assertThat(record.errorCode()).isEqualTo("08006"));
        } finally {
            runner.shutdownNow();
        }
    }

    /**
     * A new connection is refused while the stop waits for the running statements: by the closed listener, or, when
     * the listener accepted it just before closing, with the shutdown error; it never gets a session.
     */
    private static void assertRefusedDuringDrain(OwnGateway gateway, Future<?> closing) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try (Connection connection = gateway.connect("staff")) {
                assertThat(System.nanoTime()).as("still accepting").isLessThan(deadline);
                Thread.sleep(10);
            } catch (SQLException e) {
                // The listener is closed (08001: refused, or reset when the kernel had queued it as the listener
                // closed); a connection the listener accepted just before is told why it ends.
                assertThat(e.getSQLState() + " " + e.getMessage())
                        .matches("08001 .*|57P01 FATAL: custos: the gateway is shutting down");
                break;
            }
        }
        assertThat(closing.isDone()).as("refused while draining").isFalse();
    }

    private static void assertShutdownError(Connection connection, String sqlState) {
        assertThatThrownBy(() -> single(connection, "SELECT 1")).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo(sqlState);
            assertThat(e.getMessage()).contains("custos: the gateway is shutting down");
        });
    }

    /** Waits up to 10 s for {@code sql} to run on {@code database}. */
    private static void awaitRunning(TestPostgres database, String sql) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (Connection monitor = database.connectAsSuperuser();
                PreparedStatement running = monitor.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = ?")) {
            running.setString(1, sql);
            while (count(running) < 1) {
                assertThat(System.nanoTime()).as("'" + sql + "' running").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    /** Waits up to 10 s for both sleeps to run on their databases. */
    private static void awaitRunning(OwnGateway gateway) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (Connection postgres = gateway.database.connectAsSuperuser();
                Connection mysql = gateway.mariaDb.connectAsSuperuser();
                PreparedStatement postgresRunning = postgres.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = ?");
                PreparedStatement mysqlRunning = mysql.prepareStatement(
                        "SELECT count(*) FROM information_schema.processlist WHERE command = 'Query' AND info = ?")) {
            postgresRunning.setString(1, POSTGRES_SLEEP);
            mysqlRunning.setString(1, MYSQL_SLEEP);
            while (count(postgresRunning) + count(mysqlRunning) < 2) {
                assertThat(System.nanoTime()).as("both sleeps running").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    private static int count(PreparedStatement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /** The first column of the first row of {@code sql}'s result, as text. */
    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static List<AuditRecord> statements(OwnGateway gateway) throws Exception {
        return Files.readAllLines(gateway.auditFile(), StandardCharsets.UTF_8).stream()
                .filter(line -> line.contains("\"event\":\"statement\""))
                .map(AuditJson::parse)
                .toList();
    }
}
