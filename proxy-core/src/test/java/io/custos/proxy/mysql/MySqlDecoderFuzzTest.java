package io.custos.proxy.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.proxy.DecoderFuzz;
import io.custos.proxy.FrameMutator;
import io.custos.proxy.LeakWatch;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The MySQL packet decoder, both directions, fed damaged streams from a seeded generator: client streams (a handshake
 * response, COM_QUERY, COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_PING, COM_INIT_DB, COM_QUIT) and server streams (OK,
 * ERR, column definitions, EOF, text rows), each mutated, on the client side under a small command limit too. The
 * decoder must raise nothing but its own errors, cut the same packets whether the bytes come at once or a few at a
 * time, pass on only whole wire packets, never sit on a whole packet, and leak no buffer (paranoid leak detection).
 */
class MySqlDecoderFuzzTest {
    private static final long SEED = 0x5EED_0008L;
    private static final int ITERATIONS = 1_500;
    private static final int SMALL_COMMAND_LIMIT = 4096;

    @Test
    void clientDecoder_mutatedStreams_onlyOwnErrorsAndTheSameFramesHoweverSplit() {
        fuzz("client", () -> MySqlFrameDecoder.forClient(SMALL_COMMAND_LIMIT), this::clientStream, true);
    }

    @Test
    void serverDecoder_mutatedStreams_onlyOwnErrorsAndTheSameFramesHoweverSplit() {
        fuzz("server", MySqlFrameDecoder::forServer, this::serverStream, false);
    }

    private interface Generator {
        byte[] stream(Random random);
    }

    private void fuzz(String side, Supplier<ChannelHandler> decoder, Generator generator, boolean client) {
        Random random = new Random(SEED + (client ? 0 : 1));
        int errors = 0;
        int packets = 0;
        Supplier<Function<Object, DecoderFuzz.Frame>> describer = () -> MySqlDecoderFuzzTest::describe;
        try (LeakWatch leaks = LeakWatch.start()) {
            for (int i = 0; i < ITERATIONS; i++) {
                byte[] stream = FrameMutator.mutate(generator.stream(random), random, true);
                DecoderFuzz.Outcome whole = DecoderFuzz.whole(decoder, stream, describer);
                DecoderFuzz.Outcome pieces = DecoderFuzz.inPieces(decoder, stream, describer, random);
                String context = side + " iteration " + i + " of seed " + SEED + ", stream "
                        + ByteBufUtil.hexDump(stream, 0, Math.min(stream.length, 96));

                assertThat(pieces).as(context).isEqualTo(whole);
                if (whole.error() == null) {
                    assertNoWholePacketLeft(stream, whole, context);
                } else {
                    assertThat(whole.error()).as(context).startsWith("MESSAGE_TOO_LARGE");
                    errors++;
                }
                packets += whole.frames().size();
            }
            assertThat(leaks.leaks()).as("leaked buffers").isEmpty();
        }
        System.out.printf(
                "MySQL %s decoder fuzz: %d iterations, seed %d, %d packets, %d refused as too large%n",
                side, ITERATIONS, SEED, packets, errors);
    }

    /**
     * With no error, what follows the last packet passed on is a packet still arriving. A logical packet being
     * reassembled from parts of 0xFFFFFF bytes counts as arriving while its parts do.
     */
    private static void assertNoWholePacketLeft(byte[] stream, DecoderFuzz.Outcome outcome, String context) {
        int offset = (int) outcome.framedBytes();
        int left = stream.length - offset;
        if (left < 4) {
            return;
        }
        int length = (stream[offset] & 0xFF) | (stream[offset + 1] & 0xFF) << 8 | (stream[offset + 2] & 0xFF) << 16;
        assertThat(left < 4 + length || length == MySqlFrameDecoder.MAX_PART_BYTES)
                .as(context)
                .isTrue();
    }

    private static DecoderFuzz.Frame describe(Object message) {
        MySqlPacket packet = (MySqlPacket) message;
        int length = packet.payload().readableBytes();
        assertThat(length).isLessThanOrEqualTo(SMALL_COMMAND_LIMIT + MySqlFrameDecoder.MAX_PART_BYTES);
        String description = packet.sequenceId() + "/" + packet.first() + "/" + packet.last() + "/"
                + DecoderFuzz.digest(packet.payload());
        return new DecoderFuzz.Frame(description, 4L + length);
    }

