package io.custos.proxy.audit;

/**
 * A snapshot of the audit trail's state, for metrics and health checks. Counters only grow while the gateway runs;
 * latencies are totals, so a rate of {@code writeNanos} over a rate of {@code writes} gives the mean.
 *
 * @param healthy whether the last attempt to store records succeeded; statements are refused while it is false
 * @param queued records (and flush requests) waiting for the writer
 * @param queueCapacity how many may wait before callers are held back
 * @param recordsWritten records written to the file since start
 * @param writes batches written and forced to disk
 * @param writeNanos total time spent writing and forcing those batches
 * @param writeErrors failed attempts to write, force or rotate the file
 * @param rotations files rotated since start
 * @param sinkBacklog records waiting for the database sink, 0 without a sink
 * @param sinkWritten records the database sink has inserted
 * @param sinkErrors failed sink inserts (each retried; records the sink had to give up on are in {@code sinkDropped})
 * @param sinkDropped records the sink did not copy because its backlog was full; the file holds them
 */
public record AuditStatus(
        boolean healthy,
        int queued,
        int queueCapacity,
        long recordsWritten,
        long writes,
        long writeNanos,
        long writeErrors,
        long rotations,
        long sinkBacklog,
        long sinkWritten,
        long sinkErrors,
        long sinkDropped) {
    /** The state of a log that keeps no statistics. */
    static AuditStatus of(boolean healthy) {
        return new AuditStatus(healthy, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }
}
