package io.custos.perf;

import io.custos.cli.demo.EmbeddedMariaDb;
import io.custos.cli.demo.EmbeddedPostgres;
import io.custos.policy.Backend;
import io.custos.policy.PolicyHolder;
import io.custos.proxy.CustosGateway;
import io.custos.proxy.admin.PolicyReload;
import io.custos.proxy.audit.AuditJson;
import io.custos.proxy.audit.AuditRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;

/**
 * A soak: many sessions on both protocols at once, each running allowed, masked and refused statements in turn for a
 * while, with a policy reload in the middle; then the checks that nothing was lost or left behind.
 *
 * <p>The gateway runs in this JVM, started from a policy file (the demo policy with the databases given, strict
 * audit), so that the reload reads a changed file as an operator's would. Each session logs in as {@code staff} or
 * {@code contractor} and runs, over and over, {@code SELECT count(*) FROM service_ticket …} (allowed), {@code SELECT
 * customer_id, annual_income FROM customer_asset …} (level 2, masked for both) and {@code DELETE FROM service_ticket
 * …} (refused: neither role may delete), each with a literal of its own.
 *
 * <p>Afterwards: each statement sent has exactly one audit record of the expected decision, per protocol and kind,
 * and records from both sides of the reload carry their policy version; the backend connections return to the
 * number before the load (the catalog's) once the sessions close, and to none once the gateway stops; the heap after
 * a full collection is reported before and after (the whole JVM's: the load driver's threads are gone by then).
 *
 * <p>Long form: {@code java -cp … io.custos.perf.Soak [--sessions=N per protocol] [--seconds=S]} (see RESULTS.md);
 * the short form runs in the unit tests.
 */
public final class Soak {
    /** What each session runs, in turn. */
    enum Kind {
        ALLOWED(AuditRecord.ALLOWED),
        MASKED(AuditRecord.REWRITTEN),
        REFUSED(AuditRecord.REFUSED);

        final String decision;

        Kind(String decision) {
            this.decision = decision;
        }

        String sql(int literal) {
            return switch (this) {
                case ALLOWED -> "SELECT count(*) FROM service_ticket WHERE customer_id > " + literal;
                case MASKED -> "SELECT customer_id, annual_income FROM customer_asset WHERE customer_id = "
                        + (literal % 3000 + 1);
                case REFUSED -> "DELETE FROM service_ticket WHERE id = " + -literal;
            };
        }

        /** Which kind an audit record's normalized text is, or null for a statement the soak did not send. */
        static Kind of(String normalized) {
            String text = normalized.toLowerCase(Locale.ROOT);
            if (text.startsWith("delete from service_ticket")) {
                return REFUSED;
            }
            if (text.contains("from customer_asset")) {
                return MASKED;
            }
            if (text.contains("from service_ticket")) {
                return ALLOWED;
            }
            return null;
        }
    }

    /** How many sessions per protocol, for how long, the reload halfway. */
    public record Settings(int sessionsPerProtocol, Duration duration) {}

    /** What the soak counted. {@code problems} is empty when every check passed. */
    public record Figures(
            int sessions,
            long statements,
            Map<String, Long> sent,
            Map<String, Long> recorded,
            long unexpectedErrors,
            Duration elapsed,
            Set<String> policyVersions,
            long heapBeforeBytes,
            long heapAfterBytes,
            Map<String, Integer> backendConnectionsBefore,
            Map<String, Integer> backendConnectionsAfter,
            Map<String, Integer> backendConnectionsStopped,
            List<String> problems) {
        void print(PrintStream out) {
            out.printf("sessions              %d (both protocols)%n", sessions);
            out.printf("statements            %d in %.1f s (%.0f/s)%n", statements, elapsed.toMillis() / 1e3, rate());
            out.printf("sent                  %s%n", sent);
            out.printf("audit records         %s%n", recorded);
            out.printf("unexpected errors     %d%n", unexpectedErrors);
            out.printf("policy versions       %s%n", policyVersions);
            out.printf(
                    "heap before / after   %.1f MiB / %.1f MiB (after a full collection)%n",
                    mib(heapBeforeBytes), mib(heapAfterBytes));
            out.printf(
                    "backend connections   before %s, after the sessions %s, after the stop %s%n",
                    backendConnectionsBefore, backendConnectionsAfter, backendConnectionsStopped);
            out.printf("checks                %s%n", problems.isEmpty() ? "passed" : String.join("; ", problems));
        }

        private double rate() {
            return statements / Math.max(elapsed.toMillis() / 1e3, 1e-3);
        }
    }

