package io.custos.cli;

import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import io.custos.policy.Backend;
import io.custos.policy.Listener;
import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.proxy.CustosGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/**
 * A gateway of a test's own over the shared test databases: the demo policy with YAML of the test's added at the end
 * (more classification entries, or sections of its own), listening on free ports, auditing to a temporary file. For
 * tests that need a policy the shared {@link GatewayFixture} does not have.
 */
final class OwnGateway implements AutoCloseable {
    final TestPostgres database = TestPostgres.get();
    final TestMariaDb mariaDb = TestMariaDb.get();
    final CustosGateway gateway;
    final Policy policy;
    private final Path directory;

    /**
     * @param classification entries appended to the demo policy's classification list, each starting with {@code
     *     "  - schema:"}
     * @param sections top-level sections appended after it
     */
    OwnGateway(String classification, String sections) {
        this(
                classification,
                sections,
                List.of(TestPostgres.get().backend(), TestMariaDb.get().backend()));
    }

    /** As {@link #OwnGateway(String, String)}, in front of {@code backends} (the shared servers' by default). */
    OwnGateway(String classification, String sections, List<Backend> backends) {
        try {
            directory = Files.createTempDirectory("custos-own-gateway");
            String text = GatewayFixture.demoPolicyText() + "\n" + classification + "\n" + sections + "\n";
            Policy demo = PolicyLoader.parse(text, Demo.POLICY_SOURCE_NAME, directory);
            Policy adapted = Demo.adapt(
                    demo,
                    backends,
                    backends.stream()
                            .map(backend -> new Listener(backend.protocol(), "127.0.0.1", 0))
                            .toList(),
                    directory.resolve("audit.jsonl"));
            policy = adapted;
            gateway = CustosGateway.start(adapted);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The audit trail's file. */
    Path auditFile() {
        return directory.resolve("audit.jsonl");
    }

    Connection connect(String user) throws SQLException {
        return connect(user, "");
    }

    Connection connect(String user, String extraParameters) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", GatewayFixture.PASSWORD);
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + gateway.postgresAddress().getPort() + "/custos_demo"
                        + (extraParameters.isEmpty() ? "" : "?" + extraParameters),
                properties);
    }

    Connection connectMySql(String user) throws SQLException {
        return connectMySql(user, "");
    }

    Connection connectMySql(String user, String extraParameters) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mariadb://127.0.0.1:"
                        + gateway.mysqlAddress().orElseThrow().getPort() + "/custos_demo"
                        + (extraParameters.isEmpty() ? "" : "?" + extraParameters),
                user,
                GatewayFixture.PASSWORD);
    }

    @Override
    public void close() throws IOException {
        gateway.close();
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(directory);
    }
}
