package io.custos.proxy.postgres;

import static java.util.Objects.requireNonNull;

import io.custos.proxy.GatewayContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;

/** The PostgreSQL listener: each accepted connection gets a frame decoder and a {@link PostgresSession}. */
public final class PostgresServer {
    private final GatewayContext context;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private Channel serverChannel;

    public PostgresServer(GatewayContext context, EventLoopGroup acceptors, EventLoopGroup workers) {
        this.context = requireNonNull(context, "context is null");
        this.acceptors = requireNonNull(acceptors, "acceptors is null");
        this.workers = requireNonNull(workers, "workers is null");
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
                        // Larger messages are refused; PostgreSQL itself stops at 1 GB.
                        int maxMessageBytes = context.guards().limits().get().maxMessageBytes();
                        channel.pipeline()
                                .addLast(PostgresFrameDecoder.forClient(maxMessageBytes), new PostgresSession(context));
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
}
