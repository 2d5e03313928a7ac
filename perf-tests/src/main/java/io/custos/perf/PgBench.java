package io.custos.perf;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pgbench's built-in select-only script ({@code -S}: one {@code SELECT abalance FROM pgbench_accounts WHERE aid = ?}
 * per transaction) in one of its query modes, against a target as a given user. Its tables live in
 * {@code custos_demo}'s public schema next to the sample's, unclassified, so that the gateway's policy lets every
 * demo user read them; the gateway's database account is granted them after {@code pgbench -i}.
 */
final class PgBench {
    static final List<String> MODES = List.of("simple", "extended", "prepared");

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");

    private final Path executable;
    private final Path directory;

    PgBench(Path executable, Path directory) {
        this.executable = executable;
        this.directory = directory;
    }

    /** {@code pgbench -i} at {@code scale} on the database directly, as its superuser. */
    void initialize(Databases databases, int scale) throws IOException, InterruptedException, SQLException {
        Tools.Output output = Tools.run(
                List.of(
                        executable.toString(),
                        "-i",
                        "-q",
                        "-s",
                        String.valueOf(scale),
                        "-h",
                        databases.postgres().host(),
                        "-p",
                        String.valueOf(databases.postgres().port()),
                        "-U",
                        databases.postgres().superuser(),
                        databases.postgres().database()),
                Map.of("PGPASSWORD", databases.postgres().superuserPassword()),
                directory,
                600);
        if (output.exitCode() != 0) {
            throw new IllegalStateException("pgbench -i failed: " + output.text());
        }
        databases.grantPostgresTablesToGateway();
    }

    RunResult run(Target target, String name, String gatewayUser, String mode, int clients, int seconds, int round)
            throws IOException, InterruptedException {
        Tools.Output output = Tools.run(
                List.of(
                        executable.toString(),
                        "-n",
                        "-S",
                        "-M",
                        mode,
                        "-c",
                        String.valueOf(clients),
                        "-j",
                        String.valueOf(Math.min(clients, 2)),
                        "-T",
                        String.valueOf(seconds),
                        "-h",
                        target.host(),
                        "-p",
                        String.valueOf(target.port()),
                        "-U",
                        target.user(gatewayUser),
                        target.database()),
                Map.of("PGPASSWORD", target.password(gatewayUser)),
                directory,
                seconds + 120L);
        Matcher tps = TPS.matcher(output.text());
        Matcher latency = LATENCY.matcher(output.text());
        Matcher failed = FAILED.matcher(output.text());
        long failures = failed.find() ? Long.parseLong(failed.group(1)) : 0;
        if (output.exitCode() != 0 || !tps.find()) {
            return failedRun(
                    name,
                    round,
                    clients,
                    seconds,
                    "pgbench exited " + output.exitCode() + ": " + lastLines(output.text()));
        }
        double throughput = Double.parseDouble(tps.group(1));
        double mean = latency.find() ? Double.parseDouble(latency.group(1)) * 1e3 : Double.NaN;
        return new RunResult(
                "pgbench-select-only-" + mode,
                name,
                round,
                clients,
                Math.round(throughput * seconds),
                failures,
                failures > 0 ? "pgbench reported failed transactions" : null,
                seconds,
                throughput,
                mean,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN);
    }

    static RunResult failedRun(String target, int round, int clients, int seconds, String error) {
        return new RunResult(
                "",
                target,
                round,
                clients,
                0,
                1,
                error,
                seconds,
                0,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN);
    }

    static String lastLines(String text) {
        String[] lines = text.strip().split("\n");
        return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - 3), lines.length));
    }
}
