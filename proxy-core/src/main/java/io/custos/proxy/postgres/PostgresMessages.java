package io.custos.proxy.postgres;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the messages the gateway writes itself and reads the fields it needs from the ones it receives. Every frame
 * here is a whole message: type byte, Int32 length counting itself, body.
 */
final class PostgresMessages {
    // Authentication request codes of the 'R' message.
    static final int AUTH_OK = 0;
    static final int AUTH_CLEARTEXT = 3;
    static final int AUTH_MD5 = 5;
    static final int AUTH_SASL = 10;
    static final int AUTH_SASL_CONTINUE = 11;
    static final int AUTH_SASL_FINAL = 12;

    private PostgresMessages() {}

    static char type(ByteBuf frame) {
        return (char) frame.getByte(frame.readerIndex());
    }

    /** The body of a regular frame, without type and length, as a slice sharing the frame's memory. */
    static ByteBuf body(ByteBuf frame) {
        return frame.slice(frame.readerIndex() + 5, frame.readableBytes() - 5);
    }

    /** Reads a NUL-terminated UTF-8 string and moves past the NUL. */
    static String readCString(ByteBuf buffer) {
        int end = buffer.indexOf(buffer.readerIndex(), buffer.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new IllegalArgumentException("string without terminating NUL");
        }
        String value = buffer.toString(buffer.readerIndex(), end - buffer.readerIndex(), StandardCharsets.UTF_8);
        buffer.readerIndex(end + 1);
        return value;
    }

    /**
     * Reads a NUL-terminated string in the client's encoding, strictly: malformed bytes throw
     * {@link CharacterCodingException} instead of being replaced.
     */
    static String readCString(ByteBuf buffer, Charset charset) throws CharacterCodingException {
        int end = buffer.indexOf(buffer.readerIndex(), buffer.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new IllegalArgumentException("string without terminating NUL");
        }
        String value = PostgresEncodings.decodeStrictly(
                buffer.nioBuffer(buffer.readerIndex(), end - buffer.readerIndex()), charset);
        buffer.readerIndex(end + 1);
        return value;
    }

    static void writeCString(ByteBuf buffer, String value) {
        writeCString(buffer, value, StandardCharsets.UTF_8);
    }

    static void writeCString(ByteBuf buffer, String value, Charset charset) {
        buffer.writeCharSequence(value, charset);
        buffer.writeByte(0);
    }

    /** Starts a regular message; {@link #finish} fills in the length. */
    static ByteBuf start(ByteBufAllocator allocator, char type) {
        ByteBuf buffer = allocator.buffer();
        buffer.writeByte(type);
        buffer.writeInt(0);
        return buffer;
    }

    static ByteBuf finish(ByteBuf buffer) {
        buffer.setInt(buffer.readerIndex() + 1, buffer.writerIndex() - buffer.readerIndex() - 1);
        return buffer;
    }

    /** StartupMessage parameters: pairs of C strings after the protocol version, ended by an empty name. */
    static Map<String, String> startupParameters(ByteBuf frame) {
        ByteBuf body = frame.slice(frame.readerIndex() + 8, frame.readableBytes() - 8);
        Map<String, String> parameters = new LinkedHashMap<>();
        while (body.isReadable()) {
            String name = readCString(body);
            if (name.isEmpty()) {
                break;
            }
            parameters.put(name, readCString(body));
        }
        return parameters;
    }

    static ByteBuf startupMessage(ByteBufAllocator allocator, Map<String, String> parameters) {
        ByteBuf buffer = allocator.buffer();
        buffer.writeInt(0);
        buffer.writeInt(PostgresFrameDecoder.PROTOCOL_VERSION_3);
        parameters.forEach((name, value) -> {
            writeCString(buffer, name);
            writeCString(buffer, value);
        });
        buffer.writeByte(0);
        buffer.setInt(0, buffer.writerIndex());
        return buffer;
    }

    static ByteBuf authentication(ByteBufAllocator allocator, int code, byte[] data) {
        ByteBuf buffer = start(allocator, 'R');
        buffer.writeInt(code);
        buffer.writeBytes(data);
        return finish(buffer);
    }

