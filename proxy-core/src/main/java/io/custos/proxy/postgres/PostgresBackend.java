package io.custos.proxy.postgres;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.exception.ScramException;
import io.custos.policy.Backend;
import io.custos.proxy.tls.BackendTlsContext;
import io.custos.proxy.tls.TlsChannels;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's own connection to the PostgreSQL server. It authenticates with the gateway's credentials (SCRAM-SHA-256,
 * MD5 or cleartext, whichever the server asks for; trust needs nothing), hands the server's ParameterStatus messages
 * and its ReadyForQuery to the session, keeps the server's cancel key to itself, and from then on passes every message
 * to {@link PostgresSession#onBackendMessage}. It runs on the client channel's event loop.
 *
 * <p>With TLS on for the backend it first sends an SSLRequest; on the server's 'S' the TLS handler joins the pipeline
 * and the StartupMessage waits for the handshake, which verifies the server's certificate as the policy says. An 'N'
 * or a failed handshake ends the attempt with the reason, before any credential is sent.
 */
final class PostgresBackend extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(PostgresBackend.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final int LOGIN_TIMEOUT_MILLIS = 10_000;
    static final int MAX_MESSAGE_BYTES = 1 << 30;

    private final PostgresSession session;
    private final Channel client;
    private final Backend config;
    private final Map<String, String> clientParameters;
    private final BackendTlsContext tls;
    private final PostgresFrameDecoder decoder = PostgresFrameDecoder.forServer(MAX_MESSAGE_BYTES);

    private Channel channel;
    private boolean awaitingSslResponse;
    private boolean ready;
    private boolean closing;
    private ScramClient scram;
    private int processId;
    private int secretKey;

    /** @param tls the TLS context of this backend, {@code null} when its entry has TLS off */
    PostgresBackend(
            PostgresSession session,
            Channel client,
            Backend config,
            Map<String, String> clientParameters,
            BackendTlsContext tls) {
        this.session = session;
        this.client = client;
        this.config = config;
        this.clientParameters = clientParameters;
        this.tls = tls;
    }

    void connect() {
        Bootstrap bootstrap = new Bootstrap()
                .group(client.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(decoder, PostgresBackend.this);
                    }
                });
        bootstrap.connect(config.host(), config.port()).addListener((ChannelFutureListener) future -> {
            if (!future.isSuccess()) {
                session.onBackendUnreachable(future.cause());
                return;
            }
            channel = future.channel();
            channel.eventLoop().schedule(this::onLoginTimeout, LOGIN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            if (tls == null) {
                sendStartupMessage();
                return;
            }
            awaitingSslResponse = true;
            decoder.expectSslResponse();
            channel.writeAndFlush(PostgresMessages.sslRequest(channel.alloc()));
        });
    }

    /** A server that accepted the connection but does not complete the login in time is given up on. */
    private void onLoginTimeout() {
        if (ready || closing) {
            return;
        }
        closing = true;
        channel.close();
        session.onBackendUnreachable(new ConnectTimeoutException(
                "the database did not complete the login within " + LOGIN_TIMEOUT_MILLIS + " ms"));
    }

    private void sendStartupMessage() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", config.user());
        parameters.put("database", config.database());
        parameters.putAll(clientParameters);
        channel.writeAndFlush(PostgresMessages.startupMessage(channel.alloc(), parameters));
    }

    /** The server's answer to the SSLRequest: 'S' starts the handshake, 'N' ends the attempt. */
    private void onSslResponse(ByteBuf answer) {
        awaitingSslResponse = false;
        byte response = answer.getByte(answer.readerIndex());
        answer.release();
        if (response != 'S') {
            failTls("the database does not accept TLS connections, which the policy's backend asks for");
            return;
        }
        SslHandler handler = tls.newHandler(channel.alloc(), config.host(), config.port());
        channel.pipeline().addFirst(TlsChannels.HANDLER_NAME, handler);
        handler.handshakeFuture().addListener(handshake -> {
            if (handshake.isSuccess()) {
                sendStartupMessage();
                return;
            }
            failTls(BackendTlsContext.describeFailure(handshake.cause()));
        });
    }

    private void failTls(String reason) {
        if (closing) {
            return;
        }
        closing = true;
        channel.close();
        session.onBackendTlsFailed(reason);
    }

    void write(ByteBuf frame) {
        if (channel == null || !channel.isActive()) {
            frame.release();
            return;
        }
        channel.write(frame);
    }

    void flush() {
        if (channel != null) {
            channel.flush();
        }
    }

    void setAutoRead(boolean autoRead) {
        if (channel != null) {
            channel.config().setAutoRead(autoRead);
        }
    }

    /** Terminate, then close: the server ends the backend process cleanly. */
    void terminate() {
        if (channel == null || !channel.isActive()) {
            return;
        }
        closing = true;
        ByteBuf terminate = PostgresMessages.finish(PostgresMessages.start(channel.alloc(), 'X'));
        channel.writeAndFlush(terminate).addListener(ChannelFutureListener.CLOSE);
    }

    void close() {
        closing = true;
        if (channel != null) {
            channel.close();
        }
    }

    /** Sends a CancelRequest for this backend's running query over a new connection, as the protocol requires. */
    void cancel(int backendProcessId, int backendSecret) {
        new Bootstrap()
                .group(client.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(config.host(), config.port())
                .addListener((ChannelFutureListener) future -> {
                    if (!future.isSuccess()) {
                        log.warn(
                                "[{}] cannot send a cancel request to the database: {}",
                                session.sessionId(),
                                future.cause().toString());
                        return;
                    }
                    future.channel()
                            .writeAndFlush(PostgresMessages.cancelRequest(
                                    future.channel().alloc(), backendProcessId, backendSecret))
                            .addListener(ChannelFutureListener.CLOSE);
                });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        ByteBuf frame = (ByteBuf) message;
        if (ready) {
            onRelayedMessage(frame);
            return;
        }
        if (awaitingSslResponse && frame.readableBytes() == 1) {
            onSslResponse(frame);
            return;
        }
        try {
            onStartupResponse(frame);
        } catch (ScramException | RuntimeException e) {
            frame.release();
            session.onBackendFailed(e.toString());
        }
    }

    /**
     * The session reads a message's framing fields before it forwards or releases it, so a message it cannot read is
     * still the backend's to release, and the session ends without relaying it.
     */
    private void onRelayedMessage(ByteBuf frame) {
        try {
            session.onBackendMessage(frame);
        } catch (RuntimeException e) {
            if (frame.refCnt() > 0) {
                frame.release();
            }
            closing = true;
            channel.close();
            session.onBackendInvalid(e.toString());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        session.flushClient();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.setClientAutoRead(ctx.channel().isWritable());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closing) {
            session.onBackendClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ready && tls != null && BackendTlsContext.isTlsFailure(cause)) {
            // The handshake future reports it, with the reason.
            ctx.close();
            return;
        }
        if (cause instanceof DecoderException && !closing) {
            closing = true;
            ctx.close();
            session.onBackendInvalid(
                    cause.getCause() == null
                            ? cause.toString()
                            : cause.getCause().toString());
            return;
        }
        log.warn("[{}] backend connection error: {}", session.sessionId(), cause.toString());
        ctx.close();
    }

    private void onStartupResponse(ByteBuf frame) throws ScramException {
        char type = PostgresMessages.type(frame);
        switch (type) {
            case 'R' -> {
                try {
                    onAuthenticationRequest(PostgresMessages.body(frame));
                } finally {
                    frame.release();
                }
            }
            case 'S' -> session.onBackendParameter(frame);
            case 'K' -> {
                processId = frame.getInt(frame.readerIndex() + 5);
                secretKey = frame.getInt(frame.readerIndex() + 9);
                frame.release();
            }
            case 'Z' -> {
                ready = true;
                session.onBackendReady(frame, processId, secretKey);
            }
            case 'E' -> {
                Map<Character, String> fields = PostgresMessages.fields(frame);
                frame.release();
                session.onBackendRefused(fields.get('C'), fields.getOrDefault('M', "unknown error"));
            }
            default -> frame.release();
        }
    }

    private void onAuthenticationRequest(ByteBuf body) throws ScramException {
        int code = body.readInt();
        switch (code) {
            case PostgresMessages.AUTH_OK -> {}
            case PostgresMessages.AUTH_CLEARTEXT -> sendPassword(
                    config.password().read());
            case PostgresMessages.AUTH_MD5 -> {
                byte[] salt = new byte[4];
                body.readBytes(salt);
                sendPassword(md5Password(config.user(), config.password().read(), salt));
            }
            case PostgresMessages.AUTH_SASL -> startScram(body);
            case PostgresMessages.AUTH_SASL_CONTINUE -> {
                scram.serverFirstMessage(body.toString(StandardCharsets.UTF_8));
                byte[] clientFinal = scram.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8);
                channel.writeAndFlush(PostgresMessages.passwordMessage(channel.alloc(), clientFinal));
            }
            case PostgresMessages.AUTH_SASL_FINAL -> scram.serverFinalMessage(body.toString(StandardCharsets.UTF_8));
            default -> throw new IllegalStateException("the database asks for an unsupported authentication method ("
                    + code + "); use scram-sha-256, md5, password or trust for the gateway's account");
        }
    }

    private void startScram(ByteBuf body) {
        List<String> mechanisms = new ArrayList<>();
        while (body.isReadable()) {
            String mechanism = PostgresMessages.readCString(body);
            if (mechanism.isEmpty()) {
                break;
            }
            mechanisms.add(mechanism);
        }
        scram = ScramClient.builder()
                .advertisedMechanisms(mechanisms.contains("SCRAM-SHA-256") ? List.of("SCRAM-SHA-256") : mechanisms)
                .username("*")
                .password(config.password().read().toCharArray())
                .build();
        byte[] clientFirst = scram.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8);
        channel.writeAndFlush(PostgresMessages.saslInitialResponse(
                channel.alloc(), scram.getScramMechanism().getName(), clientFirst));
    }

    private void sendPassword(String password) {
        byte[] bytes = (password + "\0").getBytes(StandardCharsets.UTF_8);
        channel.writeAndFlush(PostgresMessages.passwordMessage(channel.alloc(), bytes));
    }

    /** {@code "md5" + md5hex(md5hex(password + user) + salt)}, as PostgreSQL's MD5 method defines it. */
    static String md5Password(String user, String password, byte[] salt) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            String inner = HexFormat.of().formatHex(md5.digest((password + user).getBytes(StandardCharsets.UTF_8)));
            md5.update(inner.getBytes(StandardCharsets.UTF_8));
            md5.update(salt);
            return "md5" + HexFormat.of().formatHex(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available", e);
        }
    }
}
