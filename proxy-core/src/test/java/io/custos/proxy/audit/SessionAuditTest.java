package io.custos.proxy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.StatementClass;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionAuditTest {
    private static final AuditContext CONTEXT = AuditContext.connection(3, "127.0.0.1:5000", AuditContext.POSTGRESQL);

    @Test
    void write_afterAStatementRecord_isHeldUntilTheRecordIsDurable() {
        ManualLog log = new ManualLog(true);
        EmbeddedChannel channel = new EmbeddedChannel();
        SessionAudit audit = SessionAudit.install(channel, log);

        channel.writeAndFlush(text("row 1"));
        audit.record(statement());
        channel.write(text("CommandComplete"));
        channel.writeAndFlush(text("ReadyForQuery"));

        assertThat(read(channel)).containsExactly("row 1");
        assertThat(audit.heldBytes()).isEqualTo("CommandComplete".length() + "ReadyForQuery".length());

        log.makeDurable(1);
        channel.runPendingTasks();

        assertThat(read(channel)).containsExactly("CommandComplete", "ReadyForQuery");
        assertThat(audit.heldBytes()).isZero();
    }

    @Test
    void write_keepsOrderBehindAHeldWrite() {
        ManualLog log = new ManualLog(true);
        EmbeddedChannel channel = new EmbeddedChannel();
        SessionAudit audit = SessionAudit.install(channel, log);

        audit.record(statement());
        channel.write(text("end of 1"));
        audit.record(statement());
        channel.write(text("end of 2"));
        channel.flush();

        log.makeDurable(1);
        channel.runPendingTasks();
        assertThat(read(channel)).containsExactly("end of 1");

        log.makeDurable(2);
        channel.runPendingTasks();
        assertThat(read(channel)).containsExactly("end of 2");
    }

    @Test
    void write_connectionEventsAndRelaxedDurability_holdNothing() {
        ManualLog strict = new ManualLog(true);
        EmbeddedChannel first = new EmbeddedChannel();
        SessionAudit.install(first, strict).record(AuditRecord.connect(CONTEXT, "v1"));
        first.writeAndFlush(text("handshake"));

        ManualLog relaxed = new ManualLog(false);
        EmbeddedChannel second = new EmbeddedChannel();
        SessionAudit.install(second, relaxed).record(statement());
        second.writeAndFlush(text("result"));

        assertThat(read(first)).containsExactly("handshake");
        assertThat(read(second)).containsExactly("result");
    }

    @Test
    void write_heldBeyondTheHighWaterMark_makesTheChannelUnwritableUntilReleased() {
        ManualLog log = new ManualLog(true);
        EmbeddedChannel channel = new EmbeddedChannel();
        SessionAudit audit = SessionAudit.install(channel, log);

        audit.record(statement());
        channel.write(Unpooled.wrappedBuffer(new byte[SessionAudit.HIGH_WATER_BYTES + 1]));

        assertThat(channel.isWritable()).isFalse();

        log.makeDurable(1);
        channel.runPendingTasks();
        channel.flush();

        assertThat(channel.isWritable()).isTrue();
        ByteBuf out = channel.readOutbound();
        assertThat(out.readableBytes()).isEqualTo(SessionAudit.HIGH_WATER_BYTES + 1);
        out.release();
    }

    @Test
    void close_discardsWhatIsHeld() {
        ManualLog log = new ManualLog(true);
        EmbeddedChannel channel = new EmbeddedChannel();
        SessionAudit audit = SessionAudit.install(channel, log);
        audit.record(statement());
        ByteBuf held = text("never sent");
        channel.writeAndFlush(held);

        channel.close();

        assertThat(held.refCnt()).isZero();
        assertThat(audit.heldBytes()).isZero();
    }

    private static AuditRecord statement() {
        return AuditRecord.allowed(CONTEXT, StatementClass.READ, "SELECT ?", "d", 1, 10, "v1");
    }

    private static ByteBuf text(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    private static List<String> read(EmbeddedChannel channel) {
        List<String> messages = new ArrayList<>();
        ByteBuf message;
        while ((message = channel.readOutbound()) != null) {
            messages.add(message.toString(StandardCharsets.UTF_8));
            message.release();
        }
        return messages;
    }

    /** A log whose records become durable when the test says so. */
    private static final class ManualLog implements AuditLog {
        private final boolean strict;
        private final List<Runnable> waiting = new ArrayList<>();
        private final List<Long> tickets = new ArrayList<>();
        private long handedOver;
        private long durable;

        ManualLog(boolean strict) {
            this.strict = strict;
        }

        void makeDurable(long ticket) {
            durable = ticket;
            for (int index = 0; index < waiting.size(); index++) {
                if (tickets.get(index) <= durable) {
                    tickets.remove(index);
                    waiting.remove(index).run();
                    index--;
                }
            }
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
            return strict;
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
            tickets.add(ticket);
            waiting.add(action);
        }
    }
}
