package io.custos.proxy.session;

import io.custos.proxy.tls.TlsChannels;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Ending a connection with an error the client can still read.
 *
 * <p>A connection closed while the client is still sending (the rest of an oversized message, statements it
 * pipelined) has unread bytes in the gateway's receive buffer, and closing a socket in that state sends a reset
 * instead of a normal end: the client's kernel then throws away what it had received but not yet read, the error
 * included, and the client reports a broken connection instead of the reason. So the error is flushed, the sending
 * side is shut down (the client reads the error, then the end of the stream), and whatever still arrives is read and
 * dropped until the client closes or {@link #LINGER} has passed.
 */
public final class LastWord {
    /** How long a client is given to read the error and close before the connection is closed anyway. */
    public static final Duration LINGER = Duration.ofSeconds(2);

    private LastWord() {}

    /** Flushes what was written on {@code channel}, then ends the connection as described above. */
    public static void flushAndClose(Channel channel) {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(done -> closeAfter((ChannelFuture) done));
    }

    private static void closeAfter(ChannelFuture flushed) {
        Channel channel = flushed.channel();
        if (!flushed.isSuccess() || !channel.isActive() || !(channel instanceof SocketChannel socket)) {
            channel.close();
            return;
        }
        String after = channel.pipeline().get(TlsChannels.HANDLER_NAME) != null ? TlsChannels.HANDLER_NAME : null;
        if (after != null) {
            channel.pipeline().addAfter(after, "last-word", Drop.INSTANCE);
        } else {
            channel.pipeline().addFirst("last-word", Drop.INSTANCE);
        }
        channel.config().setAutoRead(true);
        socket.shutdownOutput().addListener(shut -> {
            if (!shut.isSuccess()) {
                channel.close();
            }
        });
        channel.eventLoop().schedule(() -> channel.close(), LINGER.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reads and drops everything: the session has ended, the bytes are only read so that the close is orderly. */
    @ChannelHandler.Sharable
    private static final class Drop extends ChannelInboundHandlerAdapter {
        static final Drop INSTANCE = new Drop();

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            ReferenceCountUtil.release(message);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            context.close();
        }
    }
}
