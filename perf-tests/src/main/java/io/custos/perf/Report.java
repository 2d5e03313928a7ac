package io.custos.perf;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a harness run found: the machine, then one section per comparison (the raw runs of every round and the
 * summaries over rounds), the memory figures, and what was skipped and why. Printed as tables as it goes and written
 * as JSON at the end.
 */
final class Report {
    private final PrintStream out;
    private final Map<String, String> machine = new LinkedHashMap<>();
    private final List<Section> sections = new ArrayList<>();
    private final Map<String, Map<String, Object>> measurements = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    Report(PrintStream out) {
        this.out = out;
    }

    /** A comparison of targets on workloads; {@code runs} by workload. */
    record Section(String title, Map<String, List<RunResult>> runs) {}

    void machine(String key, String value) {
        machine.put(key, value);
        out.printf("%-22s %s%n", key, value);
        out.flush();
    }

    void note(String note) {
        notes.add(note);
        out.println("note: " + note);
        out.flush();
    }

    /** Figures that are not a comparison of targets (memory, streaming), under {@code name}. */
    void measurement(String name, Map<String, Object> figures) {
        measurements.put(name, new LinkedHashMap<>(figures));
        out.printf("%n%s%n", name);
        figures.forEach((key, value) -> out.printf("  %-28s %s%n", key, value));
        out.flush();
    }

    void section(String title, Map<String, List<RunResult>> runs) {
        sections.add(new Section(title, runs));
        out.printf("%n== %s ==%n", title);
        out.printf(
                "%-28s %-18s %4s %11s %9s %9s %9s %8s %8s %9s %9s%n",
                "workload",
                "target",
                "cli",
                "ops/s",
                "mean us",
                "p50 us",
                "p99 us",
                "/direct",
                "/pgbncr",
                "+p50 us",
                "+p99 us");
        for (List<RunResult> workloadRuns : runs.values()) {
            for (Summary summary : Summary.of(workloadRuns)) {
                out.printf(
                        "%-28s %-18s %4d %11.0f %9s %9s %9s %8s %8s %9s %9s%s%n",
                        summary.workload(),
                        summary.target(),
                        summary.clients(),
                        summary.throughput(),
                        figure(summary.meanMicros(), "%.0f"),
                        figure(summary.p50Micros(), "%.0f"),
                        figure(summary.p99Micros(), "%.0f"),
                        figure(summary.vsDirect(), "%.2f"),
                        figure(summary.vsPgbouncer(), "%.2f"),
                        figure(summary.addedP50Micros(), "%+.0f"),
                        figure(summary.addedP99Micros(), "%+.0f"),
                        summary.errors() > 0 ? "  ERRORS " + summary.errors() + ": " + firstError(workloadRuns) : "");
            }
        }
        out.flush();
    }

    List<Section> sections() {
        return sections;
    }

    Map<String, Map<String, Object>> measurements() {
        return measurements;
    }

    private static String firstError(List<RunResult> runs) {
        return runs.stream()
                .map(RunResult::firstError)
                .filter(error -> error != null)
                .findFirst()
                .orElse("");
    }

    private static String figure(double value, String format) {
        return Double.isNaN(value) ? "-" : String.format(format, value);
    }

    void writeJson(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (JsonGenerator json =
                new JsonFactory().createGenerator(Files.newBufferedWriter(file)).useDefaultPrettyPrinter()) {
            json.writeStartObject();
            json.writeObjectFieldStart("machine");
            for (Map.Entry<String, String> entry : machine.entrySet()) {
                json.writeStringField(entry.getKey(), entry.getValue());
            }
            json.writeEndObject();
            json.writeArrayFieldStart("sections");
            for (Section section : sections) {
                writeSection(json, section);
            }
            json.writeEndArray();
            json.writeObjectFieldStart("measurements");
            for (Map.Entry<String, Map<String, Object>> entry : measurements.entrySet()) {
                json.writeObjectFieldStart(entry.getKey());
                for (Map.Entry<String, Object> figure : entry.getValue().entrySet()) {
                    writeValue(json, figure.getKey(), figure.getValue());
                }
                json.writeEndObject();
            }
            json.writeEndObject();
            json.writeArrayFieldStart("notes");
            for (String note : notes) {
                json.writeString(note);
            }
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    private static void writeSection(JsonGenerator json, Section section) throws IOException {
        json.writeStartObject();
        json.writeStringField("title", section.title());
        json.writeArrayFieldStart("workloads");
        for (Map.Entry<String, List<RunResult>> entry : section.runs().entrySet()) {
            json.writeStartObject();
            json.writeStringField("workload", entry.getKey());
            json.writeArrayFieldStart("summaries");
            for (Summary summary : Summary.of(entry.getValue())) {
                json.writeStartObject();
                json.writeStringField("target", summary.target());
                json.writeNumberField("rounds", summary.rounds());
                json.writeNumberField("clients", summary.clients());
                json.writeNumberField("errors", summary.errors());
                number(json, "throughput", summary.throughput());
                number(json, "meanMicros", summary.meanMicros());
                number(json, "p50Micros", summary.p50Micros());
                number(json, "p99Micros", summary.p99Micros());
                number(json, "vsDirect", summary.vsDirect());
                number(json, "vsPgbouncer", summary.vsPgbouncer());
                number(json, "addedP50Micros", summary.addedP50Micros());
                number(json, "addedP99Micros", summary.addedP99Micros());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("runs");
            for (RunResult run : entry.getValue()) {
                json.writeStartObject();
                json.writeStringField("target", run.target());
                json.writeNumberField("round", run.round());
                json.writeNumberField("clients", run.clients());
                json.writeNumberField("operations", run.operations());
                json.writeNumberField("errors", run.errors());
                if (run.firstError() != null) {
                    json.writeStringField("firstError", run.firstError());
                }
                number(json, "seconds", run.seconds());
                number(json, "throughput", run.throughput());
                number(json, "meanMicros", run.meanMicros());
                number(json, "p50Micros", run.p50Micros());
                number(json, "p90Micros", run.p90Micros());
                number(json, "p99Micros", run.p99Micros());
                number(json, "maxMicros", run.maxMicros());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void writeValue(JsonGenerator json, String name, Object value) throws IOException {
        if (value instanceof Double number) {
            number(json, name, number);
        } else if (value instanceof Number number) {
            json.writeNumberField(name, number.longValue());
        } else if (value instanceof Boolean flag) {
            json.writeBooleanField(name, flag);
        } else {
            json.writeStringField(name, String.valueOf(value));
        }
    }

    /** JSON has no NaN: a figure the tool does not report is null. */
    private static void number(JsonGenerator json, String name, double value) throws IOException {
        if (Double.isNaN(value)) {
            json.writeNullField(name);
            return;
        }
        json.writeNumberField(name, Math.round(value * 100) / 100.0);
    }
}
