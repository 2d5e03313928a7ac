package io.custos.proxy.audit;

/**
 * Where audit records go. Implementations are thread-safe and never drop a record: when they cannot keep up or cannot
 * write, {@link #record} blocks, and {@link #healthy} tells the gateway to stop taking statements.
 */
public interface AuditLog extends AutoCloseable {
    /**
     * Hands a record over. Cheap enough to call on an event-loop thread while the log keeps up; blocks while the log's
     * queue is full.
     *
     * @throws IllegalStateException if the log is closed
     */
    void record(AuditRecord record);

    /** Returns once every record handed over before this call is durably stored. */
    void flush();

    /** Stores every record handed over so far and releases the log's resources. */
    @Override
    void close();

    /** Whether the last attempt to store records succeeded. */
    boolean healthy();
}
