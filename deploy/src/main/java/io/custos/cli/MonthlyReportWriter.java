package io.custos.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link MonthlyReport} as one self-contained HTML file (inline CSS and SVG charts, no scripts, no external
 * assets, so it can be archived and opened anywhere) and the same figures as CSV files, one per table.
 */
final class MonthlyReportWriter {
    private static final String[] PALETTE = {"#3b6ea5", "#d08c2b", "#5a9a5a", "#b04a4a", "#7a5aa5", "#4a9aa5"};
    private static final int CHART_WIDTH = 720;
    private static final int CHART_HEIGHT = 220;

    private final MonthlyReport report;
    private final DateTimeFormatter times;
    private final List<String> integrity;

    /** {@code integrity}: lines saying how the trail's chain checked, or empty when it was not checked. */
    MonthlyReportWriter(MonthlyReport report, List<String> integrity) {
        this.report = report;
        this.times = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(report.zone());
        this.integrity = List.copyOf(integrity);
    }

    /** The base name of the files, {@code custos-audit-report-2026-12}. */
    String baseName() {
        return "custos-audit-report-" + report.month();
    }

    /** Writes the HTML report and the CSV files into {@code directory}; returns the files written. */
    List<Path> write(Path directory) throws IOException {
        Files.createDirectories(directory);
        List<Path> written = new ArrayList<>();
        Path html = directory.resolve(baseName() + ".html");
        Files.writeString(html, html(), StandardCharsets.UTF_8);
        written.add(html);
        for (Map.Entry<String, List<List<String>>> table : tables().entrySet()) {
            Path csv = directory.resolve(baseName() + "-" + table.getKey() + ".csv");
            Files.writeString(csv, csv(table.getValue()), StandardCharsets.UTF_8);
            written.add(csv);
        }
        return written;
    }

    /** The figures as tables, header first, by the name of their CSV file. */
    Map<String, List<List<String>>> tables() {
        Map<String, List<List<String>>> tables = new LinkedHashMap<>();
        List<List<String>> levels = new ArrayList<>();
        levels.add(List.of("user", "role", "level", "statements", "rows"));
        report.levelAccess()
                .forEach(access -> levels.add(List.of(
                        access.user(),
                        access.role(),
                        Integer.toString(access.level()),
                        Long.toString(access.statements()),
                        Long.toString(access.rows()))));
        tables.put("access-by-level", levels);

        List<List<String>> masked = new ArrayList<>();
        masked.add(List.of("user", "role", "column", "statements", "rows"));
        report.maskedReads()
                .forEach(read -> masked.add(List.of(
                        read.user(),
                        read.role(),
                        read.column(),
                        Long.toString(read.statements()),
                        Long.toString(read.rows()))));
        tables.put("masked-reads", masked);

        List<List<String>> refusals = new ArrayList<>();
        refusals.add(List.of("rule", "role", "user", "refusals"));
        report.refusals()
                .forEach(refusal -> refusals.add(
                        List.of(refusal.rule(), refusal.role(), refusal.user(), Long.toString(refusal.count()))));
        tables.put("refusals", refusals);

        List<List<String>> importExport = new ArrayList<>();
        importExport.add(List.of("time", "session", "user", "role", "decision", "rule", "statement"));
        report.importExport()
                .forEach(attempt -> importExport.add(List.of(
                        times.format(attempt.time()),
                        Long.toString(attempt.session()),
                        attempt.user(),
                        attempt.role(),
                        attempt.decision(),
                        attempt.rule() == null ? "" : attempt.rule(),
                        attempt.statement() == null ? "" : attempt.statement())));
        tables.put("import-export", importExport);

        List<List<String>> sessions = new ArrayList<>();
        sessions.add(List.of("session", "protocol", "user", "role", "client", "first", "last", "statements", "rows"));
        report.busiestSessions()
                .forEach(session -> sessions.add(List.of(
                        Long.toString(session.id()),
                        session.protocol(),
                        session.user(),
                        session.role(),
                        session.client(),
                        times.format(session.first()),
                        times.format(session.last()),
                        Long.toString(session.statements()),
                        Long.toString(session.rows()))));
        tables.put("busiest-sessions", sessions);

        List<List<String>> unusual = new ArrayList<>();
        unusual.add(List.of("day", "user", "role", "rows", "usual_rows", "ratio"));
        report.unusualDays()
                .forEach(day -> unusual.add(List.of(
                        day.day().toString(),
                        day.user(),
                        day.role(),
                        Long.toString(day.rows()),
                        Long.toString(day.usualRows()),
                        ratio(day.ratio()))));
        tables.put("unusual-volumes", unusual);
        return tables;
    }

