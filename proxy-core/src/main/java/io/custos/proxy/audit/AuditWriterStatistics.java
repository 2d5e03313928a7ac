package io.custos.proxy.audit;

/**
 * What the audit writer has done since it started, for metrics. Counts only grow.
 *
 * @param queued records and markers waiting for the writer now
 * @param writes batches written to the file, and {@code writeNanos} the time spent writing them
 * @param forces times the file was forced to disk, and {@code forceNanos} the time that took
 * @param errors writes or forces that failed (each is retried until it succeeds)
 */
public record AuditWriterStatistics(
        long queued, long writes, long writeNanos, long forces, long forceNanos, long errors) {}
