package io.custos.proxy.audit;

/**
 * Where audit records go. Implementations are thread-safe and never drop a record: when they cannot keep up or cannot
 * write, {@link #record} blocks, and {@link #healthy} tells the gateway to stop taking statements.
 *
 * <p>Each record handed over gets a ticket, its position among all records handed over (from 1). {@link #durable} is
 * the highest ticket up to which every record is stored durably; {@link SessionAudit} uses it to hold a statement's
 * result until its record is on disk when {@link #holdsResults} says so.
 */
public interface AuditLog extends AutoCloseable {
    /**
     * Hands a record over and returns its ticket. Cheap enough to call on an event-loop thread while the log keeps
     * up; blocks while the log's queue is full.
     *
     * @throws IllegalStateException if the log is closed
     */
    long record(AuditRecord record);

    /** Returns once every record handed over before this call is durably stored. */
    void flush();

    /** Stores every record handed over so far and releases the log's resources. */
    @Override
    void close();

    /** Whether the last attempt to store records succeeded. */
    boolean healthy();

    /** Whether a statement's result must wait until its record is durable ({@code durability: strict}). */
    default boolean holdsResults() {
        return false;
    }

    /** The highest ticket up to which every record is durably stored. */
    default long durable() {
        return Long.MAX_VALUE;
    }

    /**
     * Runs {@code action} once every record up to {@code ticket} is durable: at once if it is, otherwise on the log's
     * own thread, so {@code action} must only hand work to another thread.
     */
    default void whenDurable(long ticket, Runnable action) {
        action.run();
    }

    /** The log's state, for metrics and health checks. */
    default AuditStatus status() {
        return AuditStatus.of(healthy());
    }
}
