package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.AuditSettings;
import io.custos.policy.SecretSource;
import io.custos.policy.StatementClass;
import io.custos.proxy.audit.AuditEvent;
import io.custos.proxy.audit.AuditRecord;
import io.custos.proxy.audit.FileAuditLog;
import io.custos.proxy.audit.TrailStorage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code custos audit verify}, {@code search} and {@code report} on trails written by the gateway's own log. */
class AuditCommandTest {
    private static final String KEY = "audit-command-test-key-0123456789";

    @TempDir
    Path directory;

    private Path keyFile;

    @BeforeEach
    void writeKey() throws IOException {
        keyFile = directory.resolve("audit.key");
        Files.writeString(keyFile, KEY + "\n");
    }

    // ---- verify

    @Test
    void verify_intactRotatedTrail_exitsZero() throws IOException {
        List<Path> files = writeTrail(300);

        Run run = verify(files);

        assertThat(files).hasSizeGreaterThan(2);
        assertThat(run.exit).isZero();
        assertThat(run.out).contains("intact: ").doesNotContain("BROKEN");
    }

    @Test
    void verify_editedField_reportsTheAlteredRecordWithFileAndLine() throws IOException {
        List<Path> files = writeTrail(300);
        Path file = files.get(1);
        List<String> lines = Files.readAllLines(file);
        int index = indexOfStatement(lines);
        lines.set(index, lines.get(index).replaceFirst("\"rows\":\\d+", "\"rows\":999999"));
        Files.write(file, lines);

        Run run = verify(files);

        assertThat(run.exit).isEqualTo(1);
        assertThat(run.firstProblem())
                .isEqualTo("BROKEN " + file + ":" + (index + 1) + ": record " + seqOf(lines.get(index))
                        + " does not match its MAC: altered, or forged without the key");
    }

    @Test
    void verify_deletedRecord_reportsTheGap() throws IOException {
        List<Path> files = writeTrail(300);
        Path file = files.get(1);
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        int index = indexOfStatement(lines);
        long removed = seqOf(lines.get(index));
        lines.remove(index);
        Files.write(file, lines);

        Run run = verify(files);

        assertThat(run.exit).isEqualTo(1);
        assertThat(run.firstProblem())
                .isEqualTo("BROKEN " + file + ":" + (index + 1) + ": record " + removed
                        + " is missing before this line: removed");
    }

    @Test
    void verify_swappedRecords_reportsTheReordering() throws IOException {
        List<Path> files = writeTrail(300);
        Path file = files.get(1);
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        int index = indexOfStatement(lines);
        long first = seqOf(lines.get(index));
        Collections.swap(lines, index, index + 1);
        Files.write(file, lines);

        Run run = verify(files);

        assertThat(run.exit).isEqualTo(1);
        assertThat(run.firstProblem())
                .isEqualTo("BROKEN " + file + ":" + (index + 1) + ": records " + first + " and " + (first + 1)
                        + " were reordered");
    }

    @Test
    void verify_truncatedRotatedFile_reportsTheRemovedEnd() throws IOException {
        List<Path> files = writeTrail(300);
        Path truncated = files.get(0);
        List<String> lines = Files.readAllLines(truncated);
        long firstRemoved = seqOf(lines.get(lines.size() - 3));
        long lastRemoved = seqOf(lines.get(lines.size() - 1));
        // Cut in the middle of a line, as a careless truncation would.
        long cut = Files.size(truncated)
                - lines.get(lines.size() - 1).length()
                - lines.get(lines.size() - 2).length()
                - 20;
        try (RandomAccessFile file = new RandomAccessFile(truncated.toFile(), "rw")) {
            file.setLength(cut);
        }

        Run run = verify(files);

        assertThat(run.exit).isEqualTo(1);
        assertThat(run.firstProblem())
                .isEqualTo("BROKEN " + files.get(1) + ":1: records " + firstRemoved + " to " + lastRemoved
                        + " are missing before this file: the end of '" + truncated.getFileName() + "' was removed");
        assertThat(run.out).contains("note   " + truncated + ":" + (lines.size() - 2) + ": incomplete last line");
    }

