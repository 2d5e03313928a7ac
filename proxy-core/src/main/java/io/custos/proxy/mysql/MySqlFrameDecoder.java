package io.custos.proxy.mysql;

import io.custos.proxy.CustosException;
import io.custos.proxy.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts the byte stream into MySQL packets: {@code int<3> payload length (little-endian), int<1> sequence id, payload}.
 * A payload of exactly 0xFFFFFF bytes means the logical packet goes on in the next wire packet, down to one shorter
 * than that (possibly empty).
 *
 * <p>On the client side every logical packet the gateway has to read (handshake and authentication responses,
 * COM_QUERY, COM_STMT_PREPARE, COM_INIT_DB, COM_CHANGE_USER …) is reassembled into one {@link MySqlPacket}, up to
 * {@code maxCommandBytes}; COM_STMT_EXECUTE and COM_STMT_SEND_LONG_DATA, which the gateway only relays, pass part by
 * part so that a large parameter never has to sit whole in memory. On the server side every wire packet passes on as
 * it arrives.
 *
 * @see <a href="https://mariadb.com/kb/en/0-packet/">Packet format</a>
 */
final class MySqlFrameDecoder extends ByteToMessageDecoder {
    static final int HEADER_BYTES = 4;
    static final int MAX_PART_BYTES = 0xFFFFFF;

    private final boolean reassemble;
    private final int maxCommandBytes;
    private boolean continuing;
    private boolean relayingFile;

    private MySqlFrameDecoder(boolean reassemble, int maxCommandBytes) {
        if (maxCommandBytes <= 0) {
            throw new IllegalArgumentException("maxCommandBytes: " + maxCommandBytes + " (expected: > 0)");
        }
        this.reassemble = reassemble;
        this.maxCommandBytes = maxCommandBytes;
    }

    /** For the connection from a client: commands the gateway reads are reassembled, up to {@code maxCommandBytes}. */
    static MySqlFrameDecoder forClient(int maxCommandBytes) {
        return new MySqlFrameDecoder(true, maxCommandBytes);
    }

    /** For the connection to a server: each wire packet as it arrives. */
    static MySqlFrameDecoder forServer() {
        return new MySqlFrameDecoder(false, Integer.MAX_VALUE);
    }

    /**
     * While a client sends a LOCAL INFILE's contents, every wire packet passes on as a part: the gateway relays the
     * file and never holds it whole. The session switches this on before the client can send the first packet (it
     * waits for the file request) and off at the empty packet that ends the file (the client then waits for OK).
     */
    void relayFile(boolean relaying) {
        relayingFile = relaying;
    }

    @Override
    protected void decode(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= HEADER_BYTES) {
            int length = in.getUnsignedMediumLE(in.readerIndex());
            if (continuing || !reassemble || relayingFile) {
                if (!passPart(in, length, out)) {
                    return;
                }
                continue;
            }
            if (length < MAX_PART_BYTES) {
                checkSize(length);
                if (in.readableBytes() < HEADER_BYTES + length) {
                    return;
                }
                int sequenceId = in.getUnsignedByte(in.readerIndex() + 3);
                in.skipBytes(HEADER_BYTES);
                out.add(MySqlPacket.whole(sequenceId, in.readRetainedSlice(length)));
                continue;
            }
            if (in.readableBytes() < HEADER_BYTES + 1) {
                return;
            }
            int command = in.getUnsignedByte(in.readerIndex() + HEADER_BYTES);
            if (command == MySqlCodec.COM_STMT_EXECUTE || command == MySqlCodec.COM_STMT_SEND_LONG_DATA) {
                if (!passPart(in, length, out)) {
                    return;
                }
                continue;
            }
            if (!reassembleSplit(context, in, out)) {
                return;
            }
        }
    }

    /** Passes one wire packet on as a part; false when it has not fully arrived. */
    private boolean passPart(ByteBuf in, int length, List<Object> out) {
        if (in.readableBytes() < HEADER_BYTES + length) {
            return false;
        }
        int sequenceId = in.getUnsignedByte(in.readerIndex() + 3);
        in.skipBytes(HEADER_BYTES);
        boolean last = length < MAX_PART_BYTES;
        out.add(new MySqlPacket(sequenceId, in.readRetainedSlice(length), !continuing, last));
        continuing = !last;
        return true;
    }

    /** Joins the parts of a split logical packet once all have arrived; false while some are missing. */
    private boolean reassembleSplit(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
        int offset = in.readerIndex();
        long total = 0;
        int parts = 0;
        int sequenceId;
        while (true) {
            if (in.writerIndex() - offset < HEADER_BYTES) {
                return false;
            }
            int length = in.getUnsignedMediumLE(offset);
            total += length;
            checkSize(total);
            if (in.writerIndex() - offset < HEADER_BYTES + length) {
                return false;
            }
            sequenceId = in.getUnsignedByte(offset + 3);
            offset += HEADER_BYTES + length;
            parts++;
            if (length < MAX_PART_BYTES) {
                break;
            }
        }
        ByteBuf payload = context.alloc().buffer((int) total);
        for (int i = 0; i < parts; i++) {
            int length = in.readUnsignedMediumLE();
            in.skipBytes(1);
            payload.writeBytes(in, length);
        }
        out.add(MySqlPacket.whole(sequenceId, payload));
        return true;
    }

    private void checkSize(long bytes) {
        if (bytes > maxCommandBytes) {
            throw new CustosException(
                    ErrorCode.MESSAGE_TOO_LARGE,
                    "Got a packet bigger than the gateway's limit of " + maxCommandBytes + " bytes");
        }
    }
}
