package io.custos.cli;

import io.custos.policy.StatementClass;
import io.custos.proxy.audit.AuditRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code custos audit search}: the records of the trail that match every filter given, as JSON lines or a table. */
@Command(
        name = "search",
        description = {
            "Print the audit records that match every filter given, in trail order.",
            "Tables and columns match their classified names with or without schema (customer, public.customer,"
                    + " mobile, customer.mobile); --column also matches masked columns."
        })
final class AuditSearchCommand implements Callable<Integer> {
    private static final int MAX_STATEMENT_CHARS = 80;

    @Spec
    private CommandSpec spec;

    @Option(names = "--from", paramLabel = "TIME", description = "From this time on (2026-12-03, 2026-12-03T08:00).")
    private String from;

    @Option(names = "--to", paramLabel = "TIME", description = "Before this time.")
    private String to;

    @Option(
            names = "--zone",
            defaultValue = "UTC",
            paramLabel = "ZONE",
            description = "Time zone of --from, --to and the table (default: ${DEFAULT-VALUE}).")
    private String zone;

    @Option(names = "--user", paramLabel = "USER", description = "Records of this user.")
    private String user;

    @Option(names = "--role", paramLabel = "ROLE", description = "Records of this role.")
    private String role;

    @Option(
            names = "--decision",
            paramLabel = "DECISION",
            description = "allowed, rewritten, refused or failed (statement records only).")
    private String decision;

    @Option(
            names = "--class",
            paramLabel = "CLASS",
            description = "Statement class: read, insert, update, delete, ddl, transaction, session, other,"
                    + " import_export.")
    private String statementClass;

    @Option(names = "--table", paramLabel = "TABLE", description = "Statements naming this classified table.")
    private String table;

    @Option(names = "--column", paramLabel = "COLUMN", description = "Statements naming or masking this column.")
    private String column;

    @Option(
            names = "--event",
            paramLabel = "EVENT",
            description = "connect, auth_ok, auth_failed, statement or disconnect.")
    private String event;

    @Option(
            names = "--format",
            defaultValue = "json",
            paramLabel = "FORMAT",
            description = "json (each record as written) or table (default: ${DEFAULT-VALUE}).")
    private String format;

    @Option(names = "--limit", paramLabel = "N", description = "Print at most N records.")
    private Integer limit;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "The trail's files.")
    private List<Path> files;

    @Override
    public Integer call() {
        ZoneId zoneId = AuditTimes.zone(zone);
        Predicate<AuditRecord> filter = filter(zoneId);
        boolean table =
                switch (format) {
                    case "json" -> false;
                    case "table" -> true;
                    default -> throw CommandFailure.usage(
                            "custos: --format '" + format + "' (expected: json or table)");
                };
        if (limit != null && limit < 0) {
            throw CommandFailure.usage("custos: --limit " + limit + " (expected: >= 0)");
        }
        PrintWriter out = spec.commandLine().getOut();
        DateTimeFormatter times =
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(zoneId);
        if (table) {
            out.printf(
                    "%-19s %7s %-12s %-12s %-12s %-13s %-10s %-16s %8s  %s%n",
                    "time", "session", "user", "role", "event", "class", "decision", "rule", "rows", "statement");
        }
        int[] printed = {0};
        TrailRecords.forEach(files, spec.commandLine().getErr(), (record, line) -> {
            if (!filter.test(record) || (limit != null && printed[0] >= limit)) {
                return;
            }
            printed[0]++;
            if (!table) {
                out.println(line);
                return;
            }
            out.printf(
                    "%-19s %7d %-12s %-12s %-12s %-13s %-10s %-16s %8s  %s%n",
                    times.format(record.time()),
                    record.sessionId(),
                    orDash(record.user()),
                    orDash(record.role()),
                    record.event().auditName(),
                    record.statementClass() == null
                            ? "-"
                            : record.statementClass().policyName(),
                    orDash(record.decision()),
                    orDash(record.rule()),
                    record.rows() < 0 ? "-" : Long.toString(record.rows()),
                    shorten(record.normalized() == null ? orDash(record.reason()) : record.normalized()));
        });
        out.flush();
        spec.commandLine().getErr().flush();
        return Custos.EXIT_OK;
    }

    private Predicate<AuditRecord> filter(ZoneId zoneId) {
        Predicate<AuditRecord> filter = record -> true;
        if (from != null) {
            Instant start = AuditTimes.parse(from, zoneId, "--from");
            filter = filter.and(record -> !record.time().isBefore(start));
        }
        if (to != null) {
            Instant end = AuditTimes.parse(to, zoneId, "--to");
            filter = filter.and(record -> record.time().isBefore(end));
        }
        if (user != null) {
            filter = filter.and(record -> user.equals(record.user()));
        }
        if (role != null) {
            filter = filter.and(record -> role.equals(record.role()));
        }
        if (decision != null) {
            String wanted = decision.toLowerCase(Locale.ROOT);
            if (!List.of(AuditRecord.ALLOWED, AuditRecord.REWRITTEN, AuditRecord.REFUSED, AuditRecord.FAILED)
                    .contains(wanted)) {
                throw CommandFailure.usage(
                        "custos: --decision '" + decision + "' (expected: allowed, rewritten, refused or failed)");
            }
            filter = filter.and(record -> wanted.equals(record.decision()));
        }
        if (statementClass != null) {
            StatementClass wanted = statementClass(statementClass);
            filter = filter.and(record -> record.statementClass() == wanted);
        }
        if (event != null) {
            String wanted = event.toLowerCase(Locale.ROOT);
            filter = filter.and(record -> record.event().auditName().equals(wanted));
        }
        if (table != null) {
            filter = filter.and(record -> record.tables().stream().anyMatch(name -> names(name, table)));
        }
        if (column != null) {
            filter = filter.and(record -> record.columns().stream().anyMatch(name -> names(name, column))
                    || record.maskedColumns().stream().anyMatch(name -> names(name, column)));
        }
        return filter;
    }

    /** Whether a qualified name ({@code public.customer.mobile}) is {@code wanted} or ends with {@code .wanted}. */
    static boolean names(String qualified, String wanted) {
        return qualified.equals(wanted) || qualified.endsWith("." + wanted);
    }

    private static StatementClass statementClass(String name) {
        for (StatementClass candidate : StatementClass.values()) {
            if (candidate.policyName().equals(name.toLowerCase(Locale.ROOT))) {
                return candidate;
            }
        }
        throw CommandFailure.usage("custos: --class '" + name
                + "' (expected: read, insert, update, delete, ddl, transaction, session, other, import_export)");
    }

    private static String orDash(String value) {
        return value == null ? "-" : value;
    }

    private static String shorten(String text) {
        return text.length() <= MAX_STATEMENT_CHARS ? text : text.substring(0, MAX_STATEMENT_CHARS - 1) + "…";
    }
}
