package io.custos.proxy.mysql;

import static java.util.Objects.requireNonNull;

import io.custos.policy.ScramVerifier;
import io.custos.proxy.GatewayContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The MySQL listener: each accepted connection gets a frame decoder and a {@link MySqlSession}. It owns what the
 * sessions share beyond {@link GatewayContext}: the RSA key pair caching_sha2_password clients encrypt their password
 * with (made at start, never stored), the server version announced to clients, and the live sessions' owners and
 * backend thread ids, which KILL needs.
 */
public final class MySqlServer {
    /** Announced until the first backend connection tells the real version. */
    static final String DEFAULT_SERVER_VERSION = "11.4.5-MariaDB-custos";

    private final GatewayContext context;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final KeyPair rsaKeys;
    private final String publicKeyPem;
    private final ScramVerifier decoyVerifier;
    private final Map<Long, KillTarget> killTargets = new ConcurrentHashMap<>();
    private volatile String serverVersion = DEFAULT_SERVER_VERSION;
    private Channel serverChannel;

    public MySqlServer(GatewayContext context, EventLoopGroup acceptors, EventLoopGroup workers) {
        this.context = requireNonNull(context, "context is null");
        this.acceptors = requireNonNull(acceptors, "acceptors is null");
        this.workers = requireNonNull(workers, "workers is null");
        this.rsaKeys = MySqlAuth.newRsaKeyPair(context.random());
        this.publicKeyPem = MySqlAuth.pem(rsaKeys.getPublic());
        byte[] decoyPassword = new byte[16];
        context.random().nextBytes(decoyPassword);
        this.decoyVerifier = ScramVerifier.create(HexFormat.of().formatHex(decoyPassword), context.random());
    }

    /** Binds and starts accepting; port 0 picks a free port. */
    public InetSocketAddress bind(String host, int port) throws InterruptedException {
        serverChannel = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (context.guards().tls().isPresent()) {
                            channel.pipeline().addLast(MySqlSslRequestSplitter.NAME, new MySqlSslRequestSplitter());
                        }
                        // Larger packets are refused; the server's own max_allowed_packet applies on top.
                        int maxPacketBytes = context.guards().limits().get().maxMessageBytes();
                        channel.pipeline()
                                .addLast(
                                        MySqlFrameDecoder.forClient(maxPacketBytes),
                                        new MySqlSession(context, MySqlServer.this));
                    }
                })
                .bind(host, port)
                .sync()
                .channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }

    KeyPair rsaKeys() {
        return rsaKeys;
    }

    String publicKeyPem() {
        return publicKeyPem;
    }

    /** Checked in place of an unknown user's verifier, so that a wrong user name costs as long as a wrong password. */
    ScramVerifier decoyVerifier() {
        return decoyVerifier;
    }

    String serverVersion() {
        return serverVersion;
    }

    void serverVersion(String version) {
        serverVersion = version;
    }

    /** Records who owns a session and which backend thread serves it, for KILL. */
    void registerKillTarget(long sessionId, String user, long backendThreadId) {
        killTargets.put(sessionId, new KillTarget(user, backendThreadId));
    }

    void unregisterKillTarget(long sessionId) {
        killTargets.remove(sessionId);
    }

    Optional<KillTarget> killTarget(long sessionId) {
        return Optional.ofNullable(killTargets.get(sessionId));
    }

    /** The user a session is authenticated as and its backend connection's thread id. */
    record KillTarget(String user, long backendThreadId) {}
}
