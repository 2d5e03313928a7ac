package io.custos.perf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * One target's figures for one workload over all rounds: the median of each absolute figure, and the median over
 * rounds of its ratio to the direct run (and the pgbouncer run) of the same round, so that the machine's drift
 * between rounds cancels.
 *
 * @param vsDirect throughput ÷ direct throughput, median over rounds ({@code NaN} for direct itself)
 * @param vsPgbouncer throughput ÷ pgbouncer throughput, median over rounds ({@code NaN} without pgbouncer)
 * @param addedP50Micros p50 latency minus direct's, median over rounds
 * @param addedP99Micros p99 latency minus direct's, median over rounds
 */
record Summary(
        String workload,
        String target,
        int rounds,
        int clients,
        long errors,
        double throughput,
        double meanMicros,
        double p50Micros,
        double p99Micros,
        double vsDirect,
        double vsPgbouncer,
        double addedP50Micros,
        double addedP99Micros) {
    static final String DIRECT = "direct";
    static final String PGBOUNCER = "pgbouncer";

    /** Summaries per target of {@code runs} (one workload), in the order the targets first ran. */
    static List<Summary> of(List<RunResult> runs) {
        Map<String, List<RunResult>> byTarget = new LinkedHashMap<>();
        for (RunResult run : runs) {
            byTarget.computeIfAbsent(run.target(), name -> new ArrayList<>()).add(run);
        }
        List<Summary> summaries = new ArrayList<>();
        for (Map.Entry<String, List<RunResult>> entry : byTarget.entrySet()) {
            List<RunResult> own = entry.getValue();
            RunResult first = own.get(0);
            summaries.add(new Summary(
                    first.workload(),
                    entry.getKey(),
                    own.size(),
                    first.clients(),
                    own.stream().mapToLong(RunResult::errors).sum(),
                    median(own, RunResult::throughput),
                    median(own, RunResult::meanMicros),
                    median(own, RunResult::p50Micros),
                    median(own, RunResult::p99Micros),
                    ratio(own, byTarget.get(DIRECT), RunResult::throughput),
                    ratio(own, byTarget.get(PGBOUNCER), RunResult::throughput),
                    difference(own, byTarget.get(DIRECT), RunResult::p50Micros),
                    difference(own, byTarget.get(DIRECT), RunResult::p99Micros)));
        }
        return summaries;
    }

    private static double ratio(List<RunResult> own, List<RunResult> baseline, ToDoubleFunction<RunResult> figure) {
        return paired(own, baseline, (mine, theirs) -> figure.applyAsDouble(mine) / figure.applyAsDouble(theirs));
    }

    private static double difference(
            List<RunResult> own, List<RunResult> baseline, ToDoubleFunction<RunResult> figure) {
        return paired(own, baseline, (mine, theirs) -> figure.applyAsDouble(mine) - figure.applyAsDouble(theirs));
    }

    private interface Pairing {
        double apply(RunResult mine, RunResult theirs);
    }

    /** The median over rounds of {@code pairing} between this target's run and the baseline's of the same round. */
    private static double paired(List<RunResult> own, List<RunResult> baseline, Pairing pairing) {
        if (baseline == null || own == baseline) {
            return Double.NaN;
        }
        List<Double> values = new ArrayList<>();
        for (RunResult mine : own) {
            Optional<RunResult> theirs =
                    baseline.stream().filter(run -> run.round() == mine.round()).findFirst();
            theirs.ifPresent(run -> values.add(pairing.apply(mine, run)));
        }
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    static double median(List<RunResult> runs, ToDoubleFunction<RunResult> figure) {
        return median(runs.stream().mapToDouble(figure).toArray());
    }

    /** The median; the mean of the middle two for an even count; {@code NaN} for none. */
    static double median(double[] values) {
        double[] finite = Arrays.stream(values)
                .filter(value -> !Double.isNaN(value))
                .sorted()
                .toArray();
        if (finite.length == 0) {
            return Double.NaN;
        }
        int middle = finite.length / 2;
        return finite.length % 2 == 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
    }
}
