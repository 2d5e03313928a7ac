package io.custos.perf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole harness for a few seconds, every section on both protocols and both audit durabilities, so that it keeps
 * working; the figures of so short a run mean nothing and are not checked, only that every run did its work without
 * an error and that a streamed result left the gateway's heap flat.
 */
class HarnessSmokeTest {
    @TempDir
    Path out;

    @Test
    void harness_shortRun_measuresEverySectionWithoutErrors() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Report report = Harness.run(
                new PrintStream(console, true, StandardCharsets.UTF_8),
                "--rounds=1",
                "--warmup-ms=100",
                "--run-ms=200",
                "--workloads=point-unclassified-simple,point-masked-prepared,service-desk",
                "--tool-clients=2",
                "--tool-seconds=1",
                "--pgbench-modes=prepared",
                "--sysbench-tests=oltp_read_only",
                "--sysbench-table-size=1000",
                "--stream-mib=32",
                "--stream-rate-mib=32",
                "--idle=20",
                "--out=" + out);

        String printed = console.toString(StandardCharsets.UTF_8);
        List<RunResult> runs = report.sections().stream()
                .flatMap(section -> section.runs().values().stream())
                .flatMap(List::stream)
                .toList();
        assertThat(runs).isNotEmpty().allSatisfy(run -> assertThat(run.failed())
                .as("%s against %s: %s", run.workload(), run.target(), run.firstError())
                .isFalse());
        assertThat(runs).extracting(RunResult::target).contains("direct", "custos-strict", "custos-relaxed");
        assertThat(runs)
                .extracting(RunResult::workload)
                .contains("point-unclassified-simple", "point-masked-prepared", "service-desk");
        if (Tools.find("pgbench").isPresent()) {
            assertThat(runs).extracting(RunResult::workload).contains("pgbench-select-only-prepared");
        }
        if (Tools.find("sysbench").isPresent()) {
            assertThat(runs).extracting(RunResult::workload).contains("sysbench-oltp_read_only");
        }
        Map<String, Map<String, Object>> measurements = report.measurements();
        assertThat(measurements.keySet())
                .anySatisfy(name -> assertThat(name).startsWith("PostgreSQL: 32 MiB result"))
                .anySatisfy(name -> assertThat(name).startsWith("MySQL: 20 idle connections"))
                .anySatisfy(name -> assertThat(name).startsWith("PostgreSQL: first statement after start"));
        measurements.entrySet().stream()
                .filter(entry -> entry.getKey().contains("MiB result"))
                .forEach(
                        entry -> assertThat(entry.getValue()).as(entry.getKey()).containsEntry("heapFlat", true));
        measurements.entrySet().stream()
                .filter(entry -> entry.getKey().contains("idle connections"))
                .forEach(
                        entry -> assertThat(entry.getValue()).as(entry.getKey()).containsEntry("connections", 20));
        assertThat(Files.readString(out.resolve("results.json"))).contains("\"sections\"", "\"measurements\"");
        assertThat(printed).contains("== PostgreSQL: Java workloads");
    }
}
