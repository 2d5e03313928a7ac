package io.custos.proxy.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.proxy.CustosException;
import io.custos.proxy.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MySqlFrameDecoderTest {
    private static final int PART = MySqlFrameDecoder.MAX_PART_BYTES;

    @Test
    void decode_wholeFrames_passesEachPayloadWithItsSequenceId() {
        EmbeddedChannel channel = new EmbeddedChannel(MySqlFrameDecoder.forClient(1 << 20));

        channel.writeInbound(Unpooled.wrappedBuffer(frame(0, query("SELECT 1")), frame(3, new byte[] {0x0E})));

        MySqlPacket first = channel.readInbound();
        MySqlPacket second = channel.readInbound();
        assertThat(first.sequenceId()).isZero();
        assertThat(first.first()).isTrue();
        assertThat(first.last()).isTrue();
        assertThat(first.payload().toString(StandardCharsets.UTF_8)).isEqualTo("\u0003SELECT 1");
        assertThat(second.sequenceId()).isEqualTo(3);
        assertThat(second.header()).isEqualTo(MySqlCodec.COM_PING);
        first.release();
        second.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void decode_byteByByte_waitsForTheWholeFrame() {
        EmbeddedChannel channel = new EmbeddedChannel(MySqlFrameDecoder.forServer());
        byte[] bytes = frame(7, "\u0000\u0001\u0000\u0002\u0000\u0000\u0000".getBytes(StandardCharsets.ISO_8859_1));

        for (int i = 0; i < bytes.length - 1; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {bytes[i]}));
            assertThat((Object) channel.readInbound()).isNull();
        }
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {bytes[bytes.length - 1]}));

        MySqlPacket packet = channel.readInbound();
        assertThat(packet.sequenceId()).isEqualTo(7);
        assertThat(packet.payload().readableBytes()).isEqualTo(7);
        packet.release();
    }

    @Test
    void decode_emptyPayload_isAPacket() {
        EmbeddedChannel channel = new EmbeddedChannel(MySqlFrameDecoder.forServer());

        channel.writeInbound(Unpooled.wrappedBuffer(frame(2, new byte[0])));

        MySqlPacket packet = channel.readInbound();
        assertThat(packet.header()).isEqualTo(-1);
        assertThat(packet.last()).isTrue();
        packet.release();
    }

    @ParameterizedTest
    @CsvSource({"0", "1", "100"})
    void decode_splitQuery_isReassembled(int tail) {
        EmbeddedChannel channel = new EmbeddedChannel(MySqlFrameDecoder.forClient(64 << 20));
        byte[] payload = new byte[PART + tail];
        payload[0] = MySqlCodec.COM_QUERY;
        payload[PART - 1] = 'a';
        if (tail > 0) {
            payload[PART + tail - 1] = 'z';
        }

        for (ByteBuf chunk : chunks(split(payload), 1 << 20)) {
            channel.writeInbound(chunk);
        }

        MySqlPacket packet = channel.readInbound();
        assertThat(packet.sequenceId()).isEqualTo(1);
        assertThat(packet.first()).isTrue();
        assertThat(packet.last()).isTrue();
        assertThat(packet.payload().readableBytes()).isEqualTo(payload.length);
        assertThat(packet.payload().getByte(PART - 1)).isEqualTo((byte) 'a');
        if (tail > 0) {
            assertThat(packet.payload().getByte(PART + tail - 1)).isEqualTo((byte) 'z');
        }
        assertThat((Object) channel.readInbound()).isNull();
        packet.release();
    }

    @Test
    void decode_splitExecute_passesPartByPart() {
        EmbeddedChannel channel = new EmbeddedChannel(MySqlFrameDecoder.forClient(1 << 20));
        byte[] payload = new byte[PART + 10];
        payload[0] = MySqlCodec.COM_STMT_EXECUTE;

        for (ByteBuf chunk : chunks(split(payload), 1 << 20)) {
            channel.writeInbound(chunk);
        }
        channel.writeInbound(Unpooled.wrappedBuffer(frame(0, new byte[] {0x0E})));

        MySqlPacket first = channel.readInbound();
        MySqlPacket second = channel.readInbound();
        MySqlPacket ping = channel.readInbound();
        assertThat(List.of(first.first(), first.last(), second.first(), second.last()))
                .containsExactly(true, false, false, true);
        assertThat(first.payload().readableBytes()).isEqualTo(PART);
        assertThat(second.payload().readableBytes()).isEqualTo(10);
        assertThat(second.sequenceId()).isEqualTo(1);
        assertThat(ping.first()).isTrue();
        assertThat(ping.header()).isEqualTo(MySqlCodec.COM_PING);
        first.release();
        second.release();
        ping.release();
    }

    @Test
    void decode_relayingAFile_passesPartsBeyondTheCommandLimit() {
        MySqlFrameDecoder decoder = MySqlFrameDecoder.forClient(1 << 20);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        byte[] payload = new byte[PART + 10];
        payload[0] = MySqlCodec.COM_QUERY;

        decoder.relayFile(true);
        for (ByteBuf chunk : chunks(split(payload), 1 << 20)) {
            channel.writeInbound(chunk);
        }
        channel.writeInbound(Unpooled.wrappedBuffer(frame(2, new byte[0])));

        List<MySqlPacket> packets = new ArrayList<>();
        for (MySqlPacket packet = channel.readInbound(); packet != null; packet = channel.readInbound()) {
            packets.add(packet);
        }
        assertThat(packets).extracting(MySqlPacket::first).containsExactly(true, false, true);
        assertThat(packets).extracting(MySqlPacket::last).containsExactly(false, true, true);
        assertThat(packets).extracting(p -> p.payload().readableBytes()).containsExactly(PART, 10, 0);
        assertThat(packets).extracting(MySqlPacket::sequenceId).containsExactly(0, 1, 2);
        packets.forEach(MySqlPacket::release);
    }

    @Test
    void decode_serverSide_passesSplitRowsPartByPart() {
        EmbeddedChannel channel = new EmbeddedChannel(MySqlFrameDecoder.forServer());
        byte[] payload = new byte[2 * PART];

        for (ByteBuf chunk : chunks(split(payload), 4 << 20)) {
            channel.writeInbound(chunk);
        }

        List<MySqlPacket> packets = new ArrayList<>();
        for (MySqlPacket packet = channel.readInbound(); packet != null; packet = channel.readInbound()) {
            packets.add(packet);
        }
        assertThat(packets).extracting(MySqlPacket::first).containsExactly(true, false, false);
        assertThat(packets).extracting(MySqlPacket::last).containsExactly(false, false, true);
        assertThat(packets).extracting(p -> p.payload().readableBytes()).containsExactly(PART, PART, 0);
        packets.forEach(MySqlPacket::release);
    }

    @Test
    void decode_oversizeCommand_isRefused() {
        EmbeddedChannel channel = new EmbeddedChannel(MySqlFrameDecoder.forClient(1000));
        byte[] header = {(byte) 0xE9, 0x03, 0x00, 0x00};

        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(header)))
                .isInstanceOf(DecoderException.class)
                .cause()
                .isInstanceOfSatisfying(
                        CustosException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE));
    }

    @Test
    void decode_oversizeSplitCommand_isRefusedBeforeItArrives() {
        EmbeddedChannel channel = new EmbeddedChannel(MySqlFrameDecoder.forClient(PART + 5));
        byte[] firstHeader = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x00, MySqlCodec.COM_QUERY};
        ByteBuf bytes = Unpooled.buffer();
        bytes.writeBytes(firstHeader).writeZero(PART - 1).writeBytes(new byte[] {0x10, 0x00, 0x00, 0x01});

        assertThatThrownBy(() -> channel.writeInbound(bytes))
                .isInstanceOf(DecoderException.class)
                .cause()
                .isInstanceOf(CustosException.class);
    }

    @Test
    void forClient_zeroLimit_isRejected() {
        assertThatThrownBy(() -> MySqlFrameDecoder.forClient(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxCommandBytes: 0 (expected: > 0)");
    }

    private static byte[] query(String sql) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[text.length + 1];
        payload[0] = MySqlCodec.COM_QUERY;
        System.arraycopy(text, 0, payload, 1, text.length);
        return payload;
    }

    private static byte[] frame(int sequenceId, byte[] payload) {
        byte[] frame = new byte[payload.length + 4];
        frame[0] = (byte) payload.length;
        frame[1] = (byte) (payload.length >> 8);
        frame[2] = (byte) (payload.length >> 16);
        frame[3] = (byte) sequenceId;
        System.arraycopy(payload, 0, frame, 4, payload.length);
        return frame;
    }

    /** The wire form of a logical packet: parts of 0xFFFFFF bytes, the last shorter (possibly empty). */
    private static ByteBuf split(byte[] payload) {
        ByteBuf wire = Unpooled.buffer(payload.length + 16);
        int offset = 0;
        int sequenceId = 0;
        while (true) {
            int length = Math.min(PART, payload.length - offset);
            wire.writeMediumLE(length).writeByte(sequenceId++);
            wire.writeBytes(payload, offset, length);
            offset += length;
            if (length < PART) {
                return wire;
            }
        }
    }

    private static List<ByteBuf> chunks(ByteBuf wire, int size) {
        List<ByteBuf> chunks = new ArrayList<>();
        while (wire.isReadable()) {
            chunks.add(wire.readRetainedSlice(Math.min(size, wire.readableBytes())));
        }
        wire.release();
        return chunks;
    }
}
