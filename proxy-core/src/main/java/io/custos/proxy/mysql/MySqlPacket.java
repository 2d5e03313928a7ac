package io.custos.proxy.mysql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One MySQL packet's payload as the frame decoder passes it on. A logical packet of 16 MiB - 1 bytes or more travels
 * as several wire packets; the decoder either reassembles it ({@code first} and {@code last} both set, the sequence id
 * that of the final part) or, for commands the gateway only relays, passes the parts one by one, in which case
 * {@code first} marks the part that starts the logical packet and {@code last} the part that ends it.
 */
final class MySqlPacket extends DefaultByteBufHolder {
    private final int sequenceId;
    private final boolean first;
    private final boolean last;

    MySqlPacket(int sequenceId, ByteBuf payload, boolean first, boolean last) {
        super(payload);
        this.sequenceId = sequenceId;
        this.first = first;
        this.last = last;
    }

    /** A whole logical packet. */
    static MySqlPacket whole(int sequenceId, ByteBuf payload) {
        return new MySqlPacket(sequenceId, payload, true, true);
    }

    int sequenceId() {
        return sequenceId;
    }

    ByteBuf payload() {
        return content();
    }

    boolean first() {
        return first;
    }

    boolean last() {
        return last;
    }

    /** The first payload byte (a command, or a response's header), or -1 for an empty payload. */
    int header() {
        ByteBuf payload = content();
        return payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
    }

    @Override
    public String toString() {
        return "MySqlPacket[sequenceId=" + sequenceId + ", bytes=" + content().readableBytes() + ", first=" + first
                + ", last=" + last + "]";
    }
}