    private static final String PASSWORD = HarnessPolicy.PASSWORD;
    private static final List<String> USERS = List.of("staff", "contractor");
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final String DEMO_POLICY = "/io/custos/cli/demo-policy.yaml";
    private static final String AUDIT_KEY = "custos-soak-audit-key-synthetic-not-a-secret";

    private final EmbeddedPostgres postgres;
    private final EmbeddedMariaDb mariadb;
    private final Path directory;

    private Soak(EmbeddedPostgres postgres, EmbeddedMariaDb mariadb, Path directory) {
        this.postgres = postgres;
        this.mariadb = mariadb;
        this.directory = directory;
    }

    public static void main(String[] args) throws Exception {
        int sessions = 100;
        int seconds = 180;
        for (String arg : args) {
            if (arg.startsWith("--sessions=")) {
                sessions = Integer.parseInt(arg.substring("--sessions=".length()));
            } else if (arg.startsWith("--seconds=")) {
                seconds = Integer.parseInt(arg.substring("--seconds=".length()));
            } else {
                System.err.println("usage: Soak [--sessions=N per protocol, default 100] [--seconds=S, default 180]");
                System.exit(2);
            }
        }
        System.out.printf(
                "load average %s on %d cores%n",
                Files.readString(Path.of("/proc/loadavg")).trim(),
                Runtime.getRuntime().availableProcessors());
        Path directory = Files.createTempDirectory("custos-soak");
        Figures figures;
        try (Databases databases = Databases.start(true, 2 * sessions + 100)) {
            figures = run(
                    databases.postgres(),
                    databases.mariadb().orElseThrow(),
                    directory,
                    new Settings(sessions, Duration.ofSeconds(seconds)),
                    System.out);
        }
        figures.print(System.out);
        System.out.printf(
                "load average %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
        System.exit(figures.problems().isEmpty() ? 0 : 1);
    }

    /** Runs the soak against the databases given; the gateway's files go to {@code directory}. */
    public static Figures run(
            EmbeddedPostgres postgres, EmbeddedMariaDb mariadb, Path directory, Settings settings, PrintStream log)
            throws Exception {
        return new Soak(postgres, mariadb, directory).run(settings, log);
    }

    private Figures run(Settings settings, PrintStream log) throws Exception {
        Path policyFile = directory.resolve("policy.yaml");
        Files.writeString(directory.resolve("pg-password"), postgres.gatewayPassword());
        Files.writeString(directory.resolve("mysql-password"), mariadb.gatewayPassword());
        Files.writeString(directory.resolve("audit-key"), AUDIT_KEY);
        Files.writeString(policyFile, policyText(2 * settings.sessionsPerProtocol() + 10));
        List<String> problems = new ArrayList<>();
        Load load;
        Duration elapsed;
        Map<String, Integer> before;
        Map<String, Integer> after;
        long heapBefore;
        long heapAfter;
        CustosGateway gateway = CustosGateway.start(new PolicyHolder(policyFile));
        try {
            before = backendConnections();
            heapBefore = heapAfterCollection();
            load = new Load(gateway, settings);
            long started = System.nanoTime();
            load.start();
            Thread.sleep(settings.duration().toMillis() / 2);
            Files.writeString(policyFile, policyText(2 * settings.sessionsPerProtocol() + 11));
            PolicyReload reload = gateway.reloadPolicy("soak");
            log.printf("policy reloaded halfway: %s -> %s%n", reload.previousVersion(), reload.version());
            if (!reload.loaded()) {
                problems.add("the reload was rejected: " + reload.problems());
            }
            load.awaitEnd();
            elapsed = Duration.ofNanos(System.nanoTime() - started);
            after = awaitBackendConnections(before);
            heapAfter = heapAfterCollection();
        } finally {
            gateway.close();
        }
        if (!after.equals(before)) {
            problems.add("backend connections " + after + " once the sessions closed, " + before + " before");
        }
        if (load.unexpectedErrors.get() > 0) {
            problems.add(load.unexpectedErrors.get() + " unexpected errors, the first: " + load.firstError);
        }
        Map<String, Integer> stopped = awaitBackendConnections(Map.of("postgresql", 0, "mysql", 0));
        if (stopped.values().stream().anyMatch(count -> count != 0)) {
            problems.add("backend connections " + stopped + " after the gateway stopped");
        }
        Map<String, Long> recorded = new LinkedHashMap<>();
        Set<String> versions = new TreeSet<>();
        countRecords(recorded, versions, problems);
        if (!recorded.equals(load.sentByKind())) {
            problems.add("audit records " + recorded + " for statements sent " + load.sentByKind());
        }
        if (versions.size() != 2) {
            problems.add("records carry policy versions " + versions + " (expected: one each side of the reload)");
        }
        return new Figures(
                2 * settings.sessionsPerProtocol(),
                load.statements(),
                load.sentByKind(),
                recorded,
                load.unexpectedErrors.get(),
                elapsed,
                versions,
                heapBefore,
                heapAfter,
                before,
                after,
                stopped,
                List.copyOf(problems));
    }

    /** The sessions, each on a thread of its own, until the duration has passed. */
    private final class Load {
        private final CustosGateway gateway;
        private final Settings settings;
        private final ExecutorService threads;
        private final List<Future<?>> sessions = new ArrayList<>();
        private final Map<Backend.Protocol, AtomicLongArray> sent = new EnumMap<>(Backend.Protocol.class);
        final AtomicLong unexpectedErrors = new AtomicLong();
        volatile String firstError;
        private long deadline;

        Load(CustosGateway gateway, Settings settings) {
            this.gateway = gateway;
            this.settings = settings;
            this.threads = Executors.newFixedThreadPool(2 * settings.sessionsPerProtocol());
            for (Backend.Protocol protocol : Backend.Protocol.values()) {
                sent.put(protocol, new AtomicLongArray(Kind.values().length));
            }
        }

        void start() {
            deadline = System.nanoTime() + settings.duration().toNanos();
            for (int index = 0; index < settings.sessionsPerProtocol(); index++) {
                for (Backend.Protocol protocol : Backend.Protocol.values()) {
                    int session = index;
                    sessions.add(threads.submit(() -> session(protocol, session)));
                }
            }
        }

        void awaitEnd() throws Exception {
            for (Future<?> session : sessions) {
                session.get(settings.duration().toSeconds() + 120, TimeUnit.SECONDS);
            }
            threads.shutdown();
        }

        private Void session(Backend.Protocol protocol, int index) {
            String user = USERS.get(index % USERS.size());
            int literal = index * 1_000_000;
            try (Connection connection = connect(protocol, user);
                    Statement statement = connection.createStatement()) {
                while (System.nanoTime() < deadline) {
                    for (Kind kind : Kind.values()) {
                        literal++;
                        execute(statement, protocol, kind, kind.sql(literal));
                    }
                }
            } catch (SQLException e) {
                unexpected(protocol + " session " + index + ": " + e.getSQLState() + " " + e.getMessage());
            }
            return null;
        }

        private void execute(Statement statement, Backend.Protocol protocol, Kind kind, String sql) {
            sent.get(protocol).incrementAndGet(kind.ordinal());
            try {
                if (statement.execute(sql)) {
                    try (ResultSet rows = statement.getResultSet()) {
                        while (rows.next()) {
                            rows.getString(1);
                        }
                    }
                }
                if (kind == Kind.REFUSED) {
                    unexpected(protocol + ": '" + sql + "' was not refused");
                }
            } catch (SQLException e) {
                boolean refusal = e.getSQLState() != null
                        && (e.getSQLState().equals("42501") || e.getErrorCode() == 1142)
                        && String.valueOf(e.getMessage()).contains("custos: ");
                if (kind != Kind.REFUSED || !refusal) {
                    unexpected(protocol + ": '" + sql + "': " + e.getSQLState() + " " + e.getMessage());
                }
            }
        }

        private void unexpected(String error) {
            if (unexpectedErrors.getAndIncrement() == 0) {
                firstError = error;
            }
        }

        private Connection connect(Backend.Protocol protocol, String user) throws SQLException {
            if (protocol == Backend.Protocol.POSTGRESQL) {
                Properties properties = new Properties();
                properties.setProperty("user", user);
                properties.setProperty("password", PASSWORD);
                return DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:"
                                + gateway.postgresAddress().getPort() + "/custos_demo",
                        properties);
            }
            return DriverManager.getConnection(
                    "jdbc:mariadb://127.0.0.1:"
                            + gateway.mysqlAddress().orElseThrow().getPort() + "/custos_demo",
                    user,
                    PASSWORD);
        }

        long statements() {
            return sentByKind().values().stream().mapToLong(Long::longValue).sum();
        }

        /** Statements sent, by {@code protocol/kind}. */
        Map<String, Long> sentByKind() {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (Backend.Protocol protocol : Backend.Protocol.values()) {
                for (Kind kind : Kind.values()) {
                    counts.put(key(protocol.name(), kind), sent.get(protocol).get(kind.ordinal()));
                }
            }
            return counts;
        }
    }