    // ---- well-formed streams

    private byte[] clientStream(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (random.nextInt(3) == 0) {
            out.writeBytes(packet(1, handshakeResponse()));
        }
        int commands = 1 + random.nextInt(5);
        for (int i = 0; i < commands; i++) {
            out.writeBytes(packet(0, command(random)));
        }
        return out.toByteArray();
    }

    private static byte[] command(Random random) {
        return switch (random.nextInt(7)) {
            case 0 -> concat(new byte[] {MySqlCodec.COM_QUERY}, text("SELECT id, mobile FROM customer LIMIT 2"));
            case 1 -> concat(new byte[] {MySqlCodec.COM_STMT_PREPARE}, text("SELECT name FROM customer WHERE id = ?"));
            case 2 -> new byte[] {MySqlCodec.COM_STMT_EXECUTE, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 0, 7, 0, 0, 0};
            case 3 -> new byte[] {MySqlCodec.COM_PING};
            case 4 -> concat(new byte[] {MySqlCodec.COM_INIT_DB}, text("custos_demo"));
            case 5 -> new byte[] {MySqlCodec.COM_QUIT};
            default -> concat(new byte[] {MySqlCodec.COM_QUERY}, text("SELECT " + random.nextInt(1000)));
        };
    }

    private static byte[] handshakeResponse() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x8D, (byte) 0xA2, 0x0A, 0, 0, 0, 0, 1, 45});
        out.writeBytes(new byte[23]);
        out.writeBytes(text("staff\0"));
        out.writeBytes(new byte[] {20});
        out.writeBytes(new byte[20]);
        out.writeBytes(text("custos_demo\0mysql_native_password\0"));
        return out.toByteArray();
    }

    private byte[] serverStream(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int sequenceId = 1;
        if (random.nextInt(4) == 0) {
            out.writeBytes(packet(sequenceId, new byte[] {0, 1, 0, 2, 0, 0, 0}));
            return out.toByteArray();
        }
        if (random.nextInt(4) == 0) {
            out.writeBytes(packet(sequenceId, concat(new byte[] {(byte) 0xFF, 0x28, 0x04}, text("#42000syntax"))));
            return out.toByteArray();
        }
        out.writeBytes(packet(sequenceId++, new byte[] {2}));
        out.writeBytes(packet(sequenceId++, columnDefinition("id")));
        out.writeBytes(packet(sequenceId++, columnDefinition("mobile")));
        out.writeBytes(packet(sequenceId++, new byte[] {(byte) 0xFE, 0, 0, 2, 0}));
        int rows = random.nextInt(8);
        for (int i = 0; i < rows; i++) {
            byte[] id = text(String.valueOf(i + 1));
            byte[] mobile = text("1" + (3_000_000_000L + random.nextInt(1_000_000_000)));
            out.writeBytes(packet(
                    sequenceId++,
                    concat(new byte[] {(byte) id.length}, id, new byte[] {(byte) mobile.length}, mobile)));
        }
        out.writeBytes(packet(sequenceId, new byte[] {(byte) 0xFE, 0, 0, 2, 0}));
        return out.toByteArray();
    }

    private static byte[] columnDefinition(String name) {
        return concat(
                lengthEncoded("def"),
                lengthEncoded("custos_demo"),
                lengthEncoded("customer"),
                lengthEncoded("customer"),
                lengthEncoded(name),
                lengthEncoded(name),
                new byte[] {0x0C, 45, 0, 11, 0, 0, 0, (byte) 0xFD, 0, 0, 0, 0, 0});
    }

    private static byte[] lengthEncoded(String value) {
        byte[] bytes = text(value);
        return concat(new byte[] {(byte) bytes.length}, bytes);
    }

    private static byte[] packet(int sequenceId, byte[] payload) {
        return concat(
                new byte[] {
                    (byte) payload.length,
                    (byte) (payload.length >>> 8),
                    (byte) (payload.length >>> 16),
                    (byte) sequenceId
                },
                payload);
    }

    private static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
