package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.Listener;
import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.proxy.CustosGateway;
import io.custos.proxy.audit.AuditLog;
import io.custos.proxy.audit.FileAuditLog;
import io.custos.proxy.audit.TrailStorage;
import io.custos.proxy.audit.TrailVerifier;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trail under failure, on both protocols: a disk that fills up while the gateway serves, and a gateway killed
 * with SIGKILL under load with {@code durability: strict}.
 */
class AuditTrailEndToEndTest {
    private static final String KEY = "audit-trail-end-to-end-test-key-0123";
    private static final String UNAVAILABLE =
            "custos: the audit trail cannot be written; statements are refused until it can";
    private static final byte[] KEY_OF_DEMO = Demo.DEMO_AUDIT_KEY.getBytes(StandardCharsets.UTF_8);
    private static final Pattern SERVING =
            Pattern.compile("Serving (PostgreSQL|MySQL) clients on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void diskFull_refusesNewStatementsHoldsResultsAndRecovers() throws Exception {
        TestPostgres postgres = TestPostgres.get();
        TestMariaDb mariaDb = TestMariaDb.get();
        Path trail = directory.resolve("custos-audit.jsonl");
        Policy policy = Demo.adapt(
                PolicyLoader.parse(GatewayFixture.demoPolicyText(), Demo.POLICY_SOURCE_NAME, directory),
                List.of(postgres.backend(), mariaDb.backend()),
                List.of(
                        new Listener(Backend.Protocol.POSTGRESQL, "127.0.0.1", 0),
                        new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 0)),
                trail);
        assertThat(policy.audit().durability()).isEqualTo(AuditSettings.Durability.STRICT);
        FillingStorage storage = new FillingStorage();
        AtomicReference<AuditLog> log = new AtomicReference<>();

        try (CustosGateway gateway = CustosGateway.start(policy, settings -> {
                    log.set(new FileAuditLog(settings, storage, Clock.systemUTC()));
                    return log.get();
                });
                Connection pgHeld = pg(gateway, "contractor");
                Connection pgRefused = pg(gateway, "staff");
                Connection myRefused = mysql(gateway, "clerk")) {
            assertThat(count(pgHeld, "SELECT count(*) FROM project")).isPositive();
            assertThat(count(myRefused, "SELECT count(*) FROM project")).isPositive();

            storage.full = true;
            CompletableFuture<Long> held = CompletableFuture.supplyAsync(
                    () -> countUnchecked(pgHeld, "SELECT count(*) AS held_by_disk FROM project"));
            awaitTrue(() -> !log.get().healthy());

            assertThatThrownBy(() -> count(pgRefused, "SELECT count(*) FROM project"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("42501");
                        assertThat(e.getMessage()).contains(UNAVAILABLE);
                    });
            assertThatThrownBy(() -> count(myRefused, "SELECT count(*) FROM project"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1142);
                        assertThat(e.getMessage()).contains(UNAVAILABLE);
                    });
            assertThat(log.get().status().healthy()).isFalse();
            assertThat(log.get().status().writeErrors()).isPositive();
            assertThat(held).as("the result waits for its record").isNotDone();

