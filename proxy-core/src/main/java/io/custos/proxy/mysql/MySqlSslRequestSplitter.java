package io.custos.proxy.mysql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * First in the pipeline of a MySQL client connection while TLS is offered: it passes the client's first packet on
 * alone, then leaves the pipeline. A client that asks for TLS sends its SSL Request packet and its TLS ClientHello
 * right behind it, without waiting for an answer, so both can arrive in one read. The session answers the SSL Request
 * by replacing this handler with the TLS handler; Netty then routes what this handler still fires to the TLS handler,
 * so the bytes that came behind the request are read as TLS, as they were sent. Without an SSL Request the remaining
 * bytes go on to the frame decoder as they came.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_ssl_request.html">SSL Request</a>
 */
final class MySqlSslRequestSplitter extends ChannelInboundHandlerAdapter {
    static final String NAME = "mysql-ssl-request";

    /** The largest first packet held here: an SSL Request is 32 bytes, a handshake response a few hundred. */
    private static final int MAX_FIRST_PACKET_BYTES = 64 << 10;

    private CompositeByteBuf buffered;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        ByteBuf bytes = (ByteBuf) message;
        if (buffered == null) {
            buffered = ctx.alloc().compositeBuffer();
        }
        buffered.addComponent(true, bytes);
        if (buffered.readableBytes() < MySqlFrameDecoder.HEADER_BYTES) {
            return;
        }
        int length = buffered.getUnsignedMediumLE(buffered.readerIndex());
        int packetBytes = MySqlFrameDecoder.HEADER_BYTES + length;
        if (length == MySqlFrameDecoder.MAX_PART_BYTES || buffered.readableBytes() < packetBytes) {
            if (length == MySqlFrameDecoder.MAX_PART_BYTES || packetBytes > MAX_FIRST_PACKET_BYTES) {
                // Not an SSL Request, nor any handshake response worth holding here: the decoder judges it.
                passOn(ctx, null);
            }
            return;
        }
        passOn(ctx, buffered.readRetainedSlice(packetBytes));
    }

    /** Fires the first packet, leaves the pipeline unless the session already replaced this handler, fires the rest. */
    private void passOn(ChannelHandlerContext ctx, ByteBuf first) {
        ByteBuf rest = buffered;
        buffered = null;
        if (first != null) {
            ctx.fireChannelRead(first);
        }
        if (!ctx.isRemoved()) {
            ctx.pipeline().remove(this);
        }
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
        } else {
            rest.release();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }
}