    @Test
    void verify_deletedRotatedFile_reportsTheMissingFile() throws IOException {
        List<Path> files = writeTrail(300);
        Path deleted = files.get(1);
        List<String> lines = Files.readAllLines(deleted);
        Files.delete(deleted);
        List<Path> remaining = new ArrayList<>(files);
        remaining.remove(deleted);

        Run run = verify(remaining);

        assertThat(run.exit).isEqualTo(1);
        assertThat(run.firstProblem())
                .isEqualTo("BROKEN " + files.get(2) + ":1: records " + seqOf(lines.get(0)) + " to "
                        + seqOf(lines.get(lines.size() - 1)) + " are missing before this file: a whole file was"
                        + " removed (this file follows '" + deleted.getFileName() + "')");
    }

    @Test
    void verify_wrongKey_reportsEveryRecordAsAltered() throws IOException {
        List<Path> files = writeTrail(20);
        Files.writeString(keyFile, "some-other-key-of-enough-length\n");

        Run run = verify(files);

        assertThat(run.exit).isEqualTo(1);
        assertThat(run.out).contains("does not match its MAC");
    }

    @Test
    void verify_withoutKey_isAUsageError() throws IOException {
        List<Path> files = writeTrail(5);

        Run run = run("audit", "verify", files.get(0).toString());

        assertThat(run.exit).isEqualTo(Custos.EXIT_USAGE);
        assertThat(run.err).contains("give the trail's key with exactly one of --key-file, --key-env or --policy");
    }

    // ---- search

    @Test
    void search_filtersCombine_andPrintTheRecordsAsWritten() throws IOException {
        Path trail = directory.resolve("trail/custos-audit.jsonl");
        try (FileAuditLog log = log(trail, 1 << 30)) {
            log.record(statement(day(3, 9), "clerk", "info_clerk", AuditRecord.REWRITTEN, 40, List.of(1, 3)));
            log.record(statement(day(3, 10), "staff", "staff", AuditRecord.ALLOWED, 5, List.of(1)));
            log.record(refused(day(4, 9), "staff", "staff", "import-export"));
            log.record(statement(day(5, 9), "clerk", "info_clerk", AuditRecord.ALLOWED, 7, List.of()));
        }

        Run byUser = run("audit", "search", "--user", "clerk", "--column", "mobile", trail.toString());
        Run byTime = run(
                "audit",
                "search",
                "--from",
                "2026-12-04",
                "--to",
                "2026-12-05",
                "--decision",
                "refused",
                trail.toString());
        Run byTable = run("audit", "search", "--table", "customer_bank", "--format", "table", trail.toString());

        assertThat(byUser.exit).isZero();
        assertThat(byUser.out.lines().toList()).singleElement().satisfies(line -> assertThat(line)
                .startsWith("{\"seq\":")
                .contains("\"user\":\"clerk\"", "\"rows\":40", "\"mac\":"));
        assertThat(byTime.out.lines().toList()).singleElement().satisfies(line -> assertThat(line)
                .contains("\"rule\":\"import-export\""));
        assertThat(byTable.out.lines().toList()).hasSize(2);
        assertThat(byTable.out.lines().toList().get(1))
                .startsWith("2026-12-03 09:00:00")
                .contains("clerk", "rewritten", "SELECT name, mobile FROM customer");
    }

    @Test
    void search_badFilter_isAUsageError() throws IOException {
        Path trail = writeTrail(3).get(0);

        Run run = run("audit", "search", "--decision", "maybe", trail.toString());

        assertThat(run.exit).isEqualTo(Custos.EXIT_USAGE);
        assertThat(run.err).contains("--decision 'maybe' (expected: allowed, rewritten, refused or failed)");
    }

    // ---- report

