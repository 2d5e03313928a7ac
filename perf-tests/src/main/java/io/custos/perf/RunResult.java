package io.custos.perf;

/**
 * One measured run of one workload against one target. Latencies in microseconds; {@code NaN} where the tool that
 * measured does not report that figure.
 *
 * @param round the round (from 1) in which the run took place
 * @param errors statements that failed; {@code firstError} says how the first one did
 */
record RunResult(
        String workload,
        String target,
        int round,
        int clients,
        long operations,
        long errors,
        String firstError,
        double seconds,
        double throughput,
        double meanMicros,
        double p50Micros,
        double p90Micros,
        double p99Micros,
        double maxMicros) {
    boolean failed() {
        return operations == 0 || errors > 0;
    }
}
