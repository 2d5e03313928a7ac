package io.custos.proxy.metrics;

import static java.util.Objects.requireNonNull;

import io.custos.proxy.audit.AuditLog;
import io.custos.proxy.audit.AuditRecord;

/** An audit log that counts each record in the gateway's metrics once the trail has taken it. */
public final class MeteredAuditLog implements AuditLog {
    private final AuditLog trail;
    private final GatewayMetrics metrics;

    public MeteredAuditLog(AuditLog trail, GatewayMetrics metrics) {
        this.trail = requireNonNull(trail, "trail is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
    }

    @Override
    public void record(AuditRecord record) {
        trail.record(record);
        metrics.recorded(record);
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
}
