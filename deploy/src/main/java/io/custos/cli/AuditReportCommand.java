package io.custos.cli;

import io.custos.proxy.audit.TrailVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code custos audit report --month YYYY-MM}: the monthly risk assessment as HTML, and its figures as CSV. */
@Command(
        name = "report",
        description = {
            "Write the monthly risk assessment of the trail: a self-contained HTML report with charts, and its"
                    + " figures as CSV files.",
            "Give the trail's key (--key-file, --key-env or --policy) to check the chain as well and state the"
                    + " outcome in the report."
        })
final class AuditReportCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private AuditKeyOptions key;

    @Option(names = "--month", required = true, paramLabel = "YYYY-MM", description = "The month to report on.")
    private String month;

    @Option(
            names = "--out",
            defaultValue = ".",
            paramLabel = "DIR",
            description = "Where the report goes (default: the current directory).")
    private Path out;

    @Option(
            names = "--zone",
            defaultValue = "UTC",
            paramLabel = "ZONE",
            description = "Time zone of the month's days (default: ${DEFAULT-VALUE}).")
    private String zone;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "The trail's files.")
    private List<Path> files;

    @Override
    public Integer call() {
        YearMonth reported;
        try {
            reported = YearMonth.parse(month);
        } catch (DateTimeException e) {
            throw CommandFailure.usage("custos: --month '" + month + "' (expected: YYYY-MM, such as 2026-12)");
        }
        MonthlyReport report = new MonthlyReport(reported, AuditTimes.zone(zone));
        List<String> integrity = key.given() ? integrity() : List.of();
        TrailRecords.forEach(files, spec.commandLine().getErr(), (record, line) -> report.add(record));
        PrintWriter printer = spec.commandLine().getOut();
        try {
            for (Path written : new MonthlyReportWriter(report, integrity).write(out)) {
                printer.println("wrote " + written);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the report to '" + out + "': " + e.getMessage(), e);
        }
        printer.flush();
        return Custos.EXIT_OK;
    }

    private List<String> integrity() {
        TrailVerifier.Result result;
        try {
            result = TrailVerifier.verify(files, key.key());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the trail: " + e.getMessage(), e);
        }
        List<String> lines = new ArrayList<>();
        if (result.intact()) {
            lines.add("intact: records " + result.firstSeq() + " to " + result.lastSeq() + " in " + files.size()
                    + " files; the last one's MAC is " + result.lastMac());
        } else {
            lines.add("BROKEN: " + result.problems().size() + " problems; the first: "
                    + result.problems().get(0).format());
            result.problems().stream().skip(1).limit(20).forEach(problem -> lines.add(problem.format()));
        }
        return lines;
    }
}
