package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import io.custos.policy.AuditSettings;
import io.custos.policy.SecretSource;
import io.custos.policy.StatementClass;
import io.custos.proxy.audit.AuditContext;
import io.custos.proxy.audit.AuditRecord;
import io.custos.proxy.audit.FileAuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The audit trail's database sink against the real embedded PostgreSQL and MariaDB. */
class DatabaseAuditSinkTest {
    private static final String KEY = "database-audit-sink-test-key-0123456";
    private static final AuditContext CLERK = AuditContext.connection(9, "10.0.0.8:51544", "postgresql")
            .authenticated("clerk", "info_clerk", "custos_demo");

    @TempDir
    Path directory;

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void sink_copiesEveryRecordWithItsLineAndMac(String kind) throws Exception {
        Database database = database(kind);
        String table = "audit_copy_" + System.nanoTime();
        Path trail = directory.resolve("custos-audit.jsonl");
        int records = 1_234;

        try (FileAuditLog log = new FileAuditLog(settings(trail, database, table, 100))) {
            for (int i = 0; i < records; i++) {
                log.record(AuditRecord.allowed(CLERK, StatementClass.READ, "SELECT " + i, "d" + i, i, 10, "v1"));
            }
            log.flush();
            awaitTrue(() -> log.status().sinkWritten() == records);
            assertThat(log.status().sinkBacklog()).isZero();
            assertThat(log.status().sinkErrors()).isZero();
        }

        List<String> lines = Files.readAllLines(trail);
        String seventh = lines.stream()
                .filter(line -> line.contains("\"normalized\":\"SELECT 7\""))
                .findFirst()
                .orElseThrow();
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement()) {
            try (ResultSet result = statement.executeQuery("SELECT count(*), count(DISTINCT seq) FROM " + table)) {
                result.next();
                assertThat(result.getLong(1)).isEqualTo(records);
                assertThat(result.getLong(2)).isEqualTo(records);
            }
            try (ResultSet result = statement.executeQuery("SELECT user_name, role_name, decision, row_count,"
                    + " statement_class, line, mac, seq FROM " + table + " WHERE digest = 'd7'")) {
                assertThat(result.next()).isTrue();
                assertThat(result.getString(1)).isEqualTo("clerk");
                assertThat(result.getString(2)).isEqualTo("info_clerk");
                assertThat(result.getString(3)).isEqualTo("allowed");
                assertThat(result.getLong(4)).isEqualTo(7);
                assertThat(result.getString(5)).isEqualTo("read");
                assertThat(result.getString(6)).isEqualTo(seventh);
                assertThat(seventh).endsWith(",\"mac\":\"" + result.getString(7) + "\"}");
                assertThat(seventh).startsWith("{\"seq\":" + result.getLong(8) + ",");
            }
            statement.execute("DROP TABLE " + table);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void sink_failingDatabase_neverHoldsTheTrailAndCatchesUpWhenItWorksAgain() throws Exception {
        Database database = database("postgresql");
        String schema = "sink_later_" + System.nanoTime();
        Path trail = directory.resolve("custos-audit.jsonl");

        try (FileAuditLog log = new FileAuditLog(settings(trail, database, schema + ".audit", 10))) {
            for (int i = 0; i < 50; i++) {
                log.record(AuditRecord.allowed(CLERK, StatementClass.READ, "SELECT " + i, "d", i, 10, "v1"));
            }
            log.flush();
            assertThat(log.healthy()).isTrue();
            awaitTrue(() -> log.status().sinkErrors() > 0);
            assertThat(log.status().sinkWritten()).isZero();
            assertThat(log.status().sinkBacklog()).isEqualTo(50);
            assertThat(Files.readString(trail)).contains("\"normalized\":\"SELECT 49\"");

            try (Connection connection = database.connect();
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE SCHEMA " + schema);
            }
            awaitTrue(() -> log.status().sinkWritten() == 50);
            assertThat(log.status().sinkBacklog()).isZero();
        }
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }

    private static AuditSettings settings(Path trail, Database database, String table, int batchSize) {
        return AuditSettings.of(trail, new SecretSource.Given(KEY))
                .withDurability(AuditSettings.Durability.RELAXED)
                .withSink(Optional.of(new AuditSettings.AuditSink(
                        database.url(),
                        database.user(),
                        new SecretSource.Given(database.password()),
                        table,
                        batchSize)));
    }

    private record Database(String url, String user, String password) {
        Connection connect() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }
    }

    private static Database database(String kind) {
        if (kind.equals("postgresql")) {
            TestPostgres postgres = TestPostgres.get();
            return new Database(postgres.jdbcUrl(), postgres.superuser(), postgres.superuserPassword());
        }
        TestMariaDb mariaDb = TestMariaDb.get();
        return new Database(mariaDb.jdbcUrl(), mariaDb.superuser(), mariaDb.superuserPassword());
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline)
                    .as("condition met within 60 s")
                    .isNegative();
            Thread.sleep(20);
        }
    }
}
