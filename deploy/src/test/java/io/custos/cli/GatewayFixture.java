package io.custos.cli;

import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import io.custos.policy.Backend;
import io.custos.policy.Listener;
import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.proxy.CustosGateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;

/**
 * One gateway for the whole test JVM: the demo policy over {@link TestPostgres}, listening on a free port, with its
 * audit trail in a temporary directory. Started on first use, stopped when the JVM exits.
 */
final class GatewayFixture {
    static final String PASSWORD = Demo.DEMO_PASSWORD;

    private static GatewayFixture instance;

    final TestPostgres database;
    final TestMariaDb mariaDb;
    final Policy policy;
    final CustosGateway gateway;
    final Path auditFile;

    private GatewayFixture(
            TestPostgres database, TestMariaDb mariaDb, Policy policy, CustosGateway gateway, Path auditFile) {
        this.database = database;
        this.mariaDb = mariaDb;
        this.policy = policy;
        this.gateway = gateway;
        this.auditFile = auditFile;
    }

    static synchronized GatewayFixture get() {
        if (instance == null) {
            instance = start();
            GatewayFixture started = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "custos-test-gateway-stop"));
        }
        return instance;
    }

    private static GatewayFixture start() {
        try {
            TestPostgres database = TestPostgres.get();
            TestMariaDb mariaDb = TestMariaDb.get();
            Path directory = Files.createTempDirectory("custos-e2e");
            Path auditFile = directory.resolve("audit.jsonl");
            Policy demo = PolicyLoader.parse(demoPolicyText(), Demo.POLICY_SOURCE_NAME, directory);
            Policy policy = Demo.adapt(
                    demo,
                    List.of(database.backend(), mariaDb.backend()),
                    List.of(
                            new Listener(Backend.Protocol.POSTGRESQL, "127.0.0.1", 0),
                            new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 0)),
                    auditFile);
            return new GatewayFixture(database, mariaDb, policy, CustosGateway.start(policy), auditFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void stop() {
        gateway.close();
        try {
            Files.deleteIfExists(auditFile);
            Files.deleteIfExists(auditFile.getParent());
        } catch (IOException e) {
            // Only a temporary file is left behind; nothing to report at JVM exit.
        }
    }

    static String demoPolicyText() throws IOException {
        try (InputStream in = GatewayFixture.class.getResourceAsStream(Demo.POLICY_RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    String url(String extraParameters) {
        return "jdbc:postgresql://127.0.0.1:" + gateway.postgresAddress().getPort() + "/custos_demo"
                + (extraParameters.isEmpty() ? "" : "?" + extraParameters);
    }

    Connection connect(String user) throws SQLException {
        return connect(user, "");
    }

    Connection connect(String user, String extraParameters) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", PASSWORD);
        return DriverManager.getConnection(url(extraParameters), properties);
    }

    /** Through the gateway's MySQL listener with MariaDB Connector/J. */
    Connection connectMySql(String user, String extraParameters) throws SQLException {
        String url = "jdbc:mariadb://127.0.0.1:"
                + gateway.mysqlAddress().orElseThrow().getPort() + "/custos_demo"
                + (extraParameters.isEmpty() ? "" : "?" + extraParameters);
        return DriverManager.getConnection(url, user, PASSWORD);
    }

    Connection connectMySqlDirect() throws SQLException {
        return mariaDb.connectAsGateway();
    }

    Connection connectDirect() throws SQLException {
        return database.connectAsGateway();
    }

    /** The audit lines matching {@code filter}, polled until at least {@code expected} are there or 10 s pass. */
    List<String> auditLines(Predicate<String> filter, int expected) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = new ArrayList<>(Files.readAllLines(auditFile, StandardCharsets.UTF_8).stream()
                    .filter(filter)
                    .toList());
            if (lines.size() >= expected) {
                return lines;
            }
            Thread.sleep(50);
        }
        return lines;
    }
}
