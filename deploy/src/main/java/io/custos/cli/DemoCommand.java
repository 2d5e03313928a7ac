package io.custos.cli;

import io.custos.policy.AuditSettings;
import io.custos.proxy.CustosGateway;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code custos demo}: the gateway in front of an embedded PostgreSQL and an embedded MariaDB with the sample data,
 * until Ctrl-C.
 */
@Command(
        name = "demo",
        description = {
            "Run the gateway in front of an embedded PostgreSQL and an embedded MariaDB with sample data until Ctrl-C.",
            "The demo policy applies, written to a file the gateway reloads when it changes; the databases, their files"
                    + " and the policy file with its secrets are removed on exit, the audit trail and a copy of its demo"
                    + " key are kept."
        })
final class DemoCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = "--pg-port",
            defaultValue = "15432",
            paramLabel = "PORT",
            description = "Port of the gateway's PostgreSQL listener (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    private int pgPort;

    @Option(
            names = "--mysql-port",
            defaultValue = "13306",
            paramLabel = "PORT",
            description = "Port of the gateway's MySQL listener (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    private int mysqlPort;

    @Option(names = "--no-mysql", description = "Start no MariaDB: the gateway serves PostgreSQL only (starts faster).")
    private boolean noMysql;

    @Option(
            names = "--tls",
            description = "Serve TLS on both protocols and reach the databases over TLS, with certificates of a"
                    + " throwaway CA made at start; the banner prints the CA file for the clients' verify-full lines.")
    private boolean tls;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            paramLabel = "HOST",
            description = "Address the gateway listens on (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(
            names = "--customers",
            defaultValue = "3000",
            paramLabel = "N",
            description = "Number of sample customers (default: ${DEFAULT-VALUE}).")
    private int customers;

    @Option(
            names = "--audit-file",
            defaultValue = "custos-audit.jsonl",
            paramLabel = "PATH",
            description = "Where the audit trail goes (default: ./${DEFAULT-VALUE}).")
    private Path auditFile;

    @Option(
            names = "--audit-durability",
            defaultValue = "strict",
            paramLabel = "MODE",
            description = "strict (each result waits until its audit record is on disk) or relaxed (records reach the"
                    + " disk within 200 ms); default: ${DEFAULT-VALUE}.")
    private String durability;

    @Option(
            names = "--admin-port",
            defaultValue = "19090",
            paramLabel = "PORT",
            description = "Port of the admin API on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    private int adminPort;

    @Option(
            names = "--dir",
            defaultValue = "custos-demo",
            paramLabel = "PATH",
            description =
                    "Where the demo writes its policy file and secrets, removed on exit (default: ./${DEFAULT-VALUE}).")
    private Path directory;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Demo.Options options = new Demo.Options(
                host,
                pgPort,
                !noMysql,
                mysqlPort,
                customers,
                auditFile.toAbsolutePath(),
                tls,
                durability(),
                adminPort,
                directory.toAbsolutePath());
        Resources resources = new Resources();
        resources.closeOnShutdown();
        Demo demo;
        try {
            demo = Demo.start(options, CustosGateway::start, resources, out);
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
        Demo.writeDemoKey(options.auditFile());
        HangUpSignal.onSignal(() -> demo.reloadPolicy("SIGHUP"));
        out.print(demo.banner());
        out.flush();
        Termination.awaitSignal();
        return Custos.EXIT_OK;
    }

    private AuditSettings.Durability durability() {
        for (AuditSettings.Durability candidate : AuditSettings.Durability.values()) {
            if (candidate.policyName().equals(durability)) {
                return candidate;
            }
        }
        throw CommandFailure.usage("custos: --audit-durability '" + durability + "' (expected: strict or relaxed)");
    }
}
