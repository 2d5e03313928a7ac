package io.custos.perf;

import io.custos.cli.demo.EmbeddedMariaDb;
import io.custos.cli.demo.EmbeddedPostgres;
import io.custos.cli.demo.PostgresRestarts;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
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
import javax.management.ObjectName;

/**
 * A soak: many sessions on both protocols at once, each running allowed, masked and refused statements in turn for a
 * while, with a policy reload and then a PostgreSQL restart in the middle; then the checks that nothing was lost or
 * left behind.
 *
 * <p>The gateway runs in this JVM, started from a policy file (the demo policy with the databases given, strict
 * audit), so that the reload reads a changed file as an operator's would. Each session logs in as {@code staff} or
 * {@code contractor} and runs, over and over, {@code SELECT count(*) FROM service_ticket …} (allowed), {@code SELECT
 * customer_id, annual_income FROM customer_asset …} (level 2, masked for both) and {@code DELETE FROM service_ticket
 * …} (refused: neither role may delete), each with a literal of its own. After the reload the PostgreSQL server is
 * stopped (fast shutdown: its sessions end with FATAL 57P01), kept down {@link #DOWN_MILLIS} ms and started again on
 * its port and data directory; the PostgreSQL sessions whose statement is cut open a new connection (refused while the
 * server is down) and go on.
 *
 * <p>Afterwards, per protocol and kind: each statement sent and answered has its audit record of the expected
 * decision; each statement cut by the restart has at most one record: failed (within the restart's window), or of
 * the expected decision when the gate refused it, or it completed, before the FATAL reached the client; none when
 * the driver sent it on a session the gateway had already ended (the FATAL it read was the answer to the statement
 * before) or never sent it (the socket was closed); records from both sides of the reload carry their policy version;
 * the backend connections return to the
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

    /**
     * How many sessions per protocol and for how long; {@code histogram}: whether to log the classes whose instances
     * grew most on the heap between before and after the load.
     */
    public record Settings(int sessionsPerProtocol, Duration duration, boolean histogram) {}

    /** What the soak counted. {@code problems} is empty when every check passed. */
    public record Figures(
            int sessions,
            long statements,
            Map<String, Long> sent,
            Map<String, Long> recorded,
            Map<String, Long> cut,
            Map<String, Long> recordedFailed,
            long reconnects,
            Duration restartDown,
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
            out.printf("audit records         %s (of the expected decision)%n", recorded);
            out.printf("cut by the restart    %s%n", cut);
            out.printf("recorded as failed    %s%n", recordedFailed);
            Map<String, Long> cutRecorded = new LinkedHashMap<>();
            cut.forEach((key, count) ->
                    cutRecorded.put(key, recorded.get(key) - (sent.get(key) - count) + recordedFailed.get(key)));
            out.printf("cut, with a record    %s%n", cutRecorded);
            out.printf(
                    "restart               PostgreSQL down %.1f s (stop to accepting logins), %d sessions"
                            + " reconnected%n",
                    restartDown.toMillis() / 1e3, reconnects);
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
    /** How long the PostgreSQL server stays down before it is started again. */
    static final long DOWN_MILLIS = 1500;
    /** How long after the restarted server accepts logins a cut statement or a refused connection is still expected. */
    private static final long RESTART_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final String DEMO_POLICY = "/io/custos/cli/demo-policy.yaml";
    private static final String AUDIT_KEY = "custos-soak-audit-key-synthetic-not-a-secret";
    /** The {@code application_name} and size of the gateway's PostgreSQL catalog pool ({@code CatalogLoader}). */
    private static final String CATALOG_POOL = "custos-catalog";

    private static final int CATALOG_POOL_SIZE = 2;

    private final EmbeddedPostgres postgres;
    private final PostgresRestarts restarts;
    private final EmbeddedMariaDb mariadb;
    private final Path directory;

    private Soak(EmbeddedPostgres postgres, PostgresRestarts restarts, EmbeddedMariaDb mariadb, Path directory) {
        this.postgres = postgres;
        this.restarts = restarts;
        this.mariadb = mariadb;
        this.directory = directory;
    }

    public static void main(String[] args) throws Exception {
        int sessions = 100;
        int seconds = 180;
        boolean histogram = false;
        for (String arg : args) {
            if (arg.startsWith("--sessions=")) {
                sessions = Integer.parseInt(arg.substring("--sessions=".length()));
            } else if (arg.startsWith("--seconds=")) {
                seconds = Integer.parseInt(arg.substring("--seconds=".length()));
            } else if (arg.equals("--histogram")) {
                histogram = true;
            } else {
                System.err.println("usage: Soak [--sessions=N per protocol, default 100] [--seconds=S, default 180]"
                        + " [--histogram]");
                System.exit(2);
            }
        }
        System.out.printf(
                "load average %s on %d cores%n",
                Files.readString(Path.of("/proc/loadavg")).trim(),
                Runtime.getRuntime().availableProcessors());
        Path directory = Files.createTempDirectory("custos-soak");
        Figures figures;
        try (Databases databases = Databases.start(true, 2 * sessions + 100);
                PostgresRestarts restarts = PostgresRestarts.of(databases.postgres())) {
            figures = run(
                    databases.postgres(),
                    restarts,
                    databases.mariadb().orElseThrow(),
                    directory,
                    new Settings(sessions, Duration.ofSeconds(seconds), histogram),
                    System.out);
        }
        figures.print(System.out);
        System.out.printf(
                "load average %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
        System.exit(figures.problems().isEmpty() ? 0 : 1);
    }

    /**
     * Runs the soak against the databases given, restarting {@code postgres} through {@code restarts}; the gateway's
     * files go to {@code directory}.
     */
    public static Figures run(
            EmbeddedPostgres postgres,
            PostgresRestarts restarts,
            EmbeddedMariaDb mariadb,
            Path directory,
            Settings settings,
            PrintStream log)
            throws Exception {
        return new Soak(postgres, restarts, mariadb, directory).run(settings, log);
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
            Map<String, long[]> histogramBefore = settings.histogram() ? histogram() : Map.of();
            load = new Load(gateway, settings);
            long started = System.nanoTime();
            long millis = settings.duration().toMillis();
            load.start();
            Thread.sleep(millis * 2 / 5);
            Files.writeString(policyFile, policyText(2 * settings.sessionsPerProtocol() + 11));
            PolicyReload reload = gateway.reloadPolicy("soak");
            log.printf("policy reloaded: %s -> %s%n", reload.previousVersion(), reload.version());
            if (!reload.loaded()) {
                problems.add("the reload was rejected: " + reload.problems());
            }
            Thread.sleep(Math.max(0, started + TimeUnit.MILLISECONDS.toNanos(millis * 11 / 20) - System.nanoTime())
                    / 1_000_000);
            load.restart(log);
            load.awaitEnd();
            elapsed = Duration.ofNanos(System.nanoTime() - started);
            after = awaitBackendConnections(before);
            heapAfter = heapAfterCollection();
            if (settings.histogram()) {
                logGrowth(histogramBefore, histogram(), log);
            }
        } finally {
            gateway.close();
        }
        if (!settled(after, before)) {
            problems.add("backend connections " + after + " once the sessions closed, " + before + " before");
        }
        if (load.unexpectedErrors.get() > 0) {
            problems.add(load.unexpectedErrors.get() + " unexpected errors, the first: " + load.firstError);
        }
        Map<String, Integer> stopped = awaitBackendConnections(Map.of());
        if (stopped.values().stream().anyMatch(count -> count != 0)) {
            problems.add("backend connections " + stopped + " after the gateway stopped");
        }
        Map<String, Long> recorded = new LinkedHashMap<>();
        Map<String, Long> failed = new LinkedHashMap<>();
        Set<String> versions = new TreeSet<>();
        countRecords(recorded, failed, versions, load, problems);
        Map<String, Long> answered = load.answeredByKind();
        Map<String, Long> cut = load.cutByKind();
        for (String key : answered.keySet()) {
            // Each answered statement has its record of the expected decision; each cut one at most one record, of
            // the expected decision (the gate refused it, or it completed, before the FATAL reached the client) or
            // failed.
            long ofCut = recorded.get(key) - answered.get(key) + failed.get(key);
            if (recorded.get(key) < answered.get(key) || ofCut > cut.get(key)) {
                problems.add(key + ": " + recorded.get(key) + " records of the expected decision and "
                        + failed.get(key) + " failed for " + answered.get(key) + " statements answered and "
                        + cut.get(key) + " cut by the restart");
            }
        }
        if (load.restartDown == null) {
            problems.add("the PostgreSQL restart did not happen during the load");
        }
        if (versions.size() != 2) {
            problems.add("records carry policy versions " + versions + " (expected: one each side of the reload)");
        }
        return new Figures(
                2 * settings.sessionsPerProtocol(),
                load.statements(),
                load.sentByKind(),
                recorded,
                cut,
                failed,
                load.reconnects.get(),
                load.restartDown == null ? Duration.ZERO : load.restartDown,
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

    /**
     * The sessions, each on a thread of its own, until the duration has passed; a PostgreSQL session whose statement
     * the restart cuts opens a new connection and goes on.
     */
    private final class Load {
        private final CustosGateway gateway;
        private final Settings settings;
        private final ExecutorService threads;
        private final List<Future<?>> sessions = new ArrayList<>();
        private final Map<Backend.Protocol, AtomicLongArray> sent = new EnumMap<>(Backend.Protocol.class);
        private final Map<Backend.Protocol, AtomicLongArray> cut = new EnumMap<>(Backend.Protocol.class);
        final AtomicLong unexpectedErrors = new AtomicLong();
        final AtomicLong reconnects = new AtomicLong();
        volatile String firstError;
        /** The restart's window, by {@link System#nanoTime()} and by the clock the audit records carry. */
        private volatile long restartBegan;

        private volatile long restartEnded;
        volatile Instant windowFrom;
        volatile Instant windowUntil;
        volatile Duration restartDown;
        private long deadline;

        Load(CustosGateway gateway, Settings settings) {
            this.gateway = gateway;
            this.settings = settings;
            this.threads = Executors.newFixedThreadPool(2 * settings.sessionsPerProtocol());
            for (Backend.Protocol protocol : Backend.Protocol.values()) {
                sent.put(protocol, new AtomicLongArray(Kind.values().length));
                cut.put(protocol, new AtomicLongArray(Kind.values().length));
            }
        }

        /** Stops the PostgreSQL server, keeps it down {@link #DOWN_MILLIS} ms, starts it again. */
        void restart(PrintStream log) throws IOException, InterruptedException {
            windowFrom = Instant.now();
            restartBegan = System.nanoTime();
            restarts.stop();
            Thread.sleep(DOWN_MILLIS);
            restarts.start();
            restartDown = Duration.ofNanos(System.nanoTime() - restartBegan);
            restartEnded = System.nanoTime();
            windowUntil = Instant.now().plusNanos(RESTART_GRACE_NANOS);
            log.printf("PostgreSQL restarted: down %.1f s%n", restartDown.toMillis() / 1e3);
        }

        /** Whether a cut statement or a refused connection is expected now. */
        boolean restarting() {
            long now = System.nanoTime();
            return restartBegan != 0
                    && now >= restartBegan
                    && (restartEnded == 0 || now < restartEnded + RESTART_GRACE_NANOS);
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

        private Void session(Backend.Protocol protocol, int index) throws InterruptedException {
            String user = USERS.get(index % USERS.size());
            int literal = index * 1_000_000;
            boolean first = true;
            while (System.nanoTime() < deadline) {
                Connection connection;
                try {
                    connection = connect(protocol, user);
                } catch (SQLException e) {
                    if (!restarting()) {
                        unexpected(protocol + " session " + index + ": " + e.getSQLState() + " " + e.getMessage());
                        return null;
                    }
                    Thread.sleep(50);
                    continue;
                }
                if (!first) {
                    reconnects.incrementAndGet();
                }
                first = false;
                try (connection;
                        Statement statement = connection.createStatement()) {
                    boolean open = true;
                    while (open && System.nanoTime() < deadline) {
                        for (Kind kind : Kind.values()) {
                            literal++;
                            if (!execute(connection, statement, protocol, kind, kind.sql(literal))) {
                                open = false;
                                break;
                            }
                        }
                    }
                } catch (SQLException e) {
                    unexpected(protocol + " session " + index + ": " + e.getSQLState() + " " + e.getMessage());
                    return null;
                }
            }
            return null;
        }

        /** Runs {@code sql}; false when the connection was lost (the statement cut by the restart, or not). */
        private boolean execute(
                Connection connection, Statement statement, Backend.Protocol protocol, Kind kind, String sql) {
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
                if (kind == Kind.REFUSED && refusal) {
                    return true;
                }
                String state = String.valueOf(e.getSQLState());
                boolean lost = state.equals("57P01") || state.startsWith("08") || closed(connection);
                if (lost && protocol == Backend.Protocol.POSTGRESQL && restarting()) {
                    cut.get(protocol).incrementAndGet(kind.ordinal());
                    return false;
                }
                unexpected(protocol + ": '" + sql + "': " + e.getSQLState() + " " + e.getMessage());
                return !lost;
            }
            return true;
        }

        private static boolean closed(Connection connection) {
            try {
                return connection.isClosed();
            } catch (SQLException e) {
                return true;
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
            return byKind(sent);
        }

        /** Statements the restart cut, by {@code protocol/kind}. */
        Map<String, Long> cutByKind() {
            return byKind(cut);
        }

        /** Statements sent and answered (not cut), by {@code protocol/kind}. */
        Map<String, Long> answeredByKind() {
            Map<String, Long> counts = sentByKind();
            cutByKind().forEach((key, count) -> counts.merge(key, -count, Long::sum));
            return counts;
        }

        private static Map<String, Long> byKind(Map<Backend.Protocol, AtomicLongArray> counters) {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (Backend.Protocol protocol : Backend.Protocol.values()) {
                for (Kind kind : Kind.values()) {
                    counts.put(
                            key(protocol.name(), kind), counters.get(protocol).get(kind.ordinal()));
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
     * login are not the soak's), those of the expected decision in {@code recorded} and those of a failed statement in
     * {@code failed}, and the policy versions they carry; a record of another decision, or of a failed statement
     * outside the restart's window, is a problem.
     */
    private void countRecords(
            Map<String, Long> recorded,
            Map<String, Long> failed,
            Set<String> versions,
            Load load,
            List<String> problems)
            throws IOException {
        for (Backend.Protocol protocol : Backend.Protocol.values()) {
            for (Kind kind : Kind.values()) {
                recorded.put(key(protocol.name(), kind), 0L);
                failed.put(key(protocol.name(), kind), 0L);
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
                versions.add(record.policyVersion());
                if (kind.decision.equals(record.decision())) {
                    recorded.merge(key(record.protocol(), kind), 1L, Long::sum);
                } else if (AuditRecord.FAILED.equals(record.decision())) {
                    failed.merge(key(record.protocol(), kind), 1L, Long::sum);
                    boolean inWindow = load.windowFrom != null
                            && load.windowUntil != null
                            && !record.time().isBefore(load.windowFrom)
                            && !record.time().isAfter(load.windowUntil);
                    if (!inWindow && problems.size() < 20) {
                        problems.add("a failed " + kind + " statement outside the restart's window: " + line);
                    }
                } else if (problems.size() < 20) {
                    problems.add("a " + kind + " statement recorded as " + record.decision() + ": " + line);
                }
            }
        }
    }

    /**
     * The gateway's backend connections: PostgreSQL's sessions and catalog pool apart (the pool names itself in
     * {@code application_name}), MySQL's together (the processlist does not tell them apart; its server is not
     * restarted).
     */
    private Map<String, Integer> backendConnections() throws SQLException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (Connection connection = postgres.connectAsSuperuser();
                PreparedStatement count = connection.prepareStatement(
                        "SELECT count(*) FILTER (WHERE application_name <> ?), count(*) FILTER (WHERE"
                                + " application_name = ?)"
                                + " FROM pg_stat_activity WHERE usename = ? AND backend_type = 'client backend'")) {
            count.setString(1, CATALOG_POOL);
            count.setString(2, CATALOG_POOL);
            count.setString(3, postgres.gatewayUser());
            try (ResultSet rows = count.executeQuery()) {
                rows.next();
                counts.put("postgresql", rows.getInt(1));
                counts.put("postgresql catalog", rows.getInt(2));
            }
        }
        try (Connection connection = mariadb.connectAsSuperuser();
                PreparedStatement count = connection.prepareStatement(
                        "SELECT count(*) FROM information_schema.processlist WHERE user = ?")) {
            count.setString(1, mariadb.gatewayUser());
            counts.put("mysql", single(count));
        }
        return counts;
    }

    /**
     * Polls the backend connection counts until they are {@code expected} or 15 s pass; returns the last counts.
     * PostgreSQL's catalog pool is expected to hold at most its size, {@link #CATALOG_POOL_SIZE}: the restart ends its
     * connection, and it opens one again at its next refresh (every 60 s by default), not before.
     */
    private Map<String, Integer> awaitBackendConnections(Map<String, Integer> expected)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        Map<String, Integer> counts = backendConnections();
        while (!settled(counts, expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            counts = backendConnections();
        }
        return counts;
    }

    private static boolean settled(Map<String, Integer> counts, Map<String, Integer> expected) {
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            int want = expected.getOrDefault(entry.getKey(), 0);
            boolean ok = entry.getKey().equals("postgresql catalog")
                    ? entry.getValue() <= Math.max(want, CATALOG_POOL_SIZE) && (want > 0 || entry.getValue() == 0)
                    : entry.getValue() == want;
            if (!ok) {
                return false;
            }
        }
        return true;
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

    /**
     * The heap's class histogram after a full collection (the {@code GC.class_histogram} diagnostic command, as
     * {@code jcmd} runs it): instances and bytes by class name.
     */
    private static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer()
                .invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"),
                        "gcClassHistogram",
                        new Object[] {new String[0]},
                        new String[] {String[].class.getName()});
        Map<String, long[]> classes = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 4 && fields[0].endsWith(":")) {
                classes.put(fields[3], new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[2])});
            }
        }
        return classes;
    }

    /** Logs the fifteen classes whose bytes on the heap grew most from {@code before} to {@code after}. */
    private static void logGrowth(Map<String, long[]> before, Map<String, long[]> after, PrintStream log) {
        long[] none = {0, 0};
        log.println("heap growth by class (after a full collection; instances, KiB):");
        after.entrySet().stream()
                .sorted((a, b) -> Long.compare(
                        b.getValue()[1] - before.getOrDefault(b.getKey(), none)[1],
                        a.getValue()[1] - before.getOrDefault(a.getKey(), none)[1]))
                .limit(15)
                .forEach(entry -> {
                    long[] old = before.getOrDefault(entry.getKey(), none);
                    log.printf(
                            "  %+10d %+10.1f  %s%n",
                            entry.getValue()[0] - old[0], (entry.getValue()[1] - old[1]) / 1024.0, entry.getKey());
                });
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
