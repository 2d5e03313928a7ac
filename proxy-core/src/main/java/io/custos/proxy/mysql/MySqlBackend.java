package io.custos.proxy.mysql;

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
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to the MySQL or MariaDB server, logged in with the gateway's own account. It reads the server's
 * HandshakeV10, answers with a HandshakeResponse41 asking for the capabilities the client negotiated with the gateway
 * (as far as the server has them, so both sides speak the same packet formats), the client's character set and the
 * database, and authenticates with mysql_native_password or caching_sha2_password (fast path, or full path through
 * the server's RSA public key), following auth switches. From then on every wire packet goes to the {@link Handler}
 * as it arrives. It runs on the event loop it is given, the client channel's, so no locking is needed.
 *
 * <p>With TLS on for the backend, the handshake is answered with an SSL Request (the response's first 32 bytes with
 * CLIENT_SSL), the TLS handler joins the pipeline, and the HandshakeResponse41 follows once the handshake has verified
 * the server's certificate as the policy says. caching_sha2_password's full authentication then sends the password in
 * clear inside TLS instead of asking for the server's RSA key.
 *
 * @see <a href="https://mariadb.com/kb/en/connection/">Connection</a>
 */
final class MySqlBackend extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(MySqlBackend.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final int LOGIN_TIMEOUT_MILLIS = 10_000;
    private static final int MAX_PACKET_BYTES = 1 << 30;

    /**
     * Capabilities the gateway never asks the server for: TLS, compression, attributes it has none of. LOCAL INFILE is
     * asked for only when the client has it, as the session relays file requests to the client and never reads files.
     */
    private static final int WITHHELD_CAPABILITIES =
            MySqlCodec.CLIENT_SSL | MySqlCodec.CLIENT_COMPRESS | MySqlCodec.CLIENT_CONNECT_ATTRS;

    /** Capabilities the login itself needs, whatever the client asked for. */
    private static final int REQUIRED_CAPABILITIES = MySqlCodec.CLIENT_PROTOCOL_41
            | MySqlCodec.CLIENT_SECURE_CONNECTION
            | MySqlCodec.CLIENT_PLUGIN_AUTH
            | MySqlCodec.CLIENT_CONNECT_WITH_DB;

    /** What the backend connection reports to its owner. Every call comes on the connection's event loop. */
    interface Handler {
        long sessionId();

        /** Logged in: command packets may be written from now on. */
        void onBackendReady();

        /**
         * The login failed; {@code errorCode} is the server's error number and {@code sqlState} its SQLSTATE (HY000 when
         * the ERR carried none), 0 and {@code null} when the server sent no ERR. {@code message} is for the log.
         */
        void onBackendFailed(int errorCode, String sqlState, String message);

        /** The connection could not be opened at all. */
        void onBackendUnreachable(Throwable cause);

        /** A wire packet once ready; the handler releases it. */
        void onBackendPacket(MySqlPacket packet);

        void onBackendReadComplete();

        void onBackendWritable(boolean writable);

        /** The connection closed without {@link #close} being called. */
        void onBackendClosed();

        /** TLS towards the database failed; the reason names the check, never a certificate's content. */
        void onBackendTlsFailed(String reason);
    }

    private final Handler handler;
    private final Backend config;
    private final EventLoop eventLoop;
    private final int requestedCapabilities;
    private final BackendTlsContext tls;

    private Channel channel;
    private int collation;
    private String database;
    private boolean ready;
    private boolean closing;
    private String serverVersion;
    private long threadId;
    private int capabilities;
    private byte[] scramble;
    private String plugin;
    private boolean publicKeyRequested;
    private int sequenceId;
    /** The first login completed; a COM_CHANGE_USER later logs in again without a timeout of its own. */
    private boolean loggedIn;

    MySqlBackend(
            Handler handler,
            Backend config,
            EventLoop eventLoop,
            int requestedCapabilities,
            int collation,
            String database,
            BackendTlsContext tls) {
        this.handler = handler;
        this.config = config;
        this.eventLoop = eventLoop;
        this.requestedCapabilities = requestedCapabilities;
        this.collation = collation;
        this.database = database;
        this.tls = tls;
    }

    void connect() {
        new Bootstrap()
                .group(eventLoop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(MySqlFrameDecoder.forServer(), MySqlBackend.this);
                    }
                })
                .connect(config.host(), config.port())
                .addListener((ChannelFutureListener) future -> {
                    if (!future.isSuccess()) {
                        handler.onBackendUnreachable(future.cause());
                        return;
                    }
                    channel = future.channel();
                    eventLoop.schedule(this::onLoginTimeout, LOGIN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                });
    }

    /** A server that accepted the connection but does not complete the login in time is given up on. */
    private void onLoginTimeout() {
        if (loggedIn || closing) {
            return;
        }
        closing = true;
        channel.close();
        handler.onBackendUnreachable(new ConnectTimeoutException(
                "the database did not complete the login within " + LOGIN_TIMEOUT_MILLIS + " ms"));
    }

    String serverVersion() {
        return serverVersion;
    }

    /** The server's id for this connection, which {@code KILL} takes. */
    long threadId() {
        return threadId;
    }

    /** The capabilities in force on this connection. */
    int capabilities() {
        return capabilities;
    }

    /** Writes one packet part as the session received it, with the given sequence id. */
    void writePart(ByteBuf payload, int sequenceId) {
        if (!isActive()) {
            payload.release();
            return;
        }
        MySqlCodec.writePart(channel, payload, sequenceId);
    }

    /** Writes a whole logical packet as a new command (sequence id 0), split as needed; returns the last id used. */
    int writeCommand(ByteBuf payload) {
        if (!isActive()) {
            payload.release();
            return 0;
        }
        return MySqlCodec.write(channel, payload, 0);
    }

    void flush() {
        if (channel != null) {
            channel.flush();
        }
    }

    boolean isActive() {
        return channel != null && channel.isActive();
    }

    void setAutoRead(boolean autoRead) {
        if (channel != null) {
            channel.config().setAutoRead(autoRead);
        }
    }

    /**
     * Logs in again with the gateway's account (COM_CHANGE_USER), which resets the session's state on the server, with
     * a new character set and database; {@link Handler#onBackendReady} or {@link Handler#onBackendFailed} follows.
     */
    void changeUser(int newCollation, String newDatabase) {
        collation = newCollation;
        database = newDatabase;
        ready = false;
        publicKeyRequested = false;
        ByteBuf payload = channel.alloc().buffer();
        payload.writeByte(MySqlCodec.COM_CHANGE_USER);
        MySqlCodec.writeNulString(payload, config.user());
        byte[] response = authResponse(plugin, scramble);
        payload.writeByte(response.length).writeBytes(response);
        MySqlCodec.writeNulString(payload, database);
        payload.writeShortLE(collation);
        MySqlCodec.writeNulString(payload, plugin);
        sequenceId = MySqlCodec.write(channel, payload, 0);
        channel.flush();
    }

    /** COM_QUIT, then close. */
    void quit() {
        if (!isActive()) {
            return;
        }
        closing = true;
        ByteBuf payload = channel.alloc().buffer(1).writeByte(MySqlCodec.COM_QUIT);
        MySqlCodec.write(channel, payload, 0);
        channel.flush();
        channel.close();
    }

    void close() {
        closing = true;
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        MySqlPacket packet = (MySqlPacket) message;
        if (ready) {
            handler.onBackendPacket(packet);
            return;
        }
        try {
            sequenceId = packet.sequenceId();
            if (serverVersion == null) {
                onHandshake(packet.payload());
            } else {
                onAuthResponse(packet.payload());
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            fail(0, null, e.toString());
        } finally {
            packet.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        handler.onBackendReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        handler.onBackendWritable(ctx.channel().isWritable());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closing) {
            closing = true;
            handler.onBackendClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ready && tls != null && BackendTlsContext.isTlsFailure(cause)) {
            // The handshake future reports it, with the reason.
            ctx.close();
            return;
        }
        log.warn("[{}] backend connection error: {}", handler.sessionId(), cause.toString());
        ctx.close();
    }

    /**
     * HandshakeV10: {@code int<1> 10, string<NUL> server version, int<4> thread id, string[8] scramble part 1, int<1> 0,
     * int<2> capabilities (low), int<1> collation, int<2> status, int<2> capabilities (high), int<1> scramble length,
     * string[10] reserved, string[max(13, length - 8)] scramble part 2, string<NUL> auth plugin}.
     */
    private void onHandshake(ByteBuf payload) {
        int protocol = payload.getUnsignedByte(payload.readerIndex());
        if (protocol == MySqlCodec.ERR) {
            fail(MySqlCodec.errorCode(payload), MySqlCodec.errorSqlState(payload), MySqlCodec.errorMessage(payload));
            return;
        }
        if (protocol != 10) {
            throw new IllegalStateException("unsupported protocol version " + protocol + " (expected: 10)");
        }
        payload.skipBytes(1);
        serverVersion = MySqlCodec.readNulString(payload, StandardCharsets.UTF_8);
        threadId = payload.readUnsignedIntLE();
        byte[] part1 = new byte[8];
        payload.readBytes(part1);
        payload.skipBytes(1);
        int serverCapabilities = payload.readUnsignedShortLE();
        payload.skipBytes(3);
        serverCapabilities |= payload.readUnsignedShortLE() << 16;
        int scrambleLength = payload.readUnsignedByte();
        payload.skipBytes(10);
        byte[] part2 = new byte[0];
        if ((serverCapabilities & MySqlCodec.CLIENT_SECURE_CONNECTION) != 0) {
            part2 = new byte[Math.max(13, scrambleLength - 8)];
            payload.readBytes(part2);
        }
        plugin = (serverCapabilities & MySqlCodec.CLIENT_PLUGIN_AUTH) != 0
                ? MySqlCodec.readNulString(payload, StandardCharsets.UTF_8)
                : MySqlCodec.NATIVE_PASSWORD;
        scramble = trimNul(concat(part1, part2));
        capabilities = (requestedCapabilities & serverCapabilities & ~WITHHELD_CAPABILITIES)
                | (REQUIRED_CAPABILITIES & serverCapabilities)
                | (serverCapabilities & MySqlCodec.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA);
        int missing = requestedCapabilities & MySqlCodec.FORMAT_CAPABILITIES & ~capabilities;
        if (missing != 0 || (capabilities & REQUIRED_CAPABILITIES) != REQUIRED_CAPABILITIES) {
            fail(
                    0,
                    null,
                    "the database server " + serverVersion + " lacks capabilities the gateway needs (0x"
                            + Integer.toHexString(missing | (REQUIRED_CAPABILITIES & ~capabilities)) + ")");
            return;
        }
        if (tls == null) {
            sendHandshakeResponse();
            return;
        }
        if ((serverCapabilities & MySqlCodec.CLIENT_SSL) == 0) {
            failTls("the database does not accept TLS connections, which the policy's backend asks for");
            return;
        }
        capabilities |= MySqlCodec.CLIENT_SSL;
        startTls();
    }

    /**
     * SSL Request: {@code int<4> capabilities, int<4> max packet size, int<1> collation, string[23] 0}, sent in clear
     * before the TLS handler joins; the server sends nothing until the client's ClientHello.
     */
    private void startTls() {
        ByteBuf payload = channel.alloc().buffer(32);
        payload.writeIntLE(capabilities);
        payload.writeIntLE(MAX_PACKET_BYTES);
        payload.writeByte(collation & 0xFF);
        payload.writeZero(23);
        send(payload);
        SslHandler sslHandler = tls.newHandler(channel.alloc(), config.host(), config.port());
        channel.pipeline().addFirst(TlsChannels.HANDLER_NAME, sslHandler);
        sslHandler.handshakeFuture().addListener(handshake -> {
            if (handshake.isSuccess()) {
                sendHandshakeResponse();
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
        handler.onBackendTlsFailed(reason);
    }

    /**
     * HandshakeResponse41: {@code int<4> capabilities, int<4> max packet size, int<1> collation, string[23] 0, string<NUL>
     * user, auth response (length-encoded or int<1> length), string<NUL> database, string<NUL> auth plugin}.
     */
    private void sendHandshakeResponse() {
        ByteBuf payload = channel.alloc().buffer();
        payload.writeIntLE(capabilities);
        payload.writeIntLE(MAX_PACKET_BYTES);
        payload.writeByte(collation & 0xFF);
        payload.writeZero(23);
        MySqlCodec.writeNulString(payload, config.user());
        byte[] response = authResponse(plugin, scramble);
        if ((capabilities & MySqlCodec.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) != 0) {
            MySqlCodec.writeLengthEncodedBytes(payload, response);
        } else {
            payload.writeByte(response.length).writeBytes(response);
        }
        MySqlCodec.writeNulString(payload, database);
        MySqlCodec.writeNulString(payload, plugin);
        send(payload);
    }

    private void onAuthResponse(ByteBuf payload) throws GeneralSecurityException {
        int header = payload.getUnsignedByte(payload.readerIndex());
        switch (header) {
            case MySqlCodec.OK -> {
                ready = true;
                loggedIn = true;
                handler.onBackendReady();
            }
            case MySqlCodec.ERR -> fail(
                    MySqlCodec.errorCode(payload), MySqlCodec.errorSqlState(payload), MySqlCodec.errorMessage(payload));
            case MySqlCodec.EOF -> onAuthSwitch(payload.skipBytes(1));
            case MySqlCodec.AUTH_MORE_DATA -> onAuthMoreData(payload.skipBytes(1));
            default -> throw new IllegalStateException(
                    "unexpected packet 0x" + Integer.toHexString(header) + " during authentication");
        }
    }

    /** AuthSwitchRequest: {@code 0xFE, string<NUL> plugin, plugin data}. */
    private void onAuthSwitch(ByteBuf body) {
        plugin = MySqlCodec.readNulString(body, StandardCharsets.UTF_8);
        byte[] data = new byte[body.readableBytes()];
        body.readBytes(data);
        scramble = trimNul(data);
        publicKeyRequested = false;
        if (!plugin.equals(MySqlCodec.NATIVE_PASSWORD) && !plugin.equals(MySqlCodec.CACHING_SHA2_PASSWORD)) {
            fail(
                    0,
                    null,
                    "the database asks for the unsupported authentication plugin '" + plugin
                            + "'; use mysql_native_password or caching_sha2_password for the gateway's account");
            return;
        }
        byte[] response = authResponse(plugin, scramble);
        send(channel.alloc().buffer(response.length).writeBytes(response));
    }

    /** caching_sha2_password: 0x03 fast path done, 0x04 full authentication needed, else the server's public key. */
    private void onAuthMoreData(ByteBuf body) throws GeneralSecurityException {
        if (!plugin.equals(MySqlCodec.CACHING_SHA2_PASSWORD)) {
            throw new IllegalStateException("unexpected AuthMoreData for plugin " + plugin);
        }
        if (publicKeyRequested) {
            String pem = body.toString(StandardCharsets.US_ASCII);
            byte[] encrypted = MySqlAuth.encryptPassword(pem, config.password().read(), scramble);
            send(channel.alloc().buffer(encrypted.length).writeBytes(encrypted));
            return;
        }
        int status = body.readUnsignedByte();
        if (status == 3) {
            return;
        }
        if (status != 4) {
            throw new IllegalStateException("unexpected caching_sha2_password status " + status);
        }
        if (tls != null) {
            byte[] password = (config.password().read() + "\0").getBytes(StandardCharsets.UTF_8);
            send(channel.alloc().buffer(password.length).writeBytes(password));
            Arrays.fill(password, (byte) 0);
            return;
        }
        publicKeyRequested = true;
        send(channel.alloc().buffer(1).writeByte(2));
    }

    private byte[] authResponse(String pluginName, byte[] seed) {
        String password = config.password().read();
        if (pluginName.equals(MySqlCodec.CACHING_SHA2_PASSWORD)) {
            return MySqlAuth.cachingSha2Response(password, seed);
        }
        if (pluginName.equals(MySqlCodec.NATIVE_PASSWORD)) {
            return MySqlAuth.nativeResponse(password, seed);
        }
        return new byte[0];
    }

    private void send(ByteBuf payload) {
        sequenceId = MySqlCodec.write(channel, payload, sequenceId + 1);
        channel.flush();
    }

    private void fail(int errorCode, String sqlState, String message) {
        closing = true;
        if (channel != null) {
            channel.close();
        }
        handler.onBackendFailed(errorCode, sqlState, message);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] result = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, result, first.length, second.length);
        return result;
    }

    private static byte[] trimNul(byte[] data) {
        int end = data.length;
        while (end > 0 && data[end - 1] == 0) {
            end--;
        }
        return Arrays.copyOf(data, end);
    }
}
