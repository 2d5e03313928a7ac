package io.custos.proxy.postgres;

import io.custos.proxy.CustosException;
import io.custos.proxy.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts the byte stream into whole PostgreSQL messages and passes each on as one retained {@link ByteBuf} holding the
 * complete frame, header included, so the relay can forward it untouched.
 *
 * <p>A regular message is {@code Byte1 type, Int32 length (counting itself), body}. A client's first messages
 * (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest) have no type byte: {@code Int32 length, Int32 code, body}.
 * On the client side the decoder starts in that startup form and switches to the regular form after the first message
 * that is not an encryption request. On the server side, after the gateway's own SSLRequest, the server's one-byte
 * answer ('S' or 'N') is passed on alone first.
 *
 * <p>Bytes that arrive together with the server's 'S' were sent before the TLS handshake and so in clear; read after
 * it they would pass for encrypted data (CVE-2021-23222). They are a protocol violation. The session makes the same
 * check on the client side, through {@link #bufferedBytes()}, when it accepts a client's SSLRequest (CVE-2021-23214).
 */
final class PostgresFrameDecoder extends ByteToMessageDecoder {
    static final int SSL_REQUEST_CODE = 80877103;
    static final int GSSENC_REQUEST_CODE = 80877104;
    static final int CANCEL_REQUEST_CODE = 80877102;
    static final int PROTOCOL_VERSION_3 = 196608;
    static final int MAX_STARTUP_BYTES = 10_000;

    private final int maxMessageBytes;
    private boolean startupPhase;
    private boolean sslResponsePending;

    private PostgresFrameDecoder(boolean startupPhase, int maxMessageBytes) {
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: > 0)");
        }
        this.startupPhase = startupPhase;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** For the connection from a client: starts with the startup form. */
    static PostgresFrameDecoder forClient(int maxMessageBytes) {
        return new PostgresFrameDecoder(true, maxMessageBytes);
    }

    /** For the connection to a server: regular messages only. */
    static PostgresFrameDecoder forServer(int maxMessageBytes) {
        return new PostgresFrameDecoder(false, maxMessageBytes);
    }

    /** Bytes received but not yet passed on as a message. */
    int bufferedBytes() {
        return actualReadableBytes();
    }

    /** The next byte from the server answers the gateway's SSLRequest. */
    void expectSslResponse() {
        sslResponsePending = true;
    }

    @Override
    protected void decode(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
        if (startupPhase) {
            decodeStartup(in, out);
            return;
        }
        if (sslResponsePending) {
            if (!in.isReadable()) {
                return;
            }
            sslResponsePending = false;
            if (in.getByte(in.readerIndex()) == 'S' && in.readableBytes() > 1) {
                throw new CustosException(
                        ErrorCode.PROTOCOL_VIOLATION, "the server sent unencrypted data after accepting TLS");
            }
            if (in.getByte(in.readerIndex()) != 'E') {
                out.add(in.readRetainedSlice(1));
                return;
            }
            // 'E': a server that cannot start a backend answers with an ErrorResponse, a regular message.
        }
        while (in.readableBytes() >= 5) {
            int length = in.getInt(in.readerIndex() + 1);
            if (length < 4) {
                throw new CustosException(
                        ErrorCode.PROTOCOL_VIOLATION, "invalid message length " + length + " (expected: >= 4)");
            }
            if (length > maxMessageBytes) {
                throw new CustosException(
                        ErrorCode.MESSAGE_TOO_LARGE,
                        "message of " + length + " bytes exceeds the limit of " + maxMessageBytes + " bytes");
            }
            if (in.readableBytes() < length + 1) {
                return;
            }
            out.add(in.readRetainedSlice(length + 1));
        }
    }

    /**
     * The length is checked as soon as its four bytes are in: a packet that declares fewer than the eight bytes of
     * length and code (0, 4, 7) is answered at once instead of waiting for bytes the client will never send.
     */
    private void decodeStartup(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > MAX_STARTUP_BYTES) {
            throw new CustosException(
                    ErrorCode.PROTOCOL_VIOLATION,
                    "invalid length of startup packet: " + length + " (expected: 8 to " + MAX_STARTUP_BYTES + ")");
        }
        if (in.readableBytes() < length) {
            return;
        }
        int code = in.getInt(in.readerIndex() + 4);
        if (code != SSL_REQUEST_CODE && code != GSSENC_REQUEST_CODE) {
            startupPhase = false;
        }
        out.add(in.readRetainedSlice(length));
    }
}
