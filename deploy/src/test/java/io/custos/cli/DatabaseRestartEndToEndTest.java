package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.cli.demo.EmbeddedPostgres;
import io.custos.cli.demo.PostgresRestarts;
import io.custos.cli.demo.SampleData;
import io.custos.policy.Backend;
import io.custos.policy.SecretSource;
import io.custos.proxy.audit.AuditJson;
import io.custos.proxy.audit.AuditRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The database stops and comes back, the gateway running throughout: open sessions get an error and are closed, new
 * connections are refused at once with a message that says why, {@code /readyz} answers 503 naming the backend, and
 * once the database is back everything works again, readiness included, without restarting the gateway. A PostgreSQL
 * server of the test's own, so that the shared one is never stopped.
 *
 * <p>Open sessions, idle or running a statement, get the database's own FATAL 57P01 ({@code terminating connection
 * due to administrator command}) as it sent it, and the running statement's audit record carries that SQLSTATE.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatabaseRestartEndToEndTest {
    private static final String TOKEN = "restart-test-admin-token-0123456789";
    private static final String SLEEP = "SELECT pg_sleep(30)";

    @Test
    void postgres_stopsAndComesBack_sessionsFailNewOnesAreRefusedThenAllWorksAgain() throws Exception {
        Path directory = Files.createTempDirectory("custos-restart");
        Path tokenFile = Files.writeString(directory.resolve("admin-token"), TOKEN);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(0, SampleData.generate(50));
                PostgresRestarts restarts = PostgresRestarts.of(postgres);
                OwnGateway gateway = new OwnGateway(
                        "", "admin:\n  port: 0\n  token_file: " + tokenFile + "\n", List.of(backend(postgres)))) {
            stopAndStart(gateway, postgres, restarts, runner);
        } finally {
            runner.shutdownNow();
            Files.deleteIfExists(tokenFile);
            Files.deleteIfExists(directory);
        }
    }

    private static void stopAndStart(
            OwnGateway gateway, EmbeddedPostgres postgres, PostgresRestarts restarts, ExecutorService runner)
            throws Exception {
        URI readyz = URI.create("http://127.0.0.1:"
                + gateway.gateway.adminAddress().orElseThrow().getPort() + "/readyz");
        Connection idle = gateway.connect("staff");
        Connection busy = gateway.connect("staff");
        assertThat(count(idle)).isEqualTo(50);
        assertThat(awaitReadiness(readyz, 200)).contains("\"backend_postgresql\" : \"ok\"");
        Future<?> sleeping = runner.submit(() -> {
            try (Statement statement = busy.createStatement()) {
                statement.execute(SLEEP);
            }
            return null;
        });
        awaitRunning(postgres, SLEEP);

        restarts.stop();

        // A fast shutdown ends every session with FATAL 57P01; the gateway relays it, running statement or not.
        assertThatThrownBy(() -> sleeping.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOfSatisfying(
                        SQLException.class,
                        e -> assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("57P01"));
        assertThatThrownBy(() -> count(idle))
                .isInstanceOfSatisfying(
                        SQLException.class,
                        e -> assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("57P01"));
        assertThat(idle.isValid(1)).isFalse();
        assertThat(failedStatements(gateway, "pg_sleep"))
                .as("the interrupted statement's audit record")
                .containsExactly("57P01");
        long started = System.nanoTime();
        assertThatThrownBy(() -> gateway.connect("staff").close()).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("08006");
            assertThat(e.getMessage()).contains("custos: cannot connect to the database: connection refused");
        });
        assertThat(System.nanoTime() - started).as("refused at once").isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(awaitReadiness(readyz, 503)).contains("\"backend_postgresql\" : \"failing\"");

        restarts.start();

        assertThat(awaitReadiness(readyz, 200)).contains("\"backend_postgresql\" : \"ok\"");
        try (Connection after = gateway.connect("staff")) {
            assertThat(count(after)).isEqualTo(50);
        }
        idle.close();
        busy.close();
    }

    /** Waits up to 10 s for the server to run {@code sql} in some session. */
    private static void awaitRunning(EmbeddedPostgres postgres, String sql) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (Connection monitor = postgres.connectAsSuperuser();
                PreparedStatement running = monitor.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = ?")) {
            running.setString(1, sql);
            while (true) {
                try (ResultSet rows = running.executeQuery()) {
                    rows.next();
                    if (rows.getInt(1) == 1) {
                        return;
                    }
                }
                assertThat(System.nanoTime()).as("'" + sql + "' running").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    /** The error codes of the failed statements whose normalized text holds {@code text}, polled for up to 5 s. */
    private static List<String> failedStatements(OwnGateway gateway, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            List<String> codes = Files.readAllLines(gateway.auditFile(), StandardCharsets.UTF_8).stream()
                    .filter(line -> line.contains("\"event\":\"statement\""))
                    .map(AuditJson::parse)
                    .filter(record ->
                            record.normalized() != null && record.normalized().contains(text))
                    .filter(record -> record.errorCode() != null)
                    .map(AuditRecord::errorCode)
                    .toList();
            if (!codes.isEmpty() || System.nanoTime() > deadline) {
                return codes;
            }
            Thread.sleep(20);
        }
    }

    private static Backend backend(EmbeddedPostgres postgres) {
        return new Backend(
                Backend.Protocol.POSTGRESQL,
                postgres.host(),
                postgres.port(),
                postgres.database(),
                postgres.gatewayUser(),
                new SecretSource.Given(postgres.gatewayPassword()));
    }

    private static int count(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM customer")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /** Polls {@code /readyz} until it answers {@code status} (30 s at most); returns the body. */
    private static String awaitReadiness(URI readyz, int status) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(readyz)
                .header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(15))
                .build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        while (response.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(100);
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return response.body();
    }
}
