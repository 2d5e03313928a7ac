package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.policy.Limits;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Failed logins are slowed, then refused for a while, right password or not, and the lock is logged and audited; once
 * the lock ends the right password works again. Both protocols share the counts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LockoutEndToEndTest {
    private static final Duration INITIAL_DELAY = Duration.ofMillis(300);
    private static final Duration LOCK = Duration.ofSeconds(3);

    @Test
    void repeatedFailures_slowedThenLocked_thenReleased() throws Exception {
        Limits defaults = Limits.DEFAULTS;
        Limits limits = new Limits(
                defaults.maxConnections(),
                defaults.maxConnectionsPerUser(),
                defaults.maxConnectionsPerAddress(),
                defaults.maxMessageBytes(),
                defaults.maxStatementBytes(),
                defaults.authenticationTimeout(),
                defaults.idleSessionTimeout(),
                defaults.idleInTransactionTimeout(),
                new Limits.Lockout(1, INITIAL_DELAY, INITIAL_DELAY, 4, LOCK, Duration.ofMinutes(5)),
                defaults.shutdownDrain());
        try (TestGateway gateway = TestGateway.start(policy -> TestGateway.withLimits(policy, limits))) {
            assertThat(loginFails(gateway, "staff", "wrong-1").getSQLState()).isEqualTo("28P01");

            long start = System.nanoTime();
            SQLException second = loginFails(gateway, "staff", "wrong-2");
            long elapsedNanos = System.nanoTime() - start;
            assertThat(second.getSQLState()).isEqualTo("28P01");
            assertThat(Duration.ofNanos(elapsedNanos))
                    .as("second failure answered late")
                    .isGreaterThanOrEqualTo(INITIAL_DELAY);

            assertThatThrownBy(() -> DriverManager.getConnection(
                                    "jdbc:mariadb://127.0.0.1:" + gateway.mysqlPort() + "/custos_demo",
                                    "staff",
                                    "wrong-3")
                            .close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode())
                            .isEqualTo(1045));
            assertThat(loginFails(gateway, "staff", "wrong-4").getSQLState()).isEqualTo("28P01");

            // Locked: the right password is refused too, on both protocols.
            assertThatThrownBy(() -> gateway.connect("staff", "").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("28000");
                        assertThat(e.getMessage()).contains("too many failed logins for address 127.0.0.1");
                    });
            assertThatThrownBy(() -> gateway.connectMariaDb("clerk", "").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode())
                            .isEqualTo(1129));
            assertThat(gateway.auditLines(line -> line.contains("\"event\":\"lockout\""), 1))
                    .hasSizeGreaterThanOrEqualTo(1)
                    .allSatisfy(line -> assertThat(line).contains("locked for 3 s after 4 failed logins"));

            assertThat(connectsWithin(gateway, Duration.ofSeconds(15)))
                    .as("the lock ends")
                    .isTrue();
        }
    }

    private static SQLException loginFails(TestGateway gateway, String user, String password) {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        try {
            DriverManager.getConnection(
                            "jdbc:postgresql://127.0.0.1:" + gateway.postgresPort() + "/custos_demo", properties)
                    .close();
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("login of " + user + " with a wrong password succeeded");
    }

    private static boolean connectsWithin(TestGateway gateway, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection connection = gateway.connect("staff", "")) {
                return connection.isValid(5);
            } catch (SQLException stillLocked) {
                Thread.sleep(200);
            }
        }
        return false;
    }
}
