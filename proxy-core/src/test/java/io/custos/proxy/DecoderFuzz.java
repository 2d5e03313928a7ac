package io.custos.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Feeds damaged byte streams to a frame decoder in {@link EmbeddedChannel}s, once whole and once cut into random
 * pieces (single bytes among them), and compares: a decoder that depends on how the bytes arrive, or that lets any
 * exception but its own {@link CustosException} escape, fails. Every frame it passes on is described and released.
 */
public final class DecoderFuzz {
    private DecoderFuzz() {}

    /**
     * What a decoder made of a stream.
     *
     * @param frames the frames passed on, described
     * @param error the CustosException's code and message that ended decoding, or {@code null}
     * @param framedBytes the bytes of the stream the frames covered
     */
    public record Outcome(List<String> frames, String error, long framedBytes) {}

    /** Decodes {@code bytes} written at once; {@code describe} gives a describer for one stream's frames, in order. */
    public static Outcome whole(
            Supplier<ChannelHandler> decoder, byte[] bytes, Supplier<Function<Object, Frame>> describe) {
        return decode(decoder, List.of(bytes), describe.get());
    }

    /** Decodes {@code bytes} written in random pieces of 1 to 64 bytes, or single bytes throughout. */
    public static Outcome inPieces(
            Supplier<ChannelHandler> decoder, byte[] bytes, Supplier<Function<Object, Frame>> describe, Random random) {
        boolean byteByByte = random.nextInt(4) == 0;
        List<byte[]> pieces = new ArrayList<>();
        int offset = 0;
        while (offset < bytes.length) {
            int length = Math.min(bytes.length - offset, byteByByte ? 1 : 1 + random.nextInt(64));
            byte[] piece = new byte[length];
            System.arraycopy(bytes, offset, piece, 0, length);
            pieces.add(piece);
            offset += length;
        }
        return decode(decoder, pieces, describe.get());
    }

    /** A frame passed on: how it reads, and how many bytes of the stream it stands for. */
    public record Frame(String description, long wireBytes) {}

    private static Outcome decode(
            Supplier<ChannelHandler> decoder, List<byte[]> pieces, Function<Object, Frame> describe) {
        EmbeddedChannel channel = new EmbeddedChannel(decoder.get());
        List<String> frames = new ArrayList<>();
        long framedBytes = 0;
        String error = null;
        try {
            for (byte[] piece : pieces) {
                try {
                    channel.writeInbound(Unpooled.wrappedBuffer(piece));
                } catch (DecoderException e) {
                    assertThat(e.getCause())
                            .as("the only exception a decoder may raise")
                            .isInstanceOf(CustosException.class);
                    CustosException custos = (CustosException) e.getCause();
                    error = custos.code() + ": " + custos.getMessage();
                }
                for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
                    try {
                        Frame frame = describe.apply(message);
                        frames.add(frame.description());
                        framedBytes += frame.wireBytes();
                    } finally {
                        ReferenceCountUtil.release(message);
                    }
                }
                if (error != null) {
                    break;
                }
            }
        } finally {
            finish(channel, error != null);
        }
        return new Outcome(frames, error, framedBytes);
    }

    /**
     * Closes the channel and releases what it holds. Closing decodes what is left once more, which raises the same
     * error again after one; without one before, it may raise nothing.
     */
    private static void finish(EmbeddedChannel channel, boolean failed) {
        try {
            channel.finishAndReleaseAll();
        } catch (DecoderException e) {
            if (!failed) {
                throw e;
            }
        }
    }

    /** Describes a buffer's bytes briefly: length and a hash of the content. */
    public static String digest(ByteBuf buffer) {
        int hash = 1;
        for (int i = buffer.readerIndex(); i < buffer.writerIndex(); i++) {
            hash = 31 * hash + buffer.getByte(i);
        }
        return buffer.readableBytes() + "#" + Integer.toHexString(hash);
    }
}
