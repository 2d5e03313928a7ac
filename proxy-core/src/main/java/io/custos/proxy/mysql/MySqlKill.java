package io.custos.proxy.mysql;

import io.custos.policy.Backend;
import io.custos.proxy.BackendFailures;
import io.custos.proxy.ErrorCode;
import io.custos.proxy.tls.BackendTlsContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A short-lived backend connection that runs one KILL statement for a session and hands back the server's answer, an
 * OK or ERR payload. A running query keeps its own connection busy, so a KILL always needs a connection of its own.
 */
final class MySqlKill implements MySqlBackend.Handler {
    private final MySqlSession session;
    private final String statement;
    private final Consumer<ByteBuf> done;
    private final MySqlBackend backend;
    private boolean answered;

    MySqlKill(
            MySqlSession session,
            Backend config,
            BackendTlsContext tls,
            EventLoop eventLoop,
            String statement,
            Consumer<ByteBuf> done) {
        this.session = session;
        this.statement = statement;
        this.done = done;
        this.backend = new MySqlBackend(
                this,
                config,
                eventLoop,
                MySqlCodec.GATEWAY_CAPABILITIES,
                MySqlCodec.DEFAULT_COLLATION,
                config.database(),
                tls);
    }

    void start() {
        backend.connect();
    }

    @Override
    public long sessionId() {
        return session.sessionId();
    }

    @Override
    public void onBackendReady() {
        ByteBuf payload = Unpooled.buffer();
        payload.writeByte(MySqlCodec.COM_QUERY).writeBytes(statement.getBytes(StandardCharsets.US_ASCII));
        backend.writeCommand(payload);
        backend.flush();
    }

    @Override
    public void onBackendFailed(int errorCode, String sqlState, String message) {
        answer(MySqlCodec.err(
                ByteBufAllocator.DEFAULT,
                ErrorCode.BACKEND_UNAVAILABLE.mysqlErrorNumber(),
                "HY000",
                "custos: cannot connect to the database"));
    }

    @Override
    public void onBackendUnreachable(Throwable cause) {
        answer(MySqlCodec.err(
                ByteBufAllocator.DEFAULT,
                ErrorCode.BACKEND_UNAVAILABLE.mysqlErrorNumber(),
                "HY000",
                BackendFailures.cannotConnect(cause)));
    }

    @Override
    public void onBackendPacket(MySqlPacket packet) {
        ByteBuf copy = Unpooled.copiedBuffer(packet.payload());
        packet.release();
        answer(copy);
        backend.quit();
    }

    @Override
    public void onBackendReadComplete() {}

    @Override
    public void onBackendWritable(boolean writable) {}

    @Override
    public void onBackendTlsFailed(String reason) {
        onBackendFailed(0, null, reason);
    }

    @Override
    public void onBackendClosed() {
        onBackendFailed(0, null, "closed");
    }

    private void answer(ByteBuf payload) {
        if (answered) {
            payload.release();
            return;
        }
        answered = true;
        done.accept(payload);
    }
}