    // ---- HTML

    String html() {
        StringBuilder html = new StringBuilder(64 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Custos audit report ")
                .append(report.month())
                .append("</title>\n<style>\n")
                .append("body{font-family:system-ui,'Noto Sans CJK SC','PingFang SC',sans-serif;margin:2em;color:#222}")
                .append("h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}")
                .append("table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;")
                .append("text-align:left;font-size:.9em}td.n{text-align:right}th{background:#f2f2f2}")
                .append(".note{color:#555;font-size:.9em}.bad{color:#b04a4a;font-weight:bold}")
                .append(".ok{color:#3a7a3a;font-weight:bold}svg text{font-size:11px}\n</style></head><body>\n");
        html.append("<h1>Customer information access: monthly risk assessment, ")
                .append(report.month())
                .append("</h1>\n<p class=\"note\">From the Custos audit trail; times in ")
                .append(escape(report.zone().getId()))
                .append(". Generated ")
                .append(escape(DateTimeFormatter.ISO_INSTANT.format(Instant.now())))
                .append(".</p>\n");
        summary(html);
        levelSection(html);
        maskedSection(html);
        refusalSection(html);
        importExportSection(html);
        sessionSection(html);
        unusualSection(html);
        html.append("</body></html>\n");
        return html.toString();
    }

    private void summary(StringBuilder html) {
        html.append("<h2>Summary</h2>\n<table>")
                .append(row("Records in the month", report.records()))
                .append(row("Statements", report.statements()))
                .append(row("Refused statements", report.refused()))
                .append(row("Failed logins", report.authFailures()))
                .append(row("Users", report.users()))
                .append(row("Import and export attempts", report.importExport().size()))
                .append(row("Unusual volumes", report.unusualDays().size()))
                .append("</table>\n");
        html.append("<p>Trail integrity: ");
        if (integrity.isEmpty()) {
            html.append("not checked (give the trail's key to check it, or run <code>custos audit verify</code>)");
        } else {
            boolean intact = integrity.get(0).startsWith("intact");
            html.append("<span class=\"").append(intact ? "ok" : "bad").append("\">");
            html.append(escape(integrity.get(0))).append("</span>");
            for (String line : integrity.subList(1, integrity.size())) {
                html.append("<br><span class=\"note\">").append(escape(line)).append("</span>");
            }
        }
        html.append("</p>\n");
    }

    private void levelSection(StringBuilder html) {
        html.append("<h2>Accesses to each level, by user and role</h2>\n")
                .append("<p class=\"note\">Statements that named a classified column of the level and ran (allowed or"
                        + " masked), with the rows they returned or changed.</p>\n");
        Map<String, Map<Integer, Long>> byRole = new LinkedHashMap<>();
        report.levelAccess().forEach(access -> byRole.computeIfAbsent(access.role(), role -> new LinkedHashMap<>())
                .merge(access.level(), access.statements(), Long::sum));
        html.append(groupedBars(report.levels(), byRole, "level "));
        html.append(table(tables().get("access-by-level")));
    }

    private void maskedSection(StringBuilder html) {
        html.append("<h2>Masked reads</h2>\n<p class=\"note\">Statements the gateway rewrote to mask columns above the"
                + " caller's clearance.</p>\n");
        html.append(table(tables().get("masked-reads")));
    }

    private void refusalSection(StringBuilder html) {
        html.append("<h2>Refusals by rule</h2>\n");
        html.append(horizontalBars(report.refusalsByRule()));
        html.append(table(tables().get("refusals")));
    }

    private void importExportSection(StringBuilder html) {
        html.append("<h2>Import and export attempts</h2>\n");
        html.append(table(tables().get("import-export")));
    }

    private void sessionSection(StringBuilder html) {
        html.append("<h2>Busiest sessions</h2>\n<p class=\"note\">The ")
                .append(MonthlyReport.BUSIEST_SESSIONS)
                .append(" sessions with the most statements.</p>\n");
        html.append(table(tables().get("busiest-sessions")));
    }

    private void unusualSection(StringBuilder html) {
        html.append("<h2>Unusual volumes</h2>\n<p class=\"note\">Rows of statements touching classified columns, per"
                        + " day. A user's day is unusual when it is at least ")
                .append(ratio(MonthlyReport.UNUSUAL_RATIO))
                .append(" times the median of that user's other active days of the month and at least ")
                .append(MonthlyReport.UNUSUAL_MIN_ROWS)
                .append(" rows; days holding one are red.</p>\n");
        html.append(dailyBars(report.dailyVolumes()));
        html.append(table(tables().get("unusual-volumes")));
    }

    private static String row(String label, long value) {
        return "<tr><th>" + escape(label) + "</th><td class=\"n\">" + value + "</td></tr>";
    }

    private static String table(List<List<String>> rows) {
        StringBuilder html = new StringBuilder("<table><tr>");
        rows.get(0).forEach(header -> html.append("<th>").append(escape(header)).append("</th>"));
        html.append("</tr>\n");
        if (rows.size() == 1) {
            html.append("<tr><td colspan=\"").append(rows.get(0).size()).append("\" class=\"note\">none</td></tr>\n");
        }
        for (List<String> row : rows.subList(1, rows.size())) {
            html.append("<tr>");
            for (String cell : row) {
                boolean number = cell.matches("-?[0-9]+(\\.[0-9]+)?");
                html.append(number ? "<td class=\"n\">" : "<td>")
                        .append(escape(cell))
                        .append("</td>");
            }
            html.append("</tr>\n");
        }
        return html.append("</table>\n").toString();
    }

    // ---- charts

    /** One group of bars per level, one bar per role. */
    private static String groupedBars(List<Integer> levels, Map<String, Map<Integer, Long>> byRole, String label) {
        if (levels.isEmpty() || byRole.isEmpty()) {
            return "";
        }
        long max = byRole.values().stream()
                .flatMap(values -> values.values().stream())
                .mapToLong(Long::longValue)
                .max()
                .orElse(1);
        int left = 50;
        int bottom = CHART_HEIGHT - 40;
        int groupWidth = (CHART_WIDTH - left - 160) / levels.size();
        int barWidth = Math.max(4, (groupWidth - 10) / byRole.size());
        StringBuilder svg = svgStart("Statements touching each level, by role");
        axis(svg, left, bottom, max);
        for (int group = 0; group < levels.size(); group++) {
            int level = levels.get(group);
            int x0 = left + 5 + group * groupWidth;
            int index = 0;
            for (Map.Entry<String, Map<Integer, Long>> role : byRole.entrySet()) {
                long value = role.getValue().getOrDefault(level, 0L);
                int height = (int) Math.round((double) value / max * (bottom - 20));
                svg.append(rect(
                        x0 + index * barWidth,
                        bottom - height,
                        barWidth - 2,
                        height,
                        PALETTE[index % PALETTE.length],
                        role.getKey() + ", " + label + level + ": " + value));
                index++;
            }
            svg.append(text(x0 + groupWidth / 2 - 15, bottom + 15, label + level));
        }
        int index = 0;
        for (String role : byRole.keySet()) {
            int y = 20 + index * 16;
            svg.append(rect(CHART_WIDTH - 150, y - 9, 10, 10, PALETTE[index % PALETTE.length], role));
            svg.append(text(CHART_WIDTH - 135, y, role));
            index++;
        }
        return svg.append("</svg>\n").toString();
    }

    private static String horizontalBars(Map<String, Long> values) {
        if (values.isEmpty()) {
            return "";
        }
        long max = values.values().stream().mapToLong(Long::longValue).max().orElse(1);
        int rowHeight = 18;
        int height = 30 + rowHeight * values.size();
        StringBuilder svg = new StringBuilder("<svg width=\"")
                .append(CHART_WIDTH)
                .append("\" height=\"")
                .append(height)
                .append("\" role=\"img\" aria-label=\"Refusals by rule\">")
                .append("<title>Refusals by rule</title>");
        int y = 20;
        for (Map.Entry<String, Long> entry : values.entrySet()) {
            int width = (int) Math.round((double) entry.getValue() / max * (CHART_WIDTH - 260));
            svg.append(text(5, y + 12, entry.getKey()));
            svg.append(rect(
                    180, y, Math.max(1, width), rowHeight - 4, PALETTE[3], entry.getKey() + ": " + entry.getValue()));
            svg.append(text(185 + width, y + 12, Long.toString(entry.getValue())));
            y += rowHeight;
        }
        return svg.append("</svg>\n").toString();
    }

    private static String dailyBars(List<MonthlyReport.DailyVolume> days) {
        long max =
                days.stream().mapToLong(MonthlyReport.DailyVolume::rows).max().orElse(0);
        if (max == 0) {
            return "";
        }
        int left = 50;
        int bottom = CHART_HEIGHT - 40;
        int width = (CHART_WIDTH - left - 10) / days.size();
        StringBuilder svg = svgStart("Rows touching classified columns per day");
        axis(svg, left, bottom, max);
        for (int index = 0; index < days.size(); index++) {
            MonthlyReport.DailyVolume day = days.get(index);
            int height = (int) Math.round((double) day.rows() / max * (bottom - 20));
            int x = left + 2 + index * width;
            svg.append(rect(
                    x,
                    bottom - height,
                    width - 2,
                    height,
                    day.unusual() ? PALETTE[3] : PALETTE[0],
                    day.day() + ": " + day.rows() + " rows"));
            if (index % 5 == 0) {
                svg.append(text(x, bottom + 15, Integer.toString(day.day().getDayOfMonth())));
            }
        }
        return svg.append("</svg>\n").toString();
    }

    private static StringBuilder svgStart(String title) {
        return new StringBuilder("<svg width=\"")
                .append(CHART_WIDTH)
                .append("\" height=\"")
                .append(CHART_HEIGHT)
                .append("\" role=\"img\" aria-label=\"")
                .append(escape(title))
                .append("\"><title>")
                .append(escape(title))
                .append("</title>");
    }

    private static void axis(StringBuilder svg, int left, int bottom, long max) {
        svg.append("<line x1=\"")
                .append(left)
                .append("\" y1=\"")
                .append(bottom)
                .append("\" x2=\"")
                .append(CHART_WIDTH - 10)
                .append("\" y2=\"")
                .append(bottom)
                .append("\" stroke=\"#888\"/>");
        svg.append("<line x1=\"")
                .append(left)
                .append("\" y1=\"20\" x2=\"")
                .append(left)
                .append("\" y2=\"")
                .append(bottom)
                .append("\" stroke=\"#888\"/>");
        svg.append(text(5, 24, Long.toString(max)));
        svg.append(text(5, bottom, "0"));
    }

    private static String rect(int x, int y, int width, int height, String colour, String title) {
        return "<rect x=\"" + x + "\" y=\"" + y + "\" width=\"" + width + "\" height=\"" + height + "\" fill=\""
                + colour + "\"><title>" + escape(title) + "</title></rect>";
    }

    private static String text(int x, int y, String text) {
        return "<text x=\"" + x + "\" y=\"" + y + "\">" + escape(text) + "</text>";
    }

    // ---- text

    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (int index = 0; index < text.length(); index++) {
            char c = text.charAt(index);
            switch (c) {
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '&' -> escaped.append("&amp;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    static String csv(List<List<String>> rows) {
        StringBuilder csv = new StringBuilder();
        for (List<String> row : rows) {
            for (int index = 0; index < row.size(); index++) {
                if (index > 0) {
                    csv.append(',');
                }
                csv.append(csvCell(row.get(index)));
            }
            csv.append("\r\n");
        }
        return csv.toString();
    }

    private static String csvCell(String cell) {
        if (cell.isEmpty() || cell.chars().noneMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r')) {
            return cell;
        }
        return "\"" + cell.replace("\"", "\"\"") + "\"";
    }

    private static String ratio(double ratio) {
        return Double.isInfinite(ratio) ? "inf" : String.format(Locale.ROOT, "%.1f", ratio);
    }
}
