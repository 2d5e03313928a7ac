package io.custos.proxy.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.proxy.DecoderFuzz;
import io.custos.proxy.FrameMutator;
import io.custos.proxy.LeakWatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL frame decoder, both directions, fed damaged streams from a seeded generator: well-formed client
 * streams (SSLRequest, StartupMessage, Query, Parse, Bind, Describe, Execute, Sync, Close, CopyData, Terminate) and
 * server streams (authentication, parameters, row descriptions, data rows, completions, errors), each mutated. The
 * decoder must raise nothing but its own protocol errors, cut the same frames whether the bytes come at once or a few
 * at a time, pass on only whole frames no larger than its limit, never sit on a whole frame, and leak no buffer
 * (Netty's leak detector at paranoid).
 */
class PostgresDecoderFuzzTest {
    private static final long SEED = 0x5EED_0007L;
    private static final int ITERATIONS = 1_500;
    private static final int MAX_MESSAGE_BYTES = 1 << 16;

    @Test
    void clientDecoder_mutatedStreams_onlyProtocolErrorsAndTheSameFramesHoweverSplit() {
        fuzz("client", () -> PostgresFrameDecoder.forClient(MAX_MESSAGE_BYTES), this::clientStream, true);
    }

    @Test
    void serverDecoder_mutatedStreams_onlyProtocolErrorsAndTheSameFramesHoweverSplit() {
        fuzz("server", () -> PostgresFrameDecoder.forServer(MAX_MESSAGE_BYTES), this::serverStream, false);
    }

    private interface Generator {
        byte[] stream(Random random);
    }

    private void fuzz(String side, Supplier<ChannelHandler> decoder, Generator generator, boolean client) {
        Random random = new Random(SEED + (client ? 0 : 1));
        int errors = 0;
        int frames = 0;
        try (LeakWatch leaks = LeakWatch.start()) {
            for (int i = 0; i < ITERATIONS; i++) {
                byte[] stream = FrameMutator.mutate(generator.stream(random), random, false);
                Supplier<Function<Object, DecoderFuzz.Frame>> describer = () -> new Describer(client);
                DecoderFuzz.Outcome whole = DecoderFuzz.whole(decoder, stream, describer);
                DecoderFuzz.Outcome pieces = DecoderFuzz.inPieces(decoder, stream, describer, random);
                String context = side + " iteration " + i + " of seed " + SEED + ", stream "
                        + ByteBufUtil.hexDump(stream, 0, Math.min(stream.length, 96));

                assertThat(pieces).as(context).isEqualTo(whole);
                assertThat(whole.framedBytes()).as(context).isLessThanOrEqualTo(stream.length);
                if (whole.error() == null) {
                    assertNoWholeFrameLeft(stream, whole, client, context);
                } else {
                    errors++;
                }
                frames += whole.frames().size();
            }
            assertThat(leaks.leaks()).as("leaked buffers").isEmpty();
        }
        System.out.printf(
                "PostgreSQL %s decoder fuzz: %d iterations, seed %d, %d frames, %d protocol errors%n",
                side, ITERATIONS, SEED, frames, errors);
        assertThat(errors).as("mutations the decoder refused").isPositive();
    }

    /** With no error, the bytes after the last frame are a frame still arriving, never a whole one. */
    private static void assertNoWholeFrameLeft(
            byte[] stream, DecoderFuzz.Outcome outcome, boolean client, String context) {
        int left = (int) (stream.length - outcome.framedBytes());
        ByteBuffer tail = ByteBuffer.wrap(stream, (int) outcome.framedBytes(), left);
        boolean startupPhase = client
                && outcome.frames().stream()
                        .noneMatch(frame -> frame.startsWith("startup:") && !isEncryptionRequest(frame));
        if (startupPhase) {
            assertThat(left < 4 || left < tail.getInt(tail.position()))
                    .as(context)
                    .isTrue();
            return;
        }
        assertThat(left < 5 || left < 1 + tail.getInt(tail.position() + 1))
                .as(context)
                .isTrue();
    }

    private static boolean isEncryptionRequest(String frame) {
        return frame.startsWith("startup:" + PostgresFrameDecoder.SSL_REQUEST_CODE + "/")
                || frame.startsWith("startup:" + PostgresFrameDecoder.GSSENC_REQUEST_CODE + "/");
    }

    /** Describes one stream's frames in order: on the client side, startup-form frames until the StartupMessage. */
    private static final class Describer implements Function<Object, DecoderFuzz.Frame> {
        private boolean startupPhase;

        Describer(boolean client) {
            this.startupPhase = client;
        }

        @Override
        public DecoderFuzz.Frame apply(Object message) {
            ByteBuf frame = (ByteBuf) message;
            int length = frame.readableBytes();
            if (startupPhase) {
                assertThat(frame.getInt(frame.readerIndex()))
                        .as("a startup frame is exactly as long as its length says")
                        .isEqualTo(length);
                int code = frame.getInt(frame.readerIndex() + 4);
                String description = "startup:" + code + "/" + DecoderFuzz.digest(frame);
                startupPhase = isEncryptionRequest(description);
                return new DecoderFuzz.Frame(description, length);
            }
            assertThat(length).as("a regular frame holds type and length").isGreaterThanOrEqualTo(5);
            assertThat(frame.getInt(frame.readerIndex() + 1))
                    .as("a frame is exactly as long as its length says")
                    .isEqualTo(length - 1);
            assertThat(length - 1).isLessThanOrEqualTo(MAX_MESSAGE_BYTES);
            return new DecoderFuzz.Frame(
                    (char) frame.getByte(frame.readerIndex()) + "/" + DecoderFuzz.digest(frame), length);
        }
    }

    // ---- well-formed streams

    private byte[] clientStream(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (random.nextInt(4) == 0) {
            out.writeBytes(ByteBuffer.allocate(8)
                    .putInt(8)
                    .putInt(PostgresFrameDecoder.SSL_REQUEST_CODE)
                    .array());
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "staff");
        parameters.put("database", "custos_demo");
        if (random.nextBoolean()) {
            parameters.put("application_name", "fuzz-" + random.nextInt(1000));
        }
        out.writeBytes(bytes(PostgresMessages.startupMessage(ByteBufAllocator.DEFAULT, parameters)));
        int messages = 1 + random.nextInt(6);
        for (int i = 0; i < messages; i++) {
            out.writeBytes(clientMessage(random));
        }
        return out.toByteArray();
    }

    private static byte[] clientMessage(Random random) {
        String sql = random.nextBoolean() ? "SELECT id, mobile FROM customer WHERE id = $1" : "SELECT 1";
        return switch (random.nextInt(10)) {
            case 0 -> frame('Q', cString(sql));
            case 1 -> frame(
                    'P', concat(cString("s" + random.nextInt(3)), cString(sql), new byte[] {0, 1, 0, 0, 0, 23}));
            case 2 -> frame('B', concat(cString(""), cString("s1"), new byte[] {0, 0, 0, 1, 0, 0, 0, 1, '7', 0, 0}));
            case 3 -> frame('D', concat(new byte[] {'S'}, cString("s1")));
            case 4 -> frame('E', concat(cString(""), new byte[] {0, 0, 0, 0}));
            case 5 -> frame('S', new byte[0]);
            case 6 -> frame('C', concat(new byte[] {'P'}, cString("")));
            case 7 -> frame('d', "1,2\n".getBytes(StandardCharsets.UTF_8));
            case 8 -> frame('H', new byte[0]);
            default -> frame('X', new byte[0]);
        };
    }

    private byte[] serverStream(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int messages = 1 + random.nextInt(12);
        for (int i = 0; i < messages; i++) {
            out.writeBytes(serverMessage(random));
        }
        return out.toByteArray();
    }

    private static byte[] serverMessage(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> frame('R', new byte[] {0, 0, 0, 0});
            case 1 -> frame('S', concat(cString("client_encoding"), cString("UTF8")));
            case 2 -> frame('K', new byte[] {0, 0, 0, 42, 1, 2, 3, 4});
            case 3 -> frame('T', rowDescription());
            case 4, 5, 6 -> frame('D', dataRow(random));
            case 7 -> frame('C', cString("SELECT " + random.nextInt(100)));
            case 8 -> frame(
                    'E', concat(cString("SERROR"), cString("C42601"), cString("Msyntax error"), new byte[] {0}));
            default -> frame('Z', new byte[] {'I'});
        };
    }

    private static byte[] rowDescription() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, 1});
        out.writeBytes(cString("mobile"));
        out.writeBytes(ByteBuffer.allocate(18)
                .putInt(16384)
                .putShort((short) 4)
                .putInt(1043)
                .putShort((short) -1)
                .putInt(15)
                .putShort((short) 0)
                .array());
        return out.toByteArray();
    }

    private static byte[] dataRow(Random random) {
        int columns = random.nextInt(4);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, (byte) columns});
        for (int i = 0; i < columns; i++) {
            if (random.nextInt(5) == 0) {
                out.writeBytes(new byte[] {-1, -1, -1, -1});
                continue;
            }
            byte[] value = ("1" + random.nextInt(1_000_000)).getBytes(StandardCharsets.US_ASCII);
            out.writeBytes(ByteBuffer.allocate(4).putInt(value.length).array());
            out.writeBytes(value);
        }
        return out.toByteArray();
    }

    static byte[] frame(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length)
                .put((byte) type)
                .putInt(4 + body.length)
                .put(body)
                .array();
    }

    static byte[] cString(String text) {
        return concat(text.getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(ByteBuf buffer) {
        try {
            return ByteBufUtil.getBytes(buffer);
        } finally {
            buffer.release();
        }
    }
}
