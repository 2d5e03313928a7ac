package io.custos.cli;

import io.custos.policy.Backend;
import io.custos.policy.ColumnRule;
import io.custos.policy.Mask;
import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.policy.Role;
import io.custos.policy.User;
import io.custos.proxy.ErrorCode;
import io.custos.proxy.catalog.CatalogLoader;
import io.custos.rewrite.Caller;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.Decision;
import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.StatementGate;
import io.custos.rewrite.StatementVerdict;
import io.custos.rewrite.Verdict;
import io.custos.rewrite.analysis.QueryMasker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code custos policy explain}: what the gateway would do with a statement from a user, decided by the same gate
 * over the backend's own catalog: the decision, the rule, the masked columns and the text sent to the database.
 */
@Command(
        name = "explain",
        description = {
            "Show what the gateway does with a statement from a user: decision, rule, masked columns, and the SQL sent"
                    + " to the database.",
            "Reads the catalog of the policy's backend; runs nothing there."
        })
final class ExplainPolicyCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            defaultValue = "${env:CUSTOS_POLICY}",
            description = "The policy file (default: the file named by CUSTOS_POLICY).")
    private Path config;

    @Option(names = "--user", required = true, paramLabel = "USER", description = "The user of the policy to ask as.")
    private String user;

    @Option(
            names = "--protocol",
            paramLabel = "PROTOCOL",
            description = "postgresql or mysql (default: postgresql when the policy has that backend, else mysql).")
    private String protocol;

    @Option(
            names = "--search-path",
            paramLabel = "SCHEMAS",
            defaultValue = "public",
            description = "PostgreSQL: the schemas unqualified names resolve in, comma-separated (default: public).")
    private String searchPath;

    @Option(
            names = "--database",
            paramLabel = "DATABASE",
            description = "MySQL: the current database (default: the backend's database).")
    private String database;

    @Parameters(paramLabel = "SQL", description = "The statement, or several separated by ';', as the client sends it.")
    private String sql;

    @Override
    public Integer call() {
        if (config == null) {
            throw CommandFailure.usage("custos: --config FILE is required (or set CUSTOS_POLICY)");
        }
        Policy policy = PolicyLoader.load(config);
        Backend backend = backend(policy);
        User subject = policy.user(user)
                .orElseThrow(() -> CommandFailure.usage("custos: no user '" + user + "' in " + config));
        Role role = policy.role(subject);
        boolean mysql = backend.protocol() == Backend.Protocol.MYSQL;
        PrintWriter out = spec.commandLine().getOut();

        Catalog catalog;
        MySqlMode mode = MySqlMode.DEFAULT;
        try (CatalogLoader loader = new CatalogLoader(backend)) {
            catalog = loader.load();
            if (mysql) {
                mode = MySqlMode.of(loader.sqlMode());
            }
        }
        List<String> path = mysql
                ? List.of(database == null ? backend.database() : database)
                : List.of(searchPath.split("\\s*,\\s*"));
        Caller caller = new Caller(user, role, policy.classification(), policy.version(), path);
        StatementGate gate = new StatementGate(new QueryMasker(() -> catalog), () -> catalog, 0);
        Verdict verdict = mysql ? gate.checkMySql(sql, caller, mode) : gate.check(sql, caller, true);

        out.printf(
                "user      %s, role %s, clearance %d%s%n",
                user,
                role.name(),
                role.clearance(),
                subject.enabled() ? "" : " (disabled: the gateway refuses this user's logins)");
        out.printf(
                "backend   %s %s:%d/%s, %d tables in the catalog%n",
                name(backend.protocol()),
                backend.host(),
                backend.port(),
                backend.database(),
                catalog.tables().size());
        out.printf("policy    %s, version %s%n", config, policy.version());
        List<StatementVerdict> statements = verdict.statements();
        for (int i = 0; i < statements.size(); i++) {
            printStatement(out, i + 1, statements.get(i), policy, mysql);
        }
        out.println();
        printSent(out, verdict, mysql);
        out.flush();
        return Custos.EXIT_OK;
    }

    private Backend backend(Policy policy) {
        if (protocol == null) {
            return policy.backend(Backend.Protocol.POSTGRESQL)
                    .or(() -> policy.backend(Backend.Protocol.MYSQL))
                    .orElseThrow();
        }
        Backend.Protocol wanted;
        try {
            wanted = Backend.Protocol.valueOf(protocol.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw CommandFailure.usage("custos: --protocol " + protocol + " (expected: postgresql or mysql)");
        }
        return policy.backend(wanted)
                .orElseThrow(() -> CommandFailure.usage("custos: the policy has no " + protocol + " backend"));
    }

    private static void printStatement(
            PrintWriter out, int number, StatementVerdict statement, Policy policy, boolean mysql) {
        out.printf("%nstatement %d: %s%n", number, statement.normalized());
        out.printf("  class     %s%n", statement.statementClass().policyName());
        out.printf("  decision  %s%n", statement.decision().name().toLowerCase(Locale.ROOT));
        if (statement.decision() == Decision.REFUSED) {
            out.printf("  rule      %s%n", statement.rule());
            out.printf(
                    "  error     %s (%s)%n",
                    statement.reason(),
                    mysql
                            ? "MySQL error " + ErrorCode.PERMISSION_DENIED.mysqlErrorNumber() + ", SQLSTATE 42000"
                            : "SQLSTATE " + ErrorCode.PERMISSION_DENIED.sqlState());
        }
        for (String column : statement.maskedColumns()) {
            out.printf(
                    "  masked    %s%s%n",
                    column,
                    rule(policy, column).map(ExplainPolicyCommand::describe).orElse(""));
        }
    }

    /** The rule of a masked column named {@code schema.table.column}, as the gate names it. */
    private static Optional<ColumnRule> rule(Policy policy, String column) {
        String[] parts = column.split("\\.", 3);
        if (parts.length != 3) {
            return Optional.empty();
        }
        return policy.classification().rule(parts[0], parts[1], parts[2]);
    }

    private static String describe(ColumnRule rule) {
        return " (level " + rule.level() + ", mask " + describe(rule.mask()) + ")";
    }

    private static String describe(Mask mask) {
        if (mask instanceof Mask.Full full) {
            return "full '" + full.text() + "'";
        }
        if (mask instanceof Mask.Partial partial) {
            return "partial, keep_first " + partial.keepFirst() + ", keep_last " + partial.keepLast() + ", fill '"
                    + partial.fill() + "'";
        }
        return mask.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static void printSent(PrintWriter out, Verdict verdict, boolean mysql) {
        if (verdict.refused()) {
            if (mysql) {
                out.println("sent to the database: nothing; the message is refused as a whole");
                return;
            }
            // The PostgreSQL session keeps responses in order by sending a statement that fails at once.
            out.println("sent to the database: a placeholder that fails at once (its error is replaced by the refusal);"
                    + " the message is refused as a whole");
            return;
        }
        boolean changed = verdict.statements().stream().anyMatch(s -> s.decision() == Decision.REWRITTEN);
        out.println(changed ? "sent to the database (rewritten):" : "sent to the database (unchanged):");
        out.println(verdict.sql());
    }

    private static String name(Backend.Protocol protocol) {
        return protocol.name().toLowerCase(Locale.ROOT);
    }
}
