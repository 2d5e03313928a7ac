package io.custos.proxy.metrics;

import static java.util.Objects.requireNonNull;

import io.custos.proxy.audit.AuditLog;
import io.custos.proxy.audit.AuditRecord;
import io.custos.proxy.audit.AuditStatus;

/**
 * An audit log that counts each record in the gateway's metrics once the trail has taken it. Tickets, durability and
 * status are the trail's own, so that strict durability holds results through this wrapper as without it.
 */
public final class MeteredAuditLog implements AuditLog {
    private final AuditLog trail;
    private final GatewayMetrics metrics;

    public MeteredAuditLog(AuditLog trail, GatewayMetrics metrics) {
        this.trail = requireNonNull(trail, "trail is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
    }

    @Override
    public long record(AuditRecord record) {
        long ticket = trail.record(record);
        metrics.recorded(record);
        return ticket;
    }

    @Override
    public void flush() {
        trail.flush();
    }

    @Override
    public void close() {
        trail.close();
    }

    @Override
    public boolean healthy() {
        return trail.healthy();
    }

    @Override
    public boolean holdsResults() {
        return trail.holdsResults();
    }

    @Override
    public long durable() {
        return trail.durable();
    }

    @Override
    public void whenDurable(long ticket, Runnable action) {
        trail.whenDurable(ticket, action);
    }

    @Override
    public AuditStatus status() {
        return trail.status();
    }
}
