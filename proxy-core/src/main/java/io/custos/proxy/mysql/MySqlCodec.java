package io.custos.proxy.mysql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Constants of the MySQL protocol and the few encodings the gateway needs: little-endian integers, length-encoded
 * integers and strings, NUL-terminated strings, and the OK, ERR and EOF packets.
 *
 * @see <a href="https://mariadb.com/kb/en/protocol-data-types/">Protocol data types</a>
 */
final class MySqlCodec {
    // Capability flags (int<4> in the handshake packets).
    static final int CLIENT_LONG_PASSWORD = 1;
    static final int CLIENT_FOUND_ROWS = 1 << 1;
    static final int CLIENT_LONG_FLAG = 1 << 2;
    static final int CLIENT_CONNECT_WITH_DB = 1 << 3;
    static final int CLIENT_COMPRESS = 1 << 5;
    static final int CLIENT_ODBC = 1 << 6;
    static final int CLIENT_LOCAL_FILES = 1 << 7;
    static final int CLIENT_PROTOCOL_41 = 1 << 9;
    static final int CLIENT_INTERACTIVE = 1 << 10;
    static final int CLIENT_SSL = 1 << 11;
    static final int CLIENT_TRANSACTIONS = 1 << 13;
    static final int CLIENT_SECURE_CONNECTION = 1 << 15;
    static final int CLIENT_MULTI_STATEMENTS = 1 << 16;
    static final int CLIENT_MULTI_RESULTS = 1 << 17;
    static final int CLIENT_PS_MULTI_RESULTS = 1 << 18;
    static final int CLIENT_PLUGIN_AUTH = 1 << 19;
    static final int CLIENT_CONNECT_ATTRS = 1 << 20;
    static final int CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21;
    static final int CLIENT_SESSION_TRACK = 1 << 23;
    static final int CLIENT_DEPRECATE_EOF = 1 << 24;

    /**
     * What the gateway offers clients: no TLS yet, no compression, no MariaDB extensions. LOCAL INFILE is offered: the
     * gate refuses LOAD DATA to roles without import rights, and the session relays a file request only for the
     * statement the gate let through.
     */
    static final int GATEWAY_CAPABILITIES = CLIENT_LONG_PASSWORD
            | CLIENT_FOUND_ROWS
            | CLIENT_LONG_FLAG
            | CLIENT_CONNECT_WITH_DB
            | CLIENT_ODBC
            | CLIENT_LOCAL_FILES
            | CLIENT_PROTOCOL_41
            | CLIENT_INTERACTIVE
            | CLIENT_TRANSACTIONS
            | CLIENT_SECURE_CONNECTION
            | CLIENT_MULTI_STATEMENTS
            | CLIENT_MULTI_RESULTS
            | CLIENT_PS_MULTI_RESULTS
            | CLIENT_PLUGIN_AUTH
            | CLIENT_CONNECT_ATTRS
            | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
            | CLIENT_SESSION_TRACK
            | CLIENT_DEPRECATE_EOF;

    /** Capabilities that change how command-phase packets look: both sides must agree on them. */
    static final int FORMAT_CAPABILITIES = CLIENT_PROTOCOL_41 | CLIENT_DEPRECATE_EOF;

    // Server status flags.
    static final int SERVER_STATUS_AUTOCOMMIT = 0x0002;
    static final int SERVER_MORE_RESULTS_EXISTS = 0x0008;
    static final int SERVER_STATUS_CURSOR_EXISTS = 0x0040;

    // Commands.
    static final int COM_QUIT = 0x01;
    static final int COM_INIT_DB = 0x02;
    static final int COM_QUERY = 0x03;
    static final int COM_FIELD_LIST = 0x04;
    static final int COM_STATISTICS = 0x09;
    static final int COM_PROCESS_KILL = 0x0C;
    static final int COM_PING = 0x0E;
    static final int COM_CHANGE_USER = 0x11;
    static final int COM_STMT_PREPARE = 0x16;
    static final int COM_STMT_EXECUTE = 0x17;
    static final int COM_STMT_SEND_LONG_DATA = 0x18;
    static final int COM_STMT_CLOSE = 0x19;
    static final int COM_STMT_RESET = 0x1A;
    static final int COM_SET_OPTION = 0x1B;
    static final int COM_STMT_FETCH = 0x1C;
    static final int COM_RESET_CONNECTION = 0x1F;

    // Response headers.
    static final int OK = 0x00;
    static final int AUTH_MORE_DATA = 0x01;
    static final int LOCAL_INFILE = 0xFB;
    static final int EOF = 0xFE;
    static final int ERR = 0xFF;

    /** utf8mb4_general_ci: the collation the handshake announces. */
    static final int DEFAULT_COLLATION = 45;

    static final String NATIVE_PASSWORD = "mysql_native_password";
    static final String CACHING_SHA2_PASSWORD = "caching_sha2_password";

    private MySqlCodec() {}

    /** A length-encoded integer: 1, 3, 4 or 9 bytes. */
    static long readLengthEncoded(ByteBuf buffer) {
        int first = buffer.readUnsignedByte();
        return switch (first) {
            case 0xFC -> buffer.readUnsignedShortLE();
            case 0xFD -> buffer.readUnsignedMediumLE();
            case 0xFE -> buffer.readLongLE();
            default -> {
                if (first >= 0xFB) {
                    throw new IllegalArgumentException(
                            "invalid length-encoded integer prefix 0x" + Integer.toHexString(first));
                }
                yield first;
            }
        };
    }

