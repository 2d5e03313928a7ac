package io.custos.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.proxy.audit.AuditContext;
import io.custos.proxy.audit.AuditLog;
import io.custos.proxy.audit.AuditRecord;
import io.custos.proxy.audit.AuditStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeteredAuditLogTest {
    private static final AuditContext CONTEXT = AuditContext.connection(7, "127.0.0.1:40007", AuditContext.POSTGRESQL);

    @Test
    void record_strictTrail_keepsItsTicketsHeldResultsAndStatus() {
        StrictLog trail = new StrictLog();
        GatewayMetrics metrics = new GatewayMetrics();
        MeteredAuditLog log = new MeteredAuditLog(trail, metrics);
        List<Long> released = new ArrayList<>();

        long first = log.record(AuditRecord.connect(CONTEXT, "v1"));
        long second = log.record(AuditRecord.connect(CONTEXT, "v1"));
        log.whenDurable(second, () -> released.add(second));

        assertThat(List.of(first, second)).containsExactly(1L, 2L);
        assertThat(log.holdsResults()).isTrue();
        assertThat(log.durable()).isZero();
        assertThat(released).isEmpty();

        trail.makeDurable();

        assertThat(log.durable()).isEqualTo(2L);
        assertThat(released).containsExactly(2L);
        assertThat(log.status()).isSameAs(trail.status);
        assertThat(metrics.registry()
                        .getSampleValue(
                                "custos_connections_total", new String[] {"protocol"}, new String[] {"postgresql"}))
                .isEqualTo(2.0);
    }

    /** A strict log whose records become durable when the test says so. */
    private static final class StrictLog implements AuditLog {
        final AuditStatus status = new AuditStatus(true, 1, 8, 5, 3, 100, 0, 0, 0, 0, 0, 0);
        private final List<Runnable> waiting = new ArrayList<>();
        private long handedOver;
        private long durable;

        void makeDurable() {
            durable = handedOver;
            waiting.forEach(Runnable::run);
            waiting.clear();
        }

        @Override
        public long record(AuditRecord record) {
            return ++handedOver;
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        @Override
        public boolean healthy() {
            return true;
        }

        @Override
        public boolean holdsResults() {
            return true;
        }

        @Override
        public long durable() {
            return durable;
        }

        @Override
        public void whenDurable(long ticket, Runnable action) {
            if (ticket <= durable) {
                action.run();
                return;
            }
            waiting.add(action);
        }

        @Override
        public AuditStatus status() {
            return status;
        }
    }
}
