package io.custos.perf;

import io.custos.cli.demo.EmbeddedMariaDb;
import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The performance harness: starts the embedded databases with the sample data, a gateway per audit durability (each
 * in a JVM of its own) and pgbouncer when the system has it, then measures in rounds that interleave the targets
 * (direct, pgbouncer, gateway strict, gateway relaxed, direct, …) so that the machine's drift falls on all alike.
 *
 * <p>Sections: {@code workloads} (the Java load driver's workloads on both protocols), {@code pgbench},
 * {@code sysbench}, {@code streaming} and {@code idle}. Tables go to standard output as each section ends; everything
 * goes to {@code results.json} in the output directory. {@code perf-tests/run.sh} builds and runs it; see
 * perf-tests/RESULTS.md.
 */
@Command(
        name = "custos-perf",
        mixinStandardHelpOptions = true,
        description = "Measures the gateway against direct connections and pgbouncer.")
public final class Harness implements Callable<Integer> {
    enum Section {
        WORKLOADS,
        PGBENCH,
        SYSBENCH,
        STREAMING,
        IDLE
    }

    @Option(
            names = "--sections",
            split = ",",
            description = "Sections to run (default: all): workloads, pgbench, sysbench, streaming, idle")
    List<String> sections = List.of("workloads", "pgbench", "sysbench", "streaming", "idle");

    @Option(names = "--protocols", split = ",", description = "postgresql, mysql (default: both)")
    List<String> protocols = List.of("postgresql", "mysql");

    @Option(names = "--durability", split = ",", description = "Gateways to run, by audit durability (default: both)")
    List<String> durabilities = List.of("strict", "relaxed");

    @Option(names = "--rounds", description = "Rounds per comparison (default: ${DEFAULT-VALUE})")
    int rounds = 3;

    @Option(names = "--clients", description = "Client threads of the Java workloads (default: ${DEFAULT-VALUE})")
    int clients = 1;

    @Option(names = "--warmup-ms", description = "Warm-up per Java run (default: ${DEFAULT-VALUE})")
    long warmUpMillis = 300;

    @Option(names = "--run-ms", description = "Measured time per Java run (default: ${DEFAULT-VALUE})")
    long runMillis = 1_000;

    @Option(names = "--workloads", split = ",", description = "Java workloads to run (default: all)")
    List<String> workloads = List.of();

    @Option(names = "--tool-clients", description = "Clients of pgbench and sysbench (default: ${DEFAULT-VALUE})")
    int toolClients = 8;

    @Option(names = "--tool-seconds", description = "Seconds per pgbench and sysbench run (default: ${DEFAULT-VALUE})")
    int toolSeconds = 2;

    @Option(names = "--pgbench-modes", split = ",", description = "simple, extended, prepared (default: all)")
    List<String> pgbenchModes = PgBench.MODES;

    @Option(names = "--sysbench-tests", split = ",", description = "oltp_point_select, oltp_read_only (default: both)")
    List<String> sysbenchTests = SysBench.TESTS;

    @Option(names = "--pgbench-scale", description = "pgbench -i scale (default: ${DEFAULT-VALUE})")
    int pgbenchScale = 1;

    @Option(names = "--sysbench-table-size", description = "Rows of sbtest1 (default: ${DEFAULT-VALUE})")
    int sysbenchTableSize = 10_000;

    @Option(names = "--stream-mib", description = "Size of the streamed result (default: ${DEFAULT-VALUE})")
    long streamMiB = 512;

    @Option(
            names = "--stream-rate-mib",
            description = "How fast the streaming client reads, MiB/s (default: ${DEFAULT-VALUE})")
    long streamRateMiB = 64;

    @Option(names = "--idle", description = "Idle connections held open (default: ${DEFAULT-VALUE})")
    int idleConnections = 1_000;

    @Option(names = "--no-pgbouncer", description = "Leave pgbouncer out even when it is installed")
    boolean noPgbouncer;

    @Option(
            names = "--gateway-jvm",
            split = " ",
            description = "Extra options of the gateways' JVMs, e.g. -XX:StartFlightRecording=...")
    List<String> gatewayJvm = List.of();

    @Option(names = "--out", description = "Output directory (default: ${DEFAULT-VALUE})")
    Path out = Path.of("perf-tests", "target", "results");

    private final PrintStream console;
    private Report report;

    public Harness() {
        this(System.out);
    }

    Harness(PrintStream console) {
        this.console = console;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Harness()).execute(args));
    }

    /** Runs with {@code args} as on the command line; for the smoke test. */
    static Report run(PrintStream console, String... args) throws Exception {
        Harness harness = new Harness(console);
        new CommandLine(harness).parseArgs(args);
        harness.call();
        return harness.report;
    }

    @Override
    public Integer call() throws Exception {
        Set<Section> chosen = EnumSet.noneOf(Section.class);
        sections.forEach(name -> chosen.add(Section.valueOf(name.trim().toUpperCase())));
        Set<Backend.Protocol> chosenProtocols = EnumSet.noneOf(Backend.Protocol.class);
        protocols.forEach(
                name -> chosenProtocols.add(Backend.Protocol.valueOf(name.trim().toUpperCase())));
        report = new Report(console);
        Files.createDirectories(out);
        Path work = Files.createTempDirectory(
                "custos-perf-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        long started = System.nanoTime();
        describeMachine();
        int maxConnections = Math.max(200, idleConnections + 100);
        try (Databases databases = Databases.start(chosenProtocols.contains(Backend.Protocol.MYSQL), maxConnections)) {
            report.machine("postgresql", databases.postgresVersion());
            databases.mariadbVersion().ifPresent(version -> report.machine("mariadb", version));
            Optional<PgBench> pgbench = prepareTools(chosen, chosenProtocols, databases, work);
            Optional<SysBench> sysbench = prepareSysBench(chosen, chosenProtocols, databases, work);
            List<GatewayHandle> gateways = new ArrayList<>();
            try (Closer closer = new Closer()) {
                for (String durability : durabilities) {
                    AuditSettings.Durability mode = AuditSettings.Durability.valueOf(durability.toUpperCase());
                    gateways.add(closer.add(
                            GatewayHandle.start("custos-" + durability, databases, mode, work, out, gatewayJvm)));
                }
                Optional<PgBouncer> pgbouncer = startPgBouncer(chosenProtocols, databases, work, closer);
                report.machine("load average before", loadAverage());
                Targets targets = new Targets(databases, gateways, pgbouncer);
                for (GatewayHandle gateway : gateways) {
                    for (Backend.Protocol protocol : chosenProtocols) {
                        report.measurement(
                                protocolName(protocol) + ": first statement after start through " + gateway.name(),
                                FirstStatement.run(targets.gateway(gateway, protocol)));
                    }
                }
                if (chosen.contains(Section.WORKLOADS)) {
                    for (Backend.Protocol protocol : chosenProtocols) {
                        runWorkloads(protocol, targets, databases);
                    }
                }
                pgbench.ifPresent(tool -> runPgBench(tool, targets));
                sysbench.ifPresent(tool -> runSysBench(tool, targets));
                if (chosen.contains(Section.STREAMING)) {
                    runStreaming(chosenProtocols, targets, gateways);
                }
                if (chosen.contains(Section.IDLE)) {
                    runIdle(chosenProtocols, targets, gateways);
                }
                for (GatewayHandle gateway : gateways) {
                    Map<String, Object> cache = new LinkedHashMap<>(gateway.cache());
                    report.measurement("analysis cache of " + gateway.name(), cache);
                }
                report.machine("load average after", loadAverage());
            }
        } finally {
            deleteRecursively(work);
        }
        report.machine("harness seconds", String.format("%.0f", (System.nanoTime() - started) / 1e9));
        report.writeJson(out.resolve("results.json"));
        console.println("results: " + out.resolve("results.json").toAbsolutePath());
        return 0;
    }

    private void describeMachine() throws IOException {
        report.machine("started", Instant.now().toString());
        report.machine("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
        report.machine("memory", memoryTotal());
        report.machine("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        report.machine("gateway jvm", GatewayHandle.HEAP + " " + String.join(" ", gatewayJvm));
        report.machine("load average at start", loadAverage());
    }

    private static String memoryTotal() throws IOException {
        Path meminfo = Path.of("/proc/meminfo");
        if (!Files.exists(meminfo)) {
            return "unknown";
        }
        try (Stream<String> lines = Files.lines(meminfo)) {
            return lines.filter(line -> line.startsWith("MemTotal:"))
                    .map(line ->
                            String.format("%.1f GiB", Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
                    .findFirst()
                    .orElse("unknown");
        }
    }

    static String loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return String.format("%.2f", load);
        }
    }

    private Optional<PgBench> prepareTools(
            Set<Section> chosen, Set<Backend.Protocol> chosenProtocols, Databases databases, Path work)
            throws Exception {
        if (!chosen.contains(Section.PGBENCH) || !chosenProtocols.contains(Backend.Protocol.POSTGRESQL)) {
            return Optional.empty();
        }
        Optional<Path> executable = Tools.find("pgbench");
        if (executable.isEmpty()) {
            report.note("pgbench skipped: not installed (apt-get install postgresql-client)");
            return Optional.empty();
        }
        PgBench pgbench = new PgBench(executable.get(), work);
        pgbench.initialize(databases, pgbenchScale);
        return Optional.of(pgbench);
    }

    private Optional<SysBench> prepareSysBench(
            Set<Section> chosen, Set<Backend.Protocol> chosenProtocols, Databases databases, Path work)
            throws Exception {
        if (!chosen.contains(Section.SYSBENCH) || databases.mariadb().isEmpty()) {
            return Optional.empty();
        }
        Optional<Path> executable = Tools.find("sysbench");
        if (executable.isEmpty()) {
            report.note("sysbench skipped: not installed (apt-get install sysbench)");
            return Optional.empty();
        }
        SysBench sysbench = new SysBench(executable.get(), work, sysbenchTableSize);
        sysbench.prepare(databases.mariadb().get());
        return Optional.of(sysbench);
    }

    private Optional<PgBouncer> startPgBouncer(
            Set<Backend.Protocol> chosenProtocols, Databases databases, Path work, Closer closer) throws Exception {
        if (!chosenProtocols.contains(Backend.Protocol.POSTGRESQL)) {
            return Optional.empty();
        }
        if (noPgbouncer) {
            report.note("pgbouncer skipped: --no-pgbouncer");
            return Optional.empty();
        }
        Optional<Path> executable = PgBouncer.executable();
        if (executable.isEmpty()) {
            report.note("pgbouncer skipped: not installed (apt-get install pgbouncer); no pgbouncer figures");
            return Optional.empty();
        }
        int maxClients = Math.max(clients, toolClients) + 10;
        return Optional.of(closer.add(PgBouncer.start(executable.get(), databases, work, maxClients)));
    }

    /** The targets of a run, in the order each round visits them. */
    private record Targets(Databases databases, List<GatewayHandle> gateways, Optional<PgBouncer> pgbouncer) {
        Target direct(Backend.Protocol protocol) {
            if (protocol == Backend.Protocol.POSTGRESQL) {
                return new Target(
                        Summary.DIRECT,
                        Target.Kind.DIRECT,
                        "",
                        protocol,
                        databases.postgres().host(),
                        databases.postgres().port(),
                        databases.postgres().database(),
                        databases.postgres().superuser(),
                        databases.postgres().superuserPassword());
            }
            EmbeddedMariaDb mariadb = databases.mariadb().orElseThrow();
            return new Target(
                    Summary.DIRECT,
                    Target.Kind.DIRECT,
                    "",
                    protocol,
                    mariadb.host(),
                    mariadb.port(),
                    mariadb.database(),
                    mariadb.superuser(),
                    mariadb.superuserPassword());
        }

        Optional<Target> pgbouncer(Backend.Protocol protocol) {
            if (protocol != Backend.Protocol.POSTGRESQL) {
                return Optional.empty();
            }
            Target direct = direct(protocol);
            return pgbouncer.map(bouncer -> new Target(
                    Summary.PGBOUNCER,
                    Target.Kind.PGBOUNCER,
                    "",
                    protocol,
                    direct.host(),
                    bouncer.port(),
                    direct.database(),
                    direct.superuser(),
                    direct.superuserPassword()));
        }

        Target gateway(GatewayHandle gateway, Backend.Protocol protocol) {
            Target direct = direct(protocol);
            return new Target(
                    gateway.name(),
                    Target.Kind.CUSTOS,
                    gateway.durability().name().toLowerCase(),
                    protocol,
                    "127.0.0.1",
                    protocol == Backend.Protocol.POSTGRESQL ? gateway.postgresPort() : gateway.mysqlPort(),
                    direct.database(),
                    direct.superuser(),
                    direct.superuserPassword());
        }

        /** Direct, pgbouncer (PostgreSQL, when running), then each gateway. */
        List<Target> all(Backend.Protocol protocol) {
            List<Target> targets = new ArrayList<>();
            targets.add(direct(protocol));
            pgbouncer(protocol).ifPresent(targets::add);
            for (GatewayHandle gateway : gateways) {
                targets.add(gateway(gateway, protocol));
            }
            return targets;
        }
    }

    private void runWorkloads(Backend.Protocol protocol, Targets targets, Databases databases) throws Exception {
        Map<String, List<RunResult>> runs = new LinkedHashMap<>();
        for (Workload workload : Workloads.all(protocol, databases.data())) {
            if (!workloads.isEmpty() && !workloads.contains(workload.name())) {
                continue;
            }
            List<RunResult> workloadRuns = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                for (Target target : targets.all(protocol)) {
                    workloadRuns.add(LoadRun.run(
                            target,
                            workload,
                            clients,
                            Duration.ofMillis(warmUpMillis),
                            Duration.ofMillis(runMillis),
                            round));
                }
            }
            runs.put(workload.name(), workloadRuns);
        }
        report.section(
                protocolName(protocol) + ": Java workloads, " + clients + " client(s), " + rounds + " rounds of "
                        + runMillis + " ms after " + warmUpMillis + " ms warm-up",
                runs);
    }

    /** pgbench as the superuser directly and through pgbouncer, and through the gateways ({@link #toolTargets}). */
    private void runPgBench(PgBench pgbench, Targets targets) {
        Map<String, List<RunResult>> runs = new LinkedHashMap<>();
        try {
            for (String mode : pgbenchModes) {
                List<RunResult> modeRuns = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    for (ToolTarget target : toolTargets(targets, Backend.Protocol.POSTGRESQL)) {
                        modeRuns.add(pgbench.run(
                                target.target(), target.name(), target.user(), mode, toolClients, toolSeconds, round));
                    }
                }
                runs.put("pgbench-select-only-" + mode, modeRuns);
            }
        } catch (IOException | InterruptedException e) {
            report.note("pgbench stopped: " + e);
        }
        report.section(
                "PostgreSQL: pgbench -S, " + toolClients + " clients, " + rounds + " rounds of " + toolSeconds + " s",
                runs);
    }

    private void runSysBench(SysBench sysbench, Targets targets) {
        Map<String, List<RunResult>> runs = new LinkedHashMap<>();
        try {
            for (String test : sysbenchTests) {
                List<RunResult> testRuns = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    for (ToolTarget target : toolTargets(targets, Backend.Protocol.MYSQL)) {
                        testRuns.add(sysbench.run(
                                target.target(), target.name(), target.user(), test, toolClients, toolSeconds, round));
                    }
                }
                runs.put("sysbench-" + test, testRuns);
            }
        } catch (IOException | InterruptedException e) {
            report.note("sysbench stopped: " + e);
        }
        report.section(
                "MySQL: sysbench (throughput in queries/s), " + toolClients + " clients, " + rounds + " rounds of "
                        + toolSeconds + " s",
                runs);
    }

    private record ToolTarget(String name, Target target, String user) {}

    /**
     * Direct, pgbouncer, then through each gateway as {@code staff} (below full clearance: every statement analysed,
     * the trail in the gateway's durability) and, through the relaxed one, as {@code it_admin} (full clearance: no
     * analysis, no rewrite). it_admin through the strict gateway is left out to keep the run short: what strict
     * costs shows in staff's figures.
     */
    private static List<ToolTarget> toolTargets(Targets targets, Backend.Protocol protocol) {
        List<ToolTarget> list = new ArrayList<>();
        list.add(new ToolTarget(Summary.DIRECT, targets.direct(protocol), ""));
        targets.pgbouncer(protocol).ifPresent(target -> list.add(new ToolTarget(Summary.PGBOUNCER, target, "")));
        for (GatewayHandle gateway : targets.gateways()) {
            Target target = targets.gateway(gateway, protocol);
            if (gateway.durability() == AuditSettings.Durability.RELAXED
                    || targets.gateways().size() == 1) {
                list.add(new ToolTarget(gateway.name() + "/it_admin", target, "it_admin"));
            }
            list.add(new ToolTarget(gateway.name() + "/staff", target, "staff"));
        }
        return list;
    }

    private void runStreaming(Set<Backend.Protocol> chosenProtocols, Targets targets, List<GatewayHandle> gateways)
            throws Exception {
        GatewayHandle gateway = gateways.get(0);
        for (Backend.Protocol protocol : chosenProtocols) {
            Streaming.Outcome outcome =
                    Streaming.run(targets.gateway(gateway, protocol), gateway, streamMiB << 20, streamRateMiB << 20);
            report.measurement(
                    protocolName(protocol) + ": " + streamMiB + " MiB result read at " + streamRateMiB
                            + " MiB/s through " + gateway.name(),
                    outcome.figures());
        }
    }

    private void runIdle(Set<Backend.Protocol> chosenProtocols, Targets targets, List<GatewayHandle> gateways)
            throws Exception {
        GatewayHandle gateway = gateways.get(0);
        for (Backend.Protocol protocol : chosenProtocols) {
            Map<String, Object> figures =
                    IdleConnections.run(targets.gateway(gateway, protocol), gateway, idleConnections);
            report.measurement(
                    protocolName(protocol) + ": " + idleConnections + " idle connections through " + gateway.name(),
                    figures);
        }
    }

    private static String protocolName(Backend.Protocol protocol) {
        return protocol == Backend.Protocol.POSTGRESQL ? "PostgreSQL" : "MySQL";
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Closes what it was given, last first. */
    private static final class Closer implements AutoCloseable {
        private final List<AutoCloseable> resources = new ArrayList<>();

        <T extends AutoCloseable> T add(T resource) {
            resources.add(resource);
            return resource;
        }

        @Override
        public void close() throws Exception {
            for (int index = resources.size() - 1; index >= 0; index--) {
                resources.get(index).close();
            }
        }
    }
}
