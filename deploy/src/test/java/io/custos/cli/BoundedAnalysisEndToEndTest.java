package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.policy.Backend;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hostile statements through the gateway on both protocols: refused below full clearance with the bound named, the
 * session usable afterwards, and another session served all along.
 */
class BoundedAnalysisEndToEndTest {
    private static GatewayFixture fixture;
    private static ExecutorService other;

    @BeforeAll
    static void start() {
        fixture = GatewayFixture.get();
        other = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void stop() {
        other.shutdownNow();
    }

    static String hostile(String kind) {
        return switch (kind) {
            case "parentheses" -> "SELECT " + "(".repeat(10_000) + "name" + ")".repeat(10_000) + " FROM customer";
            case "in-list" -> "SELECT name FROM customer WHERE id IN ("
                    + IntStream.range(0, 150_000).mapToObj(Integer::toString).collect(Collectors.joining(","))
                    + ")";
            case "unions" -> "SELECT name FROM customer" + " UNION SELECT name FROM customer".repeat(50_000);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "postgresql, parentheses, levels of parentheses",
        "postgresql, in-list, of max_terms",
        "postgresql, unions, of max_set_operations",
        "mysql, parentheses, levels of parentheses",
        "mysql, in-list, of max_terms",
        "mysql, unions, of max_set_operations",
    })
    void hostileStatement_refusedWhileAnotherSessionIsServed(String protocol, String kind, String bound)
            throws Exception {
        boolean mysql = protocol.equals("mysql");
        Supplier<Connection> connect = () -> {
            try {
                return mysql ? fixture.connectMySql("contractor", "") : fixture.connect("contractor");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        };
        String sql = hostile(kind);
        try (Connection attacker = connect.get();
                Connection bystander = connect.get()) {
            Future<Integer> served = other.submit(() -> {
                int answered = 0;
                for (int i = 0; i < 20; i++) {
                    try (Statement statement = bystander.createStatement();
                            ResultSet result = statement.executeQuery("SELECT count(*) FROM project")) {
                        result.next();
                        answered += result.getInt(1) > 0 ? 1 : 0;
                    }
                }
                return answered;
            });

            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> {
                            try (Statement statement = attacker.createStatement()) {
                                statement.executeQuery(sql).close();
                            }
                        })
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo(mysql ? "42000" : "42501");
                            assertThat(e.getMessage())
                                    .contains("custos: statement is too large to analyse (")
                                    .contains(bound);
                        });
            }

            assertThat(served.get(60, TimeUnit.SECONDS)).isEqualTo(20);
            assertThat(fixture.gateway.analysisCacheStatistics(
                            mysql ? Backend.Protocol.MYSQL : Backend.Protocol.POSTGRESQL))
                    .get()
                    .satisfies(statistics -> assertThat(statistics.hits()).isPositive())
                    .satisfies(statistics -> assertThat(statistics.misses()).isPositive());
            try (Statement statement = attacker.createStatement();
                    ResultSet result = statement.executeQuery("SELECT mobile FROM customer WHERE id = 1")) {
                assertThat(result.next()).isTrue();
                assertThat(result.getString(1)).contains("****");
            }
        }
    }
}