    @Test
    void report_generatedMonth_computesTheFiguresAndWritesHtmlAndCsv() throws IOException {
        Path trail = directory.resolve("trail/custos-audit.jsonl");
        SplittableRandom random = new SplittableRandom(20261203);
        try (FileAuditLog log = log(trail, 1 << 30)) {
            // The month before is not reported.
            log.record(statement(
                    Instant.parse("2026-11-30T12:00:00Z"), "staff", "staff", AuditRecord.ALLOWED, 9, List.of(1)));
            for (int dayOfMonth = 1; dayOfMonth <= 20; dayOfMonth++) {
                long rows = dayOfMonth == 15 ? 5_000 : 40 + random.nextInt(20);
                log.record(statement(day(dayOfMonth, 9), "staff", "staff", AuditRecord.ALLOWED, rows, List.of(1)));
                log.record(statement(
                        day(dayOfMonth, 10), "clerk", "info_clerk", AuditRecord.REWRITTEN, 10, List.of(1, 3)));
            }
            log.record(refused(day(7, 11), "staff", "staff", "import-export"));
            log.record(refused(day(8, 11), "staff", "staff", "import-export"));
            log.record(refused(day(8, 12), "clerk", "info_clerk", "laundering"));
        }
        Path out = directory.resolve("report");

        Run run = run(
                "audit",
                "report",
                "--month",
                "2026-12",
                "--out",
                out.toString(),
                "--key-file",
                keyFile.toString(),
                trail.toString());

        assertThat(run.exit).isZero();
        Path html = out.resolve("custos-audit-report-2026-12.html");
        assertThat(run.out).contains("wrote " + html);
        String page = Files.readString(html);
        assertThat(page)
                .contains("<svg", "intact: records 1 to ")
                .doesNotContain("<script", "http://", "https://", "src=")
                .contains("<td>staff</td><td>staff</td><td class=\"n\">1</td><td class=\"n\">20</td>");
        assertThat(Files.readAllLines(out.resolve("custos-audit-report-2026-12-access-by-level.csv")))
                .containsExactly(
                        "user,role,level,statements,rows",
                        "clerk,info_clerk,1,20,200",
                        "clerk,info_clerk,3,20,200",
                        "staff,staff,1,20," + staffRows(20261203));
        assertThat(Files.readAllLines(out.resolve("custos-audit-report-2026-12-refusals.csv")))
                .containsExactly(
                        "rule,role,user,refusals", "import-export,staff,staff,2", "laundering,info_clerk,clerk,1");
        assertThat(Files.readAllLines(out.resolve("custos-audit-report-2026-12-masked-reads.csv")))
                .containsExactly(
                        "user,role,column,statements,rows",
                        "clerk,info_clerk,public.customer.mobile,20,200",
                        "clerk,info_clerk,public.customer_bank.account_no,20,200");
        assertThat(Files.readAllLines(out.resolve("custos-audit-report-2026-12-unusual-volumes.csv")))
                .hasSize(2)
                .last()
                .satisfies(line -> assertThat(line).startsWith("2026-12-15,staff,staff,5000,"));
        assertThat(Files.readAllLines(out.resolve("custos-audit-report-2026-12-import-export.csv")))
                .hasSize(3);
        assertThat(Files.readAllLines(out.resolve("custos-audit-report-2026-12-busiest-sessions.csv")))
                .hasSize(3)
                .element(1)
                .satisfies(line -> assertThat(line)
                        .startsWith("2,postgresql,staff,staff,")
                        .endsWith(",22," + (staffRows(20261203))));
    }

    /** The staff rows the report test draws with {@code seed}, computed the same way. */
    private static long staffRows(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long total = 0;
        for (int dayOfMonth = 1; dayOfMonth <= 20; dayOfMonth++) {
            long rows = dayOfMonth == 15 ? 5_000 : 40 + random.nextInt(20);
            total += rows;
        }
        return total;
    }

    @Test
    void report_badMonth_isAUsageError() throws IOException {
        Path trail = writeTrail(3).get(0);

        Run run = run("audit", "report", "--month", "2026-13", trail.toString());

        assertThat(run.exit).isEqualTo(Custos.EXIT_USAGE);
        assertThat(run.err).contains("--month '2026-13' (expected: YYYY-MM, such as 2026-12)");
    }

    @Test
    void newKey_printsThirtyTwoRandomBytes() {
        Run first = run("audit", "new-key");
        Run second = run("audit", "new-key");

        assertThat(first.out.strip()).matches("[A-Za-z0-9+/]{43}=");
        assertThat(first.out).isNotEqualTo(second.out);
    }

    // ---- helpers

