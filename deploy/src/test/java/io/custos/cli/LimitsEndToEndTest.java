package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.policy.Limits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each limit of the policy's {@code limits} section through the real drivers, on both protocols: exceeding it gets the
 * protocol's own error and a closed connection, and the gateway goes on serving. Each test runs a gateway of its own
 * with the limit set low.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LimitsEndToEndTest {
    private static final Limits DEFAULTS = Limits.DEFAULTS;

    private static Limits limits(
            int total, int perUser, int perAddress, int messageBytes, int statementBytes, Duration authentication) {
        return new Limits(
                total,
                perUser,
                perAddress,
                messageBytes,
                statementBytes,
                authentication,
                DEFAULTS.idleSessionTimeout(),
                DEFAULTS.idleInTransactionTimeout(),
                DEFAULTS.lockout(),
                DEFAULTS.shutdownDrain());
    }

    @Test
    void connectionsInTotal_refusedOverTheLimit_bothProtocols() throws Exception {
        Limits limits = limits(2, 100, 100, DEFAULTS.maxMessageBytes(), DEFAULTS.maxStatementBytes(), seconds(60));
        try (TestGateway gateway = TestGateway.start(policy -> TestGateway.withLimits(policy, limits))) {
            List<Connection> open = new ArrayList<>();
            try {
                open.add(gateway.connect("staff", ""));
                open.add(gateway.connectMariaDb("staff", ""));

                assertThatThrownBy(() -> gateway.connect("clerk", "").close())
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("53300");
                            assertThat(e.getMessage()).contains("sorry, too many clients already");
                        });
                assertThatThrownBy(() -> gateway.connectMariaDb("clerk", "").close())
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getErrorCode()).isEqualTo(1040);
                            assertThat(e.getMessage()).contains("Too many connections");
                        });
            } finally {
                for (Connection connection : open) {
                    connection.close();
                }
            }
            // The places are given back once the gateway has seen the connections close.
            assertThat(connectsWithin(gateway, Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void connectionsPerUserAndPerAddress_refusedOverTheLimit() throws Exception {
        Limits limits = limits(100, 1, 3, DEFAULTS.maxMessageBytes(), DEFAULTS.maxStatementBytes(), seconds(60));
        try (TestGateway gateway = TestGateway.start(policy -> TestGateway.withLimits(policy, limits));
                Connection first = gateway.connect("staff", "")) {
            assertThatThrownBy(() -> gateway.connect("staff", "").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("53300");
                        assertThat(e.getMessage()).contains("too many connections for role \"staff\"");
                    });
            assertThatThrownBy(() -> gateway.connectMariaDb("staff", "").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode())
                            .isEqualTo(1203));
            try (Connection clerk = gateway.connect("clerk", "");
                    Connection contractor = gateway.connectMariaDb("contractor", "")) {
                assertThatThrownBy(() -> gateway.connect("it_admin", "").close())
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("53300");
                            assertThat(e.getMessage()).contains("too many connections from 127.0.0.1 (limit 3)");
                        });
            }
            assertThat(first.isValid(5))
                    .as("the sessions within the limits go on")
                    .isTrue();
        }
    }

    @Test
    void messageAndStatementSize_overTheLimit_endTheSession() throws Exception {
        Limits limits = limits(100, 100, 100, 16 << 10, 1000, seconds(60));
        try (TestGateway gateway = TestGateway.start(policy -> TestGateway.withLimits(policy, limits))) {
            String longStatement = "SELECT '" + "x".repeat(2000) + "'";
            // Far larger than the socket buffers: the client is still sending when the gateway answers.
            String hugeStatement = "SELECT '" + "x".repeat(4 << 20) + "'";

            try (Connection connection = gateway.connect("staff", "preferQueryMode=simple")) {
                assertThatThrownBy(() -> execute(connection, longStatement))
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("54000");
                            assertThat(e.getMessage())
                                    .contains("exceeds the limit of 1000 bytes (max_statement_bytes)");
                        });
                assertThat(connection.isValid(2)).isFalse();
            }
            try (Connection connection = gateway.connect("staff", "preferQueryMode=simple")) {
                assertThatThrownBy(() -> execute(connection, hugeStatement))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState())
                                .isEqualTo("08P01"));
            }
            try (Connection connection = gateway.connectMariaDb("staff", "")) {
                assertThatThrownBy(() -> execute(connection, longStatement))
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getErrorCode()).isEqualTo(1153);
                            assertThat(e.getMessage()).contains("max_statement_bytes");
                        });
            }
            try (Connection connection = gateway.connectMariaDb("staff", "")) {
                assertThatThrownBy(() -> execute(connection, hugeStatement))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode())
                                .isEqualTo(1153));
            }
            assertThat(gateway.auditLines(line -> line.contains("\"max_statement_bytes\""), 2))
                    .hasSize(2);
            try (Connection connection = gateway.connect("staff", "")) {
                assertThat(connection.isValid(5))
                        .as("other sessions are served")
                        .isTrue();
            }
        }
    }

    @Test
    void authenticationTimeout_silentClientDropped_bothProtocols() throws Exception {
        Limits limits = limits(100, 100, 100, DEFAULTS.maxMessageBytes(), DEFAULTS.maxStatementBytes(), seconds(1));
        try (TestGateway gateway = TestGateway.start(policy -> TestGateway.withLimits(policy, limits))) {
            String postgres = readUntilClosed(gateway.postgresPort());
            assertThat(postgres).startsWith("E").contains("28000").contains("authentication timed out");

            String mysql = readUntilClosed(gateway.mysqlPort());
            assertThat(mysql).contains("authentication timed out");
        }
    }

    @Test
    void idleTimeouts_sessionAndTransaction_bothProtocols() throws Exception {
        Limits limits = new Limits(
                100,
                100,
                100,
                DEFAULTS.maxMessageBytes(),
                DEFAULTS.maxStatementBytes(),
                seconds(60),
                seconds(2),
                seconds(1),
                DEFAULTS.lockout(),
                DEFAULTS.shutdownDrain());
        try (TestGateway gateway = TestGateway.start(policy -> TestGateway.withLimits(policy, limits))) {
            try (Connection idle = gateway.connect("staff", "")) {
                execute(idle, "SELECT 1");
                awaitDisconnect(gateway, "staff");
                assertThatThrownBy(() -> execute(idle, "SELECT 1"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState())
                                .isEqualTo("57P05"));
            }
            try (Connection inTransaction = gateway.connect("clerk", "")) {
                inTransaction.setAutoCommit(false);
                execute(inTransaction, "SELECT 1");
                awaitDisconnect(gateway, "clerk");
                assertThatThrownBy(() -> execute(inTransaction, "SELECT 1"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState())
                                .isEqualTo("25P03"));
            }
            try (Connection idle = gateway.connectMariaDb("contractor", "")) {
                execute(idle, "SELECT 1");
                awaitDisconnect(gateway, "contractor");
                assertThatThrownBy(() -> execute(idle, "SELECT 1"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getMessage())
                                .contains("inactivity"));
            }
            assertThat(gateway.auditLines(line -> line.contains("\"disconnect\""), 3))
                    .hasSizeGreaterThanOrEqualTo(3);
        }
    }

    private static void awaitDisconnect(TestGateway gateway, String user) throws Exception {
        List<String> lines = gateway.auditLines(
                line -> line.contains("\"event\":\"disconnect\"") && line.contains("\"user\":\"" + user + "\""), 1);
        assertThat(lines).as("the gateway closed the idle session of " + user).isNotEmpty();
    }

    private static boolean connectsWithin(TestGateway gateway, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection connection = gateway.connect("clerk", "")) {
                return connection.isValid(5);
            } catch (SQLException stillFull) {
                Thread.sleep(100);
            }
        }
        return false;
    }

    /** Connects, sends nothing, and reads what the gateway sends until it closes (at most 15 s). */
    private static String readUntilClosed(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            in.transferTo(received);
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static Duration seconds(long seconds) {
        return Duration.ofSeconds(seconds);
    }
}