    /** AuthenticationSASL listing one mechanism; the list ends with an empty name. */
    /** AuthenticationSASL: Int32(10), then each mechanism as a String, then an empty String. */
    static ByteBuf authenticationSasl(ByteBufAllocator allocator, List<String> mechanisms) {
        ByteBuf buffer = start(allocator, 'R');
        buffer.writeInt(AUTH_SASL);
        mechanisms.forEach(mechanism -> writeCString(buffer, mechanism));
        buffer.writeByte(0);
        return finish(buffer);
    }

    static ByteBuf parameterStatus(ByteBufAllocator allocator, String name, String value) {
        ByteBuf buffer = start(allocator, 'S');
        writeCString(buffer, name);
        writeCString(buffer, value);
        return finish(buffer);
    }

    static ByteBuf backendKeyData(ByteBufAllocator allocator, int processId, int secretKey) {
        ByteBuf buffer = start(allocator, 'K');
        buffer.writeInt(processId);
        buffer.writeInt(secretKey);
        return finish(buffer);
    }

    static ByteBuf readyForQuery(ByteBufAllocator allocator, char transactionStatus) {
        ByteBuf buffer = start(allocator, 'Z');
        buffer.writeByte(transactionStatus);
        return finish(buffer);
    }

    /** ErrorResponse with severity, SQLSTATE and message; {@code S} is localized, {@code V} is not. */
    static ByteBuf errorResponse(ByteBufAllocator allocator, String severity, String sqlState, String message) {
        ByteBuf buffer = start(allocator, 'E');
        buffer.writeByte('S');
        writeCString(buffer, severity);
        buffer.writeByte('V');
        writeCString(buffer, severity);
        buffer.writeByte('C');
        writeCString(buffer, sqlState);
        buffer.writeByte('M');
        writeCString(buffer, message);
        buffer.writeByte(0);
        return finish(buffer);
    }

    /** Protocol 2.0's ErrorResponse: {@code Byte1('E'), String message}, no length and no fields. */
    static ByteBuf errorResponseV2(ByteBufAllocator allocator, String message) {
        ByteBuf buffer = allocator.buffer();
        buffer.writeByte('E');
        writeCString(buffer, message);
        return buffer;
    }

    static ByteBuf query(ByteBufAllocator allocator, String sql, Charset charset) {
        ByteBuf buffer = start(allocator, 'Q');
        writeCString(buffer, sql, charset);
        return finish(buffer);
    }

    static ByteBuf passwordMessage(ByteBufAllocator allocator, byte[] data) {
        ByteBuf buffer = start(allocator, 'p');
        buffer.writeBytes(data);
        return finish(buffer);
    }

    static ByteBuf saslInitialResponse(ByteBufAllocator allocator, String mechanism, byte[] data) {
        ByteBuf buffer = start(allocator, 'p');
        writeCString(buffer, mechanism);
        buffer.writeInt(data.length);
        buffer.writeBytes(data);
        return finish(buffer);
    }

    /** SSLRequest: Int32(8) Int32(80877103). */
    static ByteBuf sslRequest(ByteBufAllocator allocator) {
        return allocator.buffer(8).writeInt(8).writeInt(PostgresFrameDecoder.SSL_REQUEST_CODE);
    }

    static ByteBuf cancelRequest(ByteBufAllocator allocator, int processId, int secretKey) {
        ByteBuf buffer = allocator.buffer(16);
        buffer.writeInt(16);
        buffer.writeInt(PostgresFrameDecoder.CANCEL_REQUEST_CODE);
        buffer.writeInt(processId);
        buffer.writeInt(secretKey);
        return buffer;
    }

    /** The fields of an ErrorResponse or NoticeResponse, by field code. */
    static Map<Character, String> fields(ByteBuf frame) {
        ByteBuf body = body(frame);
        Map<Character, String> fields = new LinkedHashMap<>();
        while (body.isReadable()) {
            byte code = body.readByte();
            if (code == 0) {
                break;
            }
            fields.put((char) code, readCString(body));
        }
        return fields;
    }

    static String hex(ByteBuf frame) {
        return ByteBufUtil.hexDump(frame, frame.readerIndex(), Math.min(frame.readableBytes(), 64));
    }
}
