package io.custos.perf;

import io.custos.cli.demo.EmbeddedMariaDb;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * sysbench's {@code oltp_point_select} and {@code oltp_read_only} against the MySQL side, as a given user. Its table
 * {@code sbtest1} lives in the {@code custos_demo} database the gateway's backend uses (a MySQL schema is a
 * database), where the gateway's account already holds every privilege; it is unclassified, so every demo user may
 * read it, and a user below full clearance has each statement analysed. sysbench runs server-side prepared statements
 * (its default {@code --db-ps-mode=auto}), and {@code oltp_read_only} wraps each transaction's 14 queries in
 * BEGIN and COMMIT.
 */
final class SysBench {
    static final List<String> TESTS = List.of("oltp_point_select", "oltp_read_only");

    private static final Pattern TRANSACTIONS = Pattern.compile("transactions:\\s+(\\d+)\\s+\\(([0-9.]+) per sec");
    private static final Pattern QUERIES = Pattern.compile("queries:\\s+(\\d+)\\s+\\(([0-9.]+) per sec");
    private static final Pattern AVERAGE = Pattern.compile("avg:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("99th percentile:\\s+([0-9.]+)");
    private static final Pattern ERRORS = Pattern.compile("ignored errors:\\s+(\\d+)");

    private final Path executable;
    private final Path directory;
    private final int tableSize;

    SysBench(Path executable, Path directory, int tableSize) {
        this.executable = executable;
        this.directory = directory;
        this.tableSize = tableSize;
    }

    /** Creates and fills {@code sbtest1} on the database directly, as root. */
    void prepare(EmbeddedMariaDb mariadb) throws IOException, InterruptedException {
        Tools.Output output = Tools.run(
                command(
                        "oltp_read_only",
                        mariadb.host(),
                        mariadb.port(),
                        mariadb.superuser(),
                        mariadb.superuserPassword(),
                        1,
                        0,
                        "prepare"),
                Map.of(),
                directory,
                600);
        if (output.exitCode() != 0) {
            throw new IllegalStateException("sysbench prepare failed: " + output.text());
        }
    }

    RunResult run(Target target, String name, String gatewayUser, String test, int clients, int seconds, int round)
            throws IOException, InterruptedException {
        Tools.Output output = Tools.run(
                command(
                        test,
                        target.host(),
                        target.port(),
                        target.user(gatewayUser),
                        target.password(gatewayUser),
                        clients,
                        seconds,
                        "run"),
                Map.of(),
                directory,
                seconds + 120L);
        Matcher transactions = TRANSACTIONS.matcher(output.text());
        if (output.exitCode() != 0 || !transactions.find()) {
            return PgBench.failedRun(
                    name,
                    round,
                    clients,
                    seconds,
                    "sysbench exited " + output.exitCode() + ": " + PgBench.lastLines(output.text()));
        }
        Matcher queries = QUERIES.matcher(output.text());
        Matcher average = AVERAGE.matcher(output.text());
        Matcher percentile = PERCENTILE.matcher(output.text());
        Matcher errors = ERRORS.matcher(output.text());
        long ignored = errors.find() ? Long.parseLong(errors.group(1)) : 0;
        double throughput = queries.find() ? Double.parseDouble(queries.group(2)) : Double.NaN;
        return new RunResult(
                "sysbench-" + test,
                name,
                round,
                clients,
                Long.parseLong(transactions.group(1)),
                ignored,
                ignored > 0 ? "sysbench ignored errors" : null,
                seconds,
                throughput,
                average.find() ? Double.parseDouble(average.group(1)) * 1e3 : Double.NaN,
                Double.NaN,
                Double.NaN,
                percentile.find() ? Double.parseDouble(percentile.group(1)) * 1e3 : Double.NaN,
                Double.NaN);
    }

    /**
     * sysbench takes the password as an option only; these are the embedded servers' throwaway passwords and the demo
     * users' published one.
     */
    private List<String> command(
            String test, String host, int port, String user, String password, int clients, int seconds, String action) {
        List<String> command = new ArrayList<>(List.of(
                executable.toString(),
                test,
                "--db-driver=mysql",
                "--mysql-host=" + host,
                "--mysql-port=" + port,
                "--mysql-user=" + user,
                "--mysql-password=" + password,
                "--mysql-db=custos_demo",
                "--tables=1",
                "--table-size=" + tableSize,
                "--threads=" + clients,
                "--percentile=99",
                "--report-interval=0"));
        if (seconds > 0) {
            command.add("--time=" + seconds);
        }
        command.add(action);
        return command;
    }
}
