package io.custos.proxy.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.proxy.CustosException;
import io.custos.proxy.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PostgresFrameDecoderTest {
    private static final ByteBufAllocator ALLOCATOR = ByteBufAllocator.DEFAULT;

    @Test
    void clientFrames_wholeStartupThenQuery() {
        EmbeddedChannel channel = new EmbeddedChannel(PostgresFrameDecoder.forClient(1 << 20));
        ByteBuf input = Unpooled.buffer();
        input.writeBytes(sslRequest());
        input.writeBytes(startup());
        input.writeBytes(PostgresMessages.query(ALLOCATOR, "SELECT 1", StandardCharsets.UTF_8));

        channel.writeInbound(input);

        assertThat(readAll(channel))
                .extracting(PostgresFrameDecoderTest::describe)
                .containsExactly("startup:80877103", "startup:196608", "Q:SELECT 1");
    }

    @Test
    void clientFrames_byteByByte() {
        EmbeddedChannel channel = new EmbeddedChannel(PostgresFrameDecoder.forClient(1 << 20));
        ByteBuf input = Unpooled.buffer();
        input.writeBytes(startup());
        input.writeBytes(PostgresMessages.query(ALLOCATOR, "SELECT 'é'", StandardCharsets.UTF_8));
        input.writeBytes(PostgresMessages.finish(PostgresMessages.start(ALLOCATOR, 'S')));

        while (input.isReadable()) {
            channel.writeInbound(input.readRetainedSlice(1));
        }
        input.release();

        assertThat(readAll(channel))
                .extracting(PostgresFrameDecoderTest::describe)
                .containsExactly("startup:196608", "Q:SELECT 'é'", "S:");
    }

    @Test
    void serverFrames_oversizeRefused() {
        EmbeddedChannel channel = new EmbeddedChannel(PostgresFrameDecoder.forServer(100));
        ByteBuf input = Unpooled.buffer();
        input.writeByte('D');
        input.writeInt(101);

        assertThatThrownBy(() -> channel.writeInbound(input))
                .isInstanceOf(DecoderException.class)
                .cause()
                .isInstanceOf(CustosException.class)
                .satisfies(e -> assertThat(((CustosException) e).code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE));
    }

    @Test
    void serverFrames_negativeLengthRefused() {
        EmbeddedChannel channel = new EmbeddedChannel(PostgresFrameDecoder.forServer(100));
        ByteBuf input = Unpooled.buffer();
        input.writeByte('D');
        input.writeInt(2);

        assertThatThrownBy(() -> channel.writeInbound(input))
                .cause()
                .isInstanceOf(CustosException.class)
                .hasMessageContaining("invalid message length 2");
    }

    @Test
    void clientFrames_hugeStartupRefused() {
        EmbeddedChannel channel = new EmbeddedChannel(PostgresFrameDecoder.forClient(1 << 20));
        ByteBuf input = Unpooled.buffer();
        input.writeInt(1_000_000);
        input.writeInt(196608);

        assertThatThrownBy(() -> channel.writeInbound(input))
                .cause()
                .isInstanceOf(CustosException.class)
                .hasMessageContaining("invalid length of startup packet: 1000000");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4, 7, -1})
    void clientFrames_startupShorterThanItsHeader_refusedOnItsLengthAlone(int length) {
        EmbeddedChannel channel = new EmbeddedChannel(PostgresFrameDecoder.forClient(1 << 20));
        ByteBuf input = Unpooled.buffer();
        input.writeInt(length);

        assertThatThrownBy(() -> channel.writeInbound(input))
                .cause()
                .isInstanceOf(CustosException.class)
                .hasMessageContaining("invalid length of startup packet: " + length);
    }

    private static ByteBuf sslRequest() {
        ByteBuf buffer = Unpooled.buffer();
        buffer.writeInt(8);
        buffer.writeInt(PostgresFrameDecoder.SSL_REQUEST_CODE);
        return buffer;
    }

    private static ByteBuf startup() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "staff");
        parameters.put("database", "custos_demo");
        return PostgresMessages.startupMessage(ALLOCATOR, parameters);
    }

    private static List<ByteBuf> readAll(EmbeddedChannel channel) {
        List<ByteBuf> frames = new ArrayList<>();
        for (ByteBuf frame = channel.readInbound(); frame != null; frame = channel.readInbound()) {
            frames.add(frame);
        }
        return frames;
    }

    private static String describe(ByteBuf frame) {
        try {
            char type = PostgresMessages.type(frame);
            if (type == 0) {
                return "startup:" + frame.getInt(frame.readerIndex() + 4);
            }
            ByteBuf body = PostgresMessages.body(frame);
            String text = body.isReadable() ? PostgresMessages.readCString(body) : "";
            return type + ":" + text;
        } finally {
            frame.release();
        }
    }
}
