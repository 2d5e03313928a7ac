package io.custos.cli;

import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import io.custos.policy.Backend;
import io.custos.policy.ClientCertificate;
import io.custos.policy.Limits;
import io.custos.policy.Listener;
import io.custos.policy.MySqlNativeVerifier;
import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.policy.Role;
import io.custos.policy.ScramVerifier;
import io.custos.policy.User;
import io.custos.proxy.CustosGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A gateway of a test's own, for settings the shared {@link GatewayFixture} does not have: the demo policy over the
 * shared test databases on free ports, changed by the test, auditing to a temporary file. Close it when done.
 */
final class TestGateway implements AutoCloseable {
    static final String PASSWORD = Demo.DEMO_PASSWORD;

    final Policy policy;
    final CustosGateway gateway;
    final Path auditFile;

    private TestGateway(Policy policy, CustosGateway gateway, Path auditFile) {
        this.policy = policy;
        this.gateway = gateway;
        this.auditFile = auditFile;
    }

    /** The demo policy over the test databases, with both listeners on free ports, then {@code change}. */
    static TestGateway start(UnaryOperator<Policy> change) {
        try {
            Path directory = Files.createTempDirectory("custos-test-gateway");
            Path auditFile = directory.resolve("audit.jsonl");
            Policy demo = PolicyLoader.parse(GatewayFixture.demoPolicyText(), Demo.POLICY_SOURCE_NAME, directory);
            Policy policy = change.apply(Demo.adapt(
                    demo,
                    List.of(TestPostgres.get().backend(), TestMariaDb.get().backend()),
                    List.of(
                            new Listener(Backend.Protocol.POSTGRESQL, "127.0.0.1", 0),
                            new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 0)),
                    auditFile));
            return new TestGateway(policy, CustosGateway.start(policy), auditFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code policy} with {@code role} added or replaced. */
    static Policy withRole(Policy policy, Role role) {
        Map<String, Role> roles = new HashMap<>(policy.roles());
        roles.put(role.name(), role);
        return copy(policy, roles, policy.users(), policy.backends());
    }

    /** {@code policy} with a user of {@code role} whose password is the demo one, and {@code certificate} rule. */
    static Policy withUser(Policy policy, String name, String role, ClientCertificate certificate) {
        Map<String, User> users = new HashMap<>(policy.users());
        users.put(
                name,
                new User(
                        name,
                        role,
                        true,
                        ScramVerifier.create(PASSWORD, new SecureRandom()),
                        MySqlNativeVerifier.create(PASSWORD),
                        certificate));
        return copy(policy, policy.roles(), users, policy.backends());
    }

    /** {@code policy} with {@code limits}. */
    static Policy withLimits(Policy policy, Limits limits) {
        return new Policy(
                policy.version(),
                policy.levels(),
                policy.roles(),
                policy.users(),
                policy.backends(),
                policy.listeners(),
                policy.classification(),
                policy.audit(),
                policy.tls(),
                limits);
    }

    static Policy withBackends(Policy policy, UnaryOperator<Backend> change) {
        List<Backend> backends = new ArrayList<>();
        policy.backends().forEach(backend -> backends.add(change.apply(backend)));
        return copy(policy, policy.roles(), policy.users(), backends);
    }

    private static Policy copy(
            Policy policy, Map<String, Role> roles, Map<String, User> users, List<Backend> backends) {
        return new Policy(
                policy.version(),
                policy.levels(),
                roles,
                users,
                backends,
                policy.listeners(),
                policy.classification(),
                policy.audit(),
                policy.tls(),
                policy.limits());
    }

    int postgresPort() {
        return gateway.postgresAddress().getPort();
    }

    int mysqlPort() {
        return gateway.mysqlAddress().orElseThrow().getPort();
    }

    Connection connect(String user, String parameters) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", PASSWORD);
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + postgresPort() + "/custos_demo?" + parameters, properties);
    }

    Connection connectMariaDb(String user, String parameters) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mariadb://127.0.0.1:" + mysqlPort() + "/custos_demo?" + parameters, user, PASSWORD);
    }

    Connection connectMySql(String user, String parameters) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mysql://127.0.0.1:" + mysqlPort() + "/custos_demo?" + parameters, user, PASSWORD);
    }

    /** The audit lines matching {@code filter}, polled until at least {@code expected} are there or 10 s pass. */
    List<String> auditLines(Predicate<String> filter, int expected) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(auditFile)
                    ? Files.readAllLines(auditFile, StandardCharsets.UTF_8).stream()
                            .filter(filter)
                            .toList()
                    : List.of();
            if (lines.size() >= expected) {
                return lines;
            }
            Thread.sleep(50);
        }
        return lines;
    }

    @Override
    public void close() {
        gateway.close();
        try {
            Files.deleteIfExists(auditFile);
            Files.deleteIfExists(auditFile.getParent());
        } catch (IOException e) {
            // A temporary file is left behind.
        }
    }
}
