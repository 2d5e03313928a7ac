package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;

/** Role permissions, import/export, cancellation, authentication and the audit trail, through the real driver. */
class SessionEndToEndTest {
    private static GatewayFixture fixture;

    @BeforeAll
    static void startGateway() {
        fixture = GatewayFixture.get();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "staff      | UPDATE customer SET employer = employer WHERE id = 1 | role staff may not run UPDATE",
                "staff      | DELETE FROM service_ticket WHERE id = -1             | role staff may not run DELETE",
                "staff      | CREATE TABLE staff_notes (id int)                    | role staff may not run CREATE TABLE",
                "contractor | INSERT INTO service_ticket (customer_id, category, content, status) VALUES (1, 'x', 'y', 'open') | role contractor may not run INSERT",
                "contractor | UPDATE project SET city = city WHERE id = 1          | role contractor may not run UPDATE",
                "contractor | DROP TABLE project                                   | role contractor may not run DROP TABLE",
            })
    void refusedStatement_permissionErrorThenSessionUsable(String user, String sql, String message)
            throws SQLException {
        for (boolean prepared : new boolean[] {false, true}) {
            try (Connection connection = fixture.connect(user)) {
                assertThatThrownBy(() -> execute(connection, sql, prepared))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("custos: " + message)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));

                assertThat(scalar(connection, "SELECT count(*) FROM project")).isEqualTo("20");
            }
        }
    }

    @Test
    void refusalInsideTransaction_abortsItLikeAnyError() throws SQLException {
        try (Connection connection = fixture.connect("staff")) {
            connection.setAutoCommit(false);
            scalar(connection, "SELECT count(*) FROM project");

            assertThatThrownBy(() -> execute(connection, "DELETE FROM service_ticket WHERE id = -1", false))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> scalar(connection, "SELECT 1"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));

            connection.rollback();
            assertThat(scalar(connection, "SELECT 1")).isEqualTo("1");
        }
    }

    @Test
    void clerk_mayWrite() throws SQLException {
        try (Connection connection = fixture.connect("clerk")) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                assertThat(statement.executeUpdate("UPDATE service_ticket SET status = status WHERE id <= 3"))
                        .isEqualTo(3);
                statement.execute("CREATE TEMPORARY TABLE clerk_scratch (id int)");
                assertThat(statement.executeUpdate("DELETE FROM service_ticket WHERE id = -1"))
                        .isZero();
            }
            connection.rollback();
        }
    }

    @Test
    void multiStatementMessage_refusedWhole() throws SQLException {
        try (Connection connection = fixture.connect("staff", "preferQueryMode=simple");
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.execute(
                            "INSERT INTO service_ticket (customer_id, category, content, status) VALUES (1, 'a', 'b', 'open'); "
                                    + "DELETE FROM service_ticket WHERE id = -1"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"clerk", "staff", "contractor"})
    void copy_refusedWithoutImportExport(String user) throws SQLException {
        try (Connection connection = fixture.connect(user)) {
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();

            assertThatThrownBy(() -> copy.copyOut("COPY customer TO STDOUT", new ByteArrayOutputStream()))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("may not import or export")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> copy.copyIn(
                            "COPY service_ticket (customer_id, category, content, status) FROM STDIN",
                            new ByteArrayInputStream("1\tx\ty\topen\n".getBytes(StandardCharsets.UTF_8))))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> scalar(connection, "SELECT length(pg_read_file('postgresql.conf'))"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));

            assertThat(scalar(connection, "SELECT 1")).isEqualTo("1");
        }
    }

    @Test
    void copy_itAdminExportsAndImports() throws SQLException, java.io.IOException {
        try (Connection connection = fixture.connect("it_admin")) {
            connection.setAutoCommit(false);
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            ByteArrayOutputStream out = new ByteArrayOutputStream();

            long exported = copy.copyOut("COPY (SELECT id, name FROM customer ORDER BY id LIMIT 10) TO STDOUT", out);
            long imported = copy.copyIn(
                    "COPY service_ticket (customer_id, category, content, status, created_at) FROM STDIN",
                    new ByteArrayInputStream(("1\tbilling\tcopied in\topen\t2026-01-05 09:00:00\n"
                                    + "2\tbilling\tcopied in\topen\t2026-01-05 09:01:00\n")
                            .getBytes(StandardCharsets.UTF_8)));

            assertThat(exported).isEqualTo(10);
            assertThat(out.toString(StandardCharsets.UTF_8).lines()).hasSize(10);
            assertThat(imported).isEqualTo(2);
            connection.rollback();
        }
    }

    @Test
    void cancel_statementCancelStopsRunningQuery() throws Exception {
        try (Connection connection = fixture.connect("staff");
                Statement statement = connection.createStatement()) {
            CompletableFuture<Throwable> running = CompletableFuture.supplyAsync(() -> {
                try {
                    statement.execute("SELECT pg_sleep(30)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            awaitRunning("pg_sleep(30)");

            statement.cancel();

            Throwable failure = running.get(10, TimeUnit.SECONDS);
            assertThat(failure).isInstanceOf(SQLException.class);
            assertThat(((SQLException) failure).getSQLState()).isEqualTo("57014");
            assertThat(scalar(connection, "SELECT 1")).isEqualTo("1");
        }
    }

    @Test
    void cancel_queryTimeout() throws SQLException {
        try (Connection connection = fixture.connect("contractor");
                Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(1);

            assertThatThrownBy(() -> statement.execute("SELECT pg_sleep(20)"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"));
        }
    }

    @Test
    void cancel_forgedKeyIgnored() throws Exception {
        try (Connection connection = fixture.connect("staff");
                Statement statement = connection.createStatement()) {
            int sessionId = connection.unwrap(PGConnection.class).getBackendPID();
            CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> {
                try (ResultSet result = statement.executeQuery("SELECT 'finished' FROM pg_sleep(1)")) {
                    result.next();
                    return result.getString(1);
                } catch (SQLException e) {
                    return e.getSQLState();
                }
            });
            awaitRunning("pg_sleep(1)");

            try (Socket socket =
                    new Socket("127.0.0.1", fixture.gateway.postgresAddress().getPort())) {
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                out.writeInt(16);
                out.writeInt(80877102);
                out.writeInt(sessionId);
                out.writeInt(0x5eed);
                out.flush();
                assertThat(socket.getInputStream().read())
                        .as("the gateway closes the cancel connection")
                        .isEqualTo(-1);
            }

            assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo("finished");
        }
    }

    @Test
    void notifications_relayed() throws SQLException {
        try (Connection listener = fixture.connect("contractor");
                Connection notifier = fixture.connect("staff")) {
            execute(listener, "LISTEN ticket_events", false);
            execute(notifier, "NOTIFY ticket_events, 'ticket 42 opened'", false);

            PGNotification[] notifications = listener.unwrap(PGConnection.class).getNotifications(10_000);

            assertThat(notifications).isNotNull().hasSize(1);
            assertThat(notifications[0].getName()).isEqualTo("ticket_events");
            assertThat(notifications[0].getParameter()).isEqualTo("ticket 42 opened");
        }
    }

    @Test
    void emptyQuery_andNotice() throws SQLException {
        try (Connection connection = fixture.connect("it_admin", "preferQueryMode=simple");
                Statement statement = connection.createStatement()) {
            assertThat(statement.execute(";")).isFalse();

            statement.execute("DO $$ BEGIN RAISE NOTICE 'ticket % escalated', 42; END $$");

            assertThat((Object) statement.getWarnings()).isNotNull();
            assertThat(statement.getWarnings().getMessage()).isEqualTo("ticket 42 escalated");
            assertThat(scalar(connection, "SELECT 2")).isEqualTo("2");
        }
    }

    @ParameterizedTest
    @CsvSource({"staff,wrong-password", "nobody,custos-demo"})
    void authentication_failureRevealsNothing(String user, String password) {
        assertThatThrownBy(() -> java.sql.DriverManager.getConnection(fixture.url(""), user, password))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed for user \"" + user + "\"")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void audit_everyStatementRecordedRefusedIncluded() throws Exception {
        String marker = "audit_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection connection = fixture.connect("contractor")) {
            scalar(connection, "SELECT 1 AS " + marker);
            scalar(connection, "SELECT name AS " + marker + " FROM customer WHERE id = 5");
            assertThatThrownBy(() -> execute(
                    connection, "UPDATE customer SET name = 'x' WHERE id = 5 AND 'y' <> '" + marker + "'", false));
            try (PreparedStatement statement =
                    connection.prepareStatement("SELECT mobile AS " + marker + " FROM customer WHERE id = ?")) {
                statement.setLong(1, 9);
                statement.executeQuery().close();
            }
        }

        List<String> lines = fixture.auditLines(
                line -> line.contains(marker)
                        || line.contains("\"event\":\"statement\"") && line.contains("UPDATE customer"),
                4);
        List<String> withMarker =
                lines.stream().filter(line -> line.contains(marker)).toList();
        assertThat(withMarker).hasSize(3);
        assertThat(withMarker)
                .allSatisfy(line ->
                        assertThat(line).contains("\"user\":\"contractor\"").doesNotContain("'"));
        assertThat(withMarker.get(1)).contains("\"decision\":\"rewritten\"").contains("public.customer.name");
        assertThat(withMarker.get(2)).contains("\"decision\":\"rewritten\"").contains("public.customer.mobile");
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .contains("\"decision\":\"refused\"")
                .contains("role-permission")
                .doesNotContain(marker));
    }

    private static void awaitRunning(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (Connection direct = fixture.database.connectAsSuperuser();
                PreparedStatement statement = direct.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE ?")) {
            statement.setString(1, "%" + text + "%");
            while (System.nanoTime() < deadline) {
                try (ResultSet result = statement.executeQuery()) {
                    result.next();
                    if (result.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError("query " + text + " did not start within 10 s");
    }

    private static void execute(Connection connection, String sql, boolean prepared) throws SQLException {
        if (prepared) {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.execute();
            }
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String scalar(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }
}