    static void writeLengthEncoded(ByteBuf buffer, long value) {
        if (value < 0xFB) {
            buffer.writeByte((int) value);
        } else if (value < 0x10000) {
            buffer.writeByte(0xFC).writeShortLE((int) value);
        } else if (value < 0x1000000) {
            buffer.writeByte(0xFD).writeMediumLE((int) value);
        } else {
            buffer.writeByte(0xFE).writeLongLE(value);
        }
    }

    /** A length-encoded string's bytes; a NULL column value (0xFB) reads as {@code null}. */
    static byte[] readLengthEncodedBytes(ByteBuf buffer) {
        if (buffer.getUnsignedByte(buffer.readerIndex()) == 0xFB) {
            buffer.skipBytes(1);
            return null;
        }
        long length = readLengthEncoded(buffer);
        if (length > buffer.readableBytes()) {
            throw new IllegalArgumentException("length-encoded string of " + length + " bytes overruns the packet");
        }
        byte[] bytes = new byte[(int) length];
        buffer.readBytes(bytes);
        return bytes;
    }

    static void writeLengthEncodedBytes(ByteBuf buffer, byte[] bytes) {
        writeLengthEncoded(buffer, bytes.length);
        buffer.writeBytes(bytes);
    }

    /** A NUL-terminated string, or the rest of the packet when it has no NUL. */
    static byte[] readNulBytes(ByteBuf buffer) {
        int end = buffer.indexOf(buffer.readerIndex(), buffer.writerIndex(), (byte) 0);
        int length = (end < 0 ? buffer.writerIndex() : end) - buffer.readerIndex();
        byte[] bytes = new byte[length];
        buffer.readBytes(bytes);
        if (end >= 0) {
            buffer.skipBytes(1);
        }
        return bytes;
    }

    static String readNulString(ByteBuf buffer, Charset charset) {
        return new String(readNulBytes(buffer), charset);
    }

    static void writeNulString(ByteBuf buffer, String value) {
        buffer.writeBytes(value.getBytes(StandardCharsets.UTF_8)).writeByte(0);
    }

    /** OK: {@code 0x00, affected rows, last insert id, int<2> status, int<2> warnings}. */
    static ByteBuf ok(ByteBufAllocator allocator, int status) {
        ByteBuf payload = allocator.buffer(7);
        payload.writeByte(OK);
        writeLengthEncoded(payload, 0);
        writeLengthEncoded(payload, 0);
        payload.writeShortLE(status);
        payload.writeShortLE(0);
        return payload;
    }

    /** ERR (protocol 4.1): {@code 0xFF, int<2> code, '#', string[5] SQLSTATE, message}. */
    static ByteBuf err(ByteBufAllocator allocator, int code, String sqlState, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        ByteBuf payload = allocator.buffer(9 + text.length);
        payload.writeByte(ERR);
        payload.writeShortLE(code);
        payload.writeByte('#');
        payload.writeBytes(sqlState.getBytes(StandardCharsets.US_ASCII), 0, 5);
        payload.writeBytes(text);
        return payload;
    }

    /** Writes {@code payload} (released) as one logical packet, split into parts of 0xFFFFFF bytes as needed. */
    static int write(Channel channel, ByteBuf payload, int sequenceId) {
        int sequence = sequenceId;
        try {
            while (true) {
                int length = Math.min(payload.readableBytes(), MySqlFrameDecoder.MAX_PART_BYTES);
                ByteBuf header = channel.alloc().buffer(MySqlFrameDecoder.HEADER_BYTES);
                header.writeMediumLE(length).writeByte(sequence & 0xFF);
                channel.write(header);
                channel.write(payload.readRetainedSlice(length));
                sequence++;
                if (length < MySqlFrameDecoder.MAX_PART_BYTES) {
                    return sequence - 1;
                }
            }
        } finally {
            payload.release();
        }
    }

    /** Writes one part of a packet, header and payload (released) as they are, with the given sequence id. */
    static void writePart(Channel channel, ByteBuf payload, int sequenceId) {
        ByteBuf header = channel.alloc().buffer(MySqlFrameDecoder.HEADER_BYTES);
        header.writeMediumLE(payload.readableBytes()).writeByte(sequenceId & 0xFF);
        channel.write(header);
        channel.write(payload);
    }

    /** The error code of an ERR payload. */
    static int errorCode(ByteBuf payload) {
        return payload.getUnsignedShortLE(payload.readerIndex() + 1);
    }

    /** The SQLSTATE of an ERR payload, or HY000 when it carries none. */
    static String errorSqlState(ByteBuf payload) {
        int start = payload.readerIndex();
        if (payload.readableBytes() >= 9 && payload.getByte(start + 3) == '#') {
            return payload.toString(start + 4, 5, StandardCharsets.US_ASCII);
        }
        return "HY000";
    }

    /** The message of an ERR payload. */
    static String errorMessage(ByteBuf payload) {
        int start = payload.readerIndex() + 3;
        if (payload.readableBytes() >= 9 && payload.getByte(start) == '#') {
            start += 6;
        }
        return payload.toString(start, payload.writerIndex() - start, StandardCharsets.UTF_8);
    }
}