    /** A trail of {@code statements} statement records, rotated every few KiB; its files in trail order. */
    private List<Path> writeTrail(int statements) throws IOException {
        Path trail = directory.resolve("trail/custos-audit.jsonl");
        try (FileAuditLog log = log(trail, 16 * 1024)) {
            for (int i = 0; i < statements; i++) {
                log.record(statement(Instant.now(), "staff", "staff", AuditRecord.ALLOWED, i, List.of(1)));
            }
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(trail.getParent())) {
            stream.forEach(files::add);
        }
        // Rotated files sort by their first seq; the current file comes last.
        files.sort((a, b) -> a.equals(trail) ? 1 : b.equals(trail) ? -1 : a.compareTo(b));
        return files;
    }

    private FileAuditLog log(Path trail, long rotateBytes) {
        AuditSettings settings = new AuditSettings(
                trail,
                new SecretSource.File(keyFile),
                AuditSettings.Durability.RELAXED,
                Duration.ofMillis(50),
                rotateBytes,
                false,
                Optional.empty());
        return new FileAuditLog(settings, TrailStorage.FILES, Clock.systemUTC());
    }

    private static Instant day(int dayOfMonth, int hour) {
        return Instant.parse("2026-12-01T00:00:00Z")
                .atOffset(ZoneOffset.UTC)
                .withDayOfMonth(dayOfMonth)
                .withHour(hour)
                .toInstant();
    }

    private static AuditRecord statement(
            Instant time, String user, String role, String decision, long rows, List<Integer> levels) {
        boolean masked = AuditRecord.REWRITTEN.equals(decision);
        List<String> columns = levels.contains(3)
                ? List.of("public.customer.mobile", "public.customer_bank.account_no")
                : levels.isEmpty() ? List.of() : List.of("public.customer.mobile");
        List<String> tables = levels.contains(3)
                ? List.of("public.customer", "public.customer_bank")
                : levels.isEmpty() ? List.of() : List.of("public.customer");
        return new AuditRecord(
                time,
                AuditEvent.STATEMENT,
                user.equals("staff") ? 2 : 3,
                user,
                role,
                "127.0.0.1:50000",
                "custos_demo",
                "postgresql",
                StatementClass.READ,
                levels.contains(3) ? "SELECT name, mobile FROM customer JOIN customer_bank USING (id)" : "SELECT ?",
                "d",
                decision,
                null,
                null,
                masked ? columns : List.of(),
                rows,
                100,
                "v1",
                null,
                tables,
                columns,
                levels,
                -1);
    }

    private static AuditRecord refused(Instant time, String user, String role, String rule) {
        return new AuditRecord(
                time,
                AuditEvent.STATEMENT,
                user.equals("staff") ? 2 : 3,
                user,
                role,
                "127.0.0.1:50000",
                "custos_demo",
                "postgresql",
                rule.equals("import-export") ? StatementClass.IMPORT_EXPORT : StatementClass.INSERT,
                rule.equals("import-export") ? "COPY customer TO STDOUT" : "INSERT INTO t SELECT * FROM customer_bank",
                "d",
                AuditRecord.REFUSED,
                rule,
                "custos: refused",
                List.of(),
                -1,
                -1,
                "v1",
                "42501",
                List.of(),
                List.of(),
                List.of(),
                -1);
    }

    private static int indexOfStatement(List<String> lines) {
        for (int index = 0; index < lines.size(); index++) {
            if (lines.get(index).contains("\"event\":\"statement\"")) {
                return index + 3;
            }
        }
        throw new AssertionError("no statement line");
    }

    private static long seqOf(String line) {
        return Long.parseLong(line.substring("{\"seq\":".length(), line.indexOf(',')));
    }

    private Run verify(List<Path> files) {
        List<String> args = new ArrayList<>(List.of("audit", "verify", "--key-file", keyFile.toString()));
        // In reverse order: the verifier finds the trail's order itself.
        List<Path> reversed = new ArrayList<>(files);
        Collections.reverse(reversed);
        reversed.forEach(file -> args.add(file.toString()));
        return run(args.toArray(String[]::new));
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Custos.execute(
                new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }

    private record Run(int exit, String out, String err) {
        String firstProblem() {
            return out.lines()
                    .filter(line -> line.startsWith("BROKEN "))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no problem reported:\n" + out + err));
        }
    }
}