    private static String key(String protocol, Kind kind) {
        return protocol.toLowerCase(Locale.ROOT) + "/" + kind.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Counts the trail's statement records of the soak's users by protocol and kind (the drivers' own statements at
     * login are not the soak's), and the policy versions they carry; a record of the wrong decision is a problem.
     */
    private void countRecords(Map<String, Long> recorded, Set<String> versions, List<String> problems)
            throws IOException {
        for (Backend.Protocol protocol : Backend.Protocol.values()) {
            for (Kind kind : Kind.values()) {
                recorded.put(key(protocol.name(), kind), 0L);
            }
        }
        List<Path> files;
        try (Stream<Path> listed = Files.list(directory)) {
            files = listed.filter(file -> file.getFileName().toString().startsWith("audit")
                            && file.getFileName().toString().endsWith(".jsonl"))
                    .toList();
        }
        for (Path file : files) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.contains("\"event\":\"statement\"")) {
                    continue;
                }
                AuditRecord record = AuditJson.parse(line);
                Kind kind = record.normalized() == null ? null : Kind.of(record.normalized());
                if (kind == null || !USERS.contains(record.user())) {
                    continue;
                }
                recorded.merge(key(record.protocol(), kind), 1L, Long::sum);
                versions.add(record.policyVersion());
                if (!kind.decision.equals(record.decision()) && problems.size() < 20) {
                    problems.add("a " + kind + " statement recorded as " + record.decision() + ": " + line);
                }
            }
        }
    }

    private Map<String, Integer> backendConnections() throws SQLException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (Connection connection = postgres.connectAsSuperuser();
                PreparedStatement count = connection.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE usename = ? AND backend_type = 'client backend'")) {
            count.setString(1, postgres.gatewayUser());
            counts.put("postgresql", single(count));
        }
        try (Connection connection = mariadb.connectAsSuperuser();
                PreparedStatement count = connection.prepareStatement(
                        "SELECT count(*) FROM information_schema.processlist WHERE user = ?")) {
            count.setString(1, mariadb.gatewayUser());
            counts.put("mysql", single(count));
        }
        return counts;
    }

    /** Polls the backend connection counts until they are {@code expected} or 15 s pass; returns the last counts. */
    private Map<String, Integer> awaitBackendConnections(Map<String, Integer> expected)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        Map<String, Integer> counts = backendConnections();
        while (!counts.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            counts = backendConnections();
        }
        return counts;
    }

    private static int single(PreparedStatement count) throws SQLException {
        try (ResultSet rows = count.executeQuery()) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static long heapAfterCollection() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double mib(long bytes) {
        return bytes / (double) (1 << 20);
    }

    /**
     * The demo policy with the soak's databases, listeners on free ports, a strict audit trail in the soak's
     * directory, and connection limits above the sessions' count ({@code maxConnections} also makes each reload's
     * file differ).
     */
    private String policyText(int maxConnections) {
        String demo;
        try (InputStream in = Soak.class.getResourceAsStream(DEMO_POLICY)) {
            demo = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int backends = demo.indexOf("\nbackends:");
        int classification = demo.indexOf("\nclassification:");
        String sections = String.join(
                "\n",
                "",
                "backends:",
                "  postgresql:",
                "    host: " + postgres.host(),
                "    port: " + postgres.port(),
                "    database: " + postgres.database(),
                "    user: " + postgres.gatewayUser(),
                "    password_file: pg-password",
                "  mysql:",
                "    host: " + mariadb.host(),
                "    port: " + mariadb.port(),
                "    database: " + mariadb.database(),
                "    user: " + mariadb.gatewayUser(),
                "    password_file: mysql-password",
                "listeners:",
                "  postgresql: {host: 127.0.0.1, port: 0}",
                "  mysql: {host: 127.0.0.1, port: 0}",
                "audit:",
                "  file: audit.jsonl",
                "  key_file: audit-key",
                "  durability: strict",
                "  rotate_size_mb: 1048576",
                "  rotate_daily: false",
                "limits:",
                "  max_connections: " + maxConnections,
                "  max_connections_per_user: " + maxConnections,
                "  max_connections_per_address: " + maxConnections,
                "");
        return demo.substring(0, backends) + sections + demo.substring(classification);
    }
}
