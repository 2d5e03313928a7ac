package io.custos.cli;

import static java.util.Objects.requireNonNull;

import io.custos.policy.StatementClass;
import io.custos.proxy.audit.AuditEvent;
import io.custos.proxy.audit.AuditRecord;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The figures of the monthly risk assessment, from the statement records of one month (in a time zone):
 *
 * <ul>
 *   <li>accesses to each level by user and role: statements that named a classified column of that level and ran
 *       (allowed or rewritten), with their rows;
 *   <li>masked reads: rewritten statements, by user, role and masked column;
 *   <li>refusals by rule, role and user;
 *   <li>import and export attempts, each one;
 *   <li>the busiest sessions by statements;
 *   <li>unusual volumes: days on which a user's rows from statements touching classified columns were at least
 *       {@value #UNUSUAL_RATIO} times the median of that user's other active days of the month, and at least
 *       {@value #UNUSUAL_MIN_ROWS} rows.
 * </ul>
 */
final class MonthlyReport {
    static final double UNUSUAL_RATIO = 3.0;
    static final long UNUSUAL_MIN_ROWS = 100;
    static final int BUSIEST_SESSIONS = 10;

    record LevelAccess(String user, String role, int level, long statements, long rows) {}

    record MaskedRead(String user, String role, String column, long statements, long rows) {}

    record Refusal(String rule, String role, String user, long count) {}

    record ImportExport(
            Instant time, long session, String user, String role, String decision, String rule, String statement) {}

    record Session(
            long id,
            String protocol,
            String user,
            String role,
            String client,
            Instant first,
            Instant last,
            long statements,
            long rows) {}

    record UnusualDay(String user, String role, LocalDate day, long rows, long usualRows) {
        double ratio() {
            return usualRows == 0 ? Double.POSITIVE_INFINITY : (double) rows / usualRows;
        }
    }

    /** Rows of statements touching classified columns, per day of the month. */
    record DailyVolume(LocalDate day, long rows, boolean unusual) {}

    private final YearMonth month;
    private final ZoneId zone;
    private final Map<List<Object>, long[]> levelAccess = new TreeMap<>(MonthlyReport::compareKeys);
    private final Map<List<Object>, long[]> maskedReads = new TreeMap<>(MonthlyReport::compareKeys);
    private final Map<List<Object>, long[]> refusals = new HashMap<>();
    private final List<ImportExport> importExport = new ArrayList<>();
    private final Map<List<Object>, SessionTotals> sessions = new LinkedHashMap<>();
    private final Map<String, String> roleOfUser = new TreeMap<>();
    private final Map<String, Map<LocalDate, Long>> dailyRows = new TreeMap<>();
    private final TreeSet<Integer> levels = new TreeSet<>();
    private long records;
    private long statements;
    private long refused;
    private long authFailures;

    MonthlyReport(YearMonth month, ZoneId zone) {
        this.month = requireNonNull(month, "month is null");
        this.zone = requireNonNull(zone, "zone is null");
    }

    YearMonth month() {
        return month;
    }

    ZoneId zone() {
        return zone;
    }

    /** Takes one record into the figures if it falls in the month. */
    void add(AuditRecord record) {
        LocalDate day = LocalDate.ofInstant(record.time(), zone);
        if (!YearMonth.from(day).equals(month)) {
            return;
        }
        records++;
        if (record.event() == AuditEvent.AUTH_FAILED) {
            authFailures++;
            return;
        }
        if (record.event() != AuditEvent.STATEMENT) {
            return;
        }
        statements++;
        String user = orUnknown(record.user());
        String role = orUnknown(record.role());
        roleOfUser.put(user, role);
        long rows = Math.max(0, record.rows());
        session(record, rows);
        if (AuditRecord.REFUSED.equals(record.decision())) {
            refused++;
            count(refusals, List.of(orUnknown(record.rule()), role, user), 0);
        }
        if (record.statementClass() == StatementClass.IMPORT_EXPORT) {
            importExport.add(new ImportExport(
                    record.time(),
                    record.sessionId(),
                    user,
                    role,
                    orUnknown(record.decision()),
                    record.rule(),
                    record.normalized()));
        }
        boolean ran = AuditRecord.ALLOWED.equals(record.decision()) || AuditRecord.REWRITTEN.equals(record.decision());
        if (!ran) {
            return;
        }
        for (int level : record.levels()) {
            levels.add(level);
            count(levelAccess, List.of(user, role, level), rows);
        }
        if (AuditRecord.REWRITTEN.equals(record.decision())) {
            for (String column : new TreeSet<>(record.maskedColumns())) {
                count(maskedReads, List.of(user, role, column), rows);
            }
        }
        if (!record.columns().isEmpty() || !record.maskedColumns().isEmpty()) {
            dailyRows.computeIfAbsent(user, name -> new TreeMap<>()).merge(day, rows, Long::sum);
        }
    }

    private void session(AuditRecord record, long rows) {
        List<Object> key = List.of(record.sessionId(), record.clientAddress(), record.protocol());
        SessionTotals totals = sessions.computeIfAbsent(key, ignored -> new SessionTotals(record));
        totals.statements++;
        totals.rows += rows;
        totals.last = record.time();
    }

    private static void count(Map<List<Object>, long[]> counts, List<Object> key, long rows) {
        long[] value = counts.computeIfAbsent(key, ignored -> new long[2]);
        value[0]++;
        value[1] += rows;
    }

    long records() {
        return records;
    }

    long statements() {
        return statements;
    }

    long refused() {
        return refused;
    }

    long authFailures() {
        return authFailures;
    }

    int users() {
        return roleOfUser.size();
    }

    /** The levels some statement touched, ascending. */
    List<Integer> levels() {
        return List.copyOf(levels);
    }

    List<LevelAccess> levelAccess() {
        List<LevelAccess> list = new ArrayList<>();
        levelAccess.forEach((key, value) -> list.add(
                new LevelAccess((String) key.get(0), (String) key.get(1), (int) key.get(2), value[0], value[1])));
        return list;
    }

    List<MaskedRead> maskedReads() {
        List<MaskedRead> list = new ArrayList<>();
        maskedReads.forEach((key, value) -> list.add(
                new MaskedRead((String) key.get(0), (String) key.get(1), (String) key.get(2), value[0], value[1])));
        return list;
    }

    /** Refusals, most frequent first. */
    List<Refusal> refusals() {
        List<Refusal> list = new ArrayList<>();
        refusals.forEach((key, value) ->
                list.add(new Refusal((String) key.get(0), (String) key.get(1), (String) key.get(2), value[0])));
        list.sort(Comparator.comparingLong(Refusal::count)
                .reversed()
                .thenComparing(Refusal::rule)
                .thenComparing(Refusal::role)
                .thenComparing(Refusal::user));
        return list;
    }

    /** Refusals per rule, most frequent first. */
    Map<String, Long> refusalsByRule() {
        Map<String, Long> byRule = new TreeMap<>();
        refusals().forEach(refusal -> byRule.merge(refusal.rule(), refusal.count(), Long::sum));
        Map<String, Long> ordered = new LinkedHashMap<>();
        byRule.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(entry -> ordered.put(entry.getKey(), entry.getValue()));
        return ordered;
    }

    List<ImportExport> importExport() {
        return List.copyOf(importExport);
    }

    List<Session> busiestSessions() {
        return sessions.values().stream()
                .map(SessionTotals::session)
                .sorted(Comparator.comparingLong(Session::statements)
                        .reversed()
                        .thenComparing(Comparator.comparingLong(Session::rows).reversed())
                        .thenComparingLong(Session::id))
                .limit(BUSIEST_SESSIONS)
                .toList();
    }

    List<UnusualDay> unusualDays() {
        List<UnusualDay> unusual = new ArrayList<>();
        dailyRows.forEach((user, days) -> days.forEach((day, rows) -> {
            List<Long> others = days.entrySet().stream()
                    .filter(entry -> !entry.getKey().equals(day))
                    .map(Map.Entry::getValue)
                    .sorted()
                    .toList();
            if (others.isEmpty()) {
                return;
            }
            long usual = others.get((others.size() - 1) / 2);
            if (rows >= UNUSUAL_MIN_ROWS && rows >= UNUSUAL_RATIO * usual) {
                unusual.add(new UnusualDay(user, roleOfUser.get(user), day, rows, usual));
            }
        }));
        unusual.sort(Comparator.comparing(UnusualDay::day).thenComparing(UnusualDay::user));
        return unusual;
    }

    /** Every day of the month with the rows read from classified columns, and whether some user's day was unusual. */
    List<DailyVolume> dailyVolumes() {
        Map<LocalDate, Long> totals = new TreeMap<>();
        dailyRows.values().forEach(days -> days.forEach((day, rows) -> totals.merge(day, rows, Long::sum)));
        TreeSet<LocalDate> unusual = new TreeSet<>();
        unusualDays().forEach(day -> unusual.add(day.day()));
        List<DailyVolume> volumes = new ArrayList<>();
        for (LocalDate day = month.atDay(1); !day.isAfter(month.atEndOfMonth()); day = day.plusDays(1)) {
            volumes.add(new DailyVolume(day, totals.getOrDefault(day, 0L), unusual.contains(day)));
        }
        return volumes;
    }

    private static String orUnknown(String value) {
        return value == null ? "(unknown)" : value;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareKeys(List<Object> left, List<Object> right) {
        for (int index = 0; index < Math.min(left.size(), right.size()); index++) {
            int compared = ((Comparable) left.get(index)).compareTo(right.get(index));
            if (compared != 0) {
                return compared;
            }
        }
        return Integer.compare(left.size(), right.size());
    }

    private static final class SessionTotals {
        private final AuditRecord first;
        private Instant last;
        private long statements;
        private long rows;

        SessionTotals(AuditRecord first) {
            this.first = first;
            this.last = first.time();
        }

        Session session() {
            return new Session(
                    first.sessionId(),
                    first.protocol(),
                    orUnknown(first.user()),
                    orUnknown(first.role()),
                    first.clientAddress(),
                    first.time(),
                    last,
                    statements,
                    rows);
        }
    }
}