            storage.full = false;
            assertThat(held.get(60, TimeUnit.SECONDS)).isPositive();
            awaitTrue(() -> log.get().healthy());
            assertThat(count(pgRefused, "SELECT count(*) AS after_recovery FROM project"))
                    .isPositive();
            assertThat(count(myRefused, "SELECT count(*) AS after_recovery_mysql FROM project"))
                    .isPositive();
        }

        String written = Files.readString(trail);
        assertThat(written).contains("held_by_disk", "after_recovery", "after_recovery_mysql");
        assertThat(TrailVerifier.verify(List.of(trail), KEY_OF_DEMO).problems()).isEmpty();
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void sigkill_underLoad_everyStatementAClientSawIsInTheTrail() throws Exception {
        TestPostgres postgres = TestPostgres.get();
        TestMariaDb mariaDb = TestMariaDb.get();
        Path policyFile = writePolicy(postgres, mariaDb);
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Custos.class.getName(),
                        "run",
                        "--config",
                        policyFile.toString())
                .directory(directory.toFile())
                .redirectErrorStream(true);
        builder.environment().put("CUSTOS_AUDIT_KEY", KEY);
        Process process = builder.start();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger acknowledged = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        try {
            Map<String, Integer> ports = awaitPorts(process);
            drain(process);
            for (int client = 0; client < 6; client++) {
                String url = client % 2 == 0
                        ? "jdbc:postgresql://127.0.0.1:" + ports.get("PostgreSQL") + "/custos_demo"
                        : "jdbc:mariadb://127.0.0.1:" + ports.get("MySQL") + "/custos_demo";
                int id = client;
                Thread thread = new Thread(() -> load(url, id, seen, acknowledged), "load-" + client);
                thread.start();
                clients.add(thread);
            }
            awaitTrue(() -> acknowledged.get() >= 300);

            new ProcessBuilder("kill", "-9", Long.toString(process.pid()))
                    .inheritIO()
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
            for (Thread thread : clients) {
                thread.join(30_000);
                assertThat(thread.isAlive()).isFalse();
            }
        } finally {
            process.destroyForcibly();
        }

        Path trail = directory.resolve("custos-audit.jsonl");
        String written = Files.readString(trail, StandardCharsets.UTF_8);
        assertThat(seen).hasSizeGreaterThanOrEqualTo(300);
        List<String> missing = seen.stream()
                .filter(marker -> !written.contains(marker))
                .sorted()
                .toList();
        assertThat(missing)
                .as("statements a client saw a result for, missing from the trail")
                .isEmpty();
        TrailVerifier.Result result = TrailVerifier.verify(List.of(trail), KEY.getBytes(StandardCharsets.UTF_8));
        assertThat(result.problems()).isEmpty();
        assertThat(result.notes())
                .anySatisfy(note -> assertThat(note.message()).startsWith("the last record is not a trail_stop"));
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void preparedStatements_recordTheirParameterCountNeverTheValues() throws Exception {
        GatewayFixture fixture = GatewayFixture.get();
        String marker = "bound_" + System.nanoTime();
        String secret = "S3cretValue" + System.nanoTime();
        String sql = "SELECT id AS " + marker + " FROM customer WHERE mobile = ? OR name = ?";
        try (Connection pg = fixture.connect("it_admin");
                PreparedStatement statement = pg.prepareStatement(sql)) {
            statement.setString(1, secret);
            statement.setString(2, secret);
            statement.executeQuery().close();
        }
        try (Connection mysql = fixture.connectMySql("it_admin", "useServerPrepStmts=true");
                PreparedStatement statement = mysql.prepareStatement(sql.replace(marker, marker + "_my"))) {
            statement.setString(1, secret);
            statement.setString(2, secret);
            statement.executeQuery().close();
        }

        List<String> lines = fixture.auditLines(line -> line.contains(marker), 2);

        assertThat(lines).hasSize(2).allSatisfy(line -> assertThat(line)
                .contains("\"parameters\":2", "\"decision\":\"allowed\"", "\"levels\":[1]")
                .doesNotContain(secret));
        assertThat(Files.readString(fixture.auditFile)).doesNotContain(secret);
    }

    /** Runs distinct statements until the gateway goes away; remembers each one whose result came back. */
    private static void load(String url, int client, Set<String> seen, AtomicInteger acknowledged) {
        try (Connection connection = DriverManager.getConnection(url, "contractor", Demo.DEMO_PASSWORD);
                Statement statement = connection.createStatement()) {
            for (int i = 0; ; i++) {
                // Aliases survive normalization (literals and comments do not), so each statement is recognisable.
                String marker = "killed_" + client + "_" + i;
                try (ResultSet result =
                        statement.executeQuery("SELECT id AS " + marker + " FROM project ORDER BY id LIMIT 1")) {
                    while (result.next()) {
                        result.getLong(1);
                    }
                }
                seen.add(marker);
                acknowledged.incrementAndGet();
            }
        } catch (SQLException e) {
            // The gateway was killed: the statement in flight got no result.
        }
    }

    private Path writePolicy(TestPostgres postgres, TestMariaDb mariaDb) throws IOException {
        Files.writeString(directory.resolve("backend-password"), postgres.gatewayPassword() + "\n");
        Files.writeString(directory.resolve("mysql-password"), mariaDb.gatewayPassword() + "\n");
        String policy = GatewayFixture.demoPolicyText()
                .replace(
                        """
                          postgresql:
                            host: 127.0.0.1
                            port: 5432
                            database: custos_demo
                            user: custos
                            password_env: CUSTOS_PG_PASSWORD
                        """,
                        """
                          postgresql:
                            host: %s
                            port: %d
                            database: custos_demo
                            user: %s
                            password_file: backend-password
                        """
                                .formatted(postgres.host(), postgres.port(), postgres.gatewayUser()))
                .replace(
                        """
                          mysql:
                            host: 127.0.0.1
                            port: 3306
                            database: custos_demo
                            user: custos_gateway
                            password_env: CUSTOS_MYSQL_PASSWORD
                        """,
                        """
                          mysql:
                            host: %s
                            port: %d
                            database: custos_demo
                            user: %s
                            password_file: mysql-password
                        """
                                .formatted(mariaDb.host(), mariaDb.port(), mariaDb.gatewayUser()))
                .replace("    port: 15432\n", "    port: 0\n")
                .replace("    port: 13306\n", "    port: 0\n");
        assertThat(policy).contains("durability: strict").doesNotContain("password_env: CUSTOS");
        Path file = directory.resolve("policy.yaml");
        Files.writeString(file, policy);
        return file;
    }

    private static Map<String, Integer> awaitPorts(Process process) throws IOException {
        BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder lines = new StringBuilder();
        Map<String, Integer> ports = new HashMap<>();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lines.append(line).append('\n');
            Matcher matcher = SERVING.matcher(line);
            if (matcher.find()) {
                ports.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
            }
            if (line.startsWith("Policy ") && ports.size() == 2) {
                return ports;
            }
        }
        throw new AssertionError("custos run ended without serving both protocols:\n" + lines);
    }

    /** Keeps reading the gateway's output so that its log never blocks it. */
    private static void drain(Process process) {
        Thread drainer = new Thread(
                () -> {
                    try {
                        process.getInputStream().transferTo(OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        // The process is gone.
                    }
                },
                "drain-gateway-output");
        drainer.setDaemon(true);
        drainer.start();
    }

    private static Connection pg(CustosGateway gateway, String user) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + gateway.postgresAddress().getPort() + "/custos_demo",
                user,
                Demo.DEMO_PASSWORD);
    }

    private static Connection mysql(CustosGateway gateway, String user) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mariadb://127.0.0.1:"
                        + gateway.mysqlAddress().orElseThrow().getPort() + "/custos_demo",
                user,
                Demo.DEMO_PASSWORD);
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    private static long countUnchecked(Connection connection, String sql) {
        try {
            return count(connection, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline)
                    .as("condition met within 60 s")
                    .isNegative();
            Thread.sleep(10);
        }
    }

    /** The file system, with a disk that can be made full: writes and forces then fail as they do with ENOSPC. */
    private static final class FillingStorage implements TrailStorage {
        volatile boolean full;

        @Override
        public Appender open(Path file) throws IOException {
            Appender real = TrailStorage.FILES.open(file);
            return new Appender() {
                @Override
                public int write(ByteBuffer bytes) throws IOException {
                    if (full) {
                        throw new IOException("No space left on device");
                    }
                    return real.write(bytes);
                }

                @Override
                public void force() throws IOException {
                    if (full) {
                        throw new IOException("No space left on device");
                    }
                    real.force();
                }

                @Override
                public void close() throws IOException {
                    real.close();
                }
            };
        }

        @Override
        public void move(Path from, Path to) throws IOException {
            TrailStorage.FILES.move(from, to);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            TrailStorage.FILES.syncDirectory(directory);
        }
    }
}
