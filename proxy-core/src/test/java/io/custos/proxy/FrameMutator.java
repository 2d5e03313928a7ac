package io.custos.proxy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of damaged protocol frames: from well-formed bytes, one to four mutations (a bit flipped, a byte
 * set to a value protocols give meaning to, bytes inserted, deleted or duplicated, the stream cut short, a frame's
 * length field rewritten). The same seed gives the same mutation, so a failure is reproduced from the seed printed.
 */
public final class FrameMutator {
    private static final byte[] INTERESTING = {
        0,
        1,
        3,
        4,
        5,
        0x7F,
        (byte) 0x80,
        (byte) 0xFB,
        (byte) 0xFE,
        (byte) 0xFF,
        'E',
        'Z',
        'D',
        'T',
        'C',
        'S',
        'Q',
        'P',
        'X',
        'd'
    };
    private static final int[] INTERESTING_LENGTHS = {0, 1, 3, 4, 5, 7, 8, 0xFF, 0xFFFF, 0xFFFFFF, 0x7FFFFFFF, -1};

    private FrameMutator() {}

    /** {@code input} damaged by one to four mutations drawn from {@code random}; the input is not changed. */
    public static byte[] mutate(byte[] input, Random random, boolean mysql) {
        byte[] bytes = input.clone();
        int mutations = 1 + random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            bytes = mutateOnce(bytes, random, mysql);
        }
        return bytes;
    }

    private static byte[] mutateOnce(byte[] bytes, Random random, boolean mysql) {
        if (bytes.length == 0) {
            return new byte[] {INTERESTING[random.nextInt(INTERESTING.length)]};
        }
        int at = random.nextInt(bytes.length);
        switch (random.nextInt(7)) {
            case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
            case 1 -> bytes[at] = INTERESTING[random.nextInt(INTERESTING.length)];
            case 2 -> {
                byte[] inserted = new byte[1 + random.nextInt(16)];
                random.nextBytes(inserted);
                return splice(bytes, at, 0, inserted);
            }
            case 3 -> {
                return splice(bytes, at, Math.min(bytes.length - at, 1 + random.nextInt(64)), new byte[0]);
            }
            case 4 -> {
                int length = Math.min(bytes.length - at, 1 + random.nextInt(64));
                return splice(bytes, at, 0, Arrays.copyOfRange(bytes, at, at + length));
            }
            case 5 -> {
                return Arrays.copyOf(bytes, at);
            }
            default -> rewriteLength(bytes, random, mysql);
        }
        return bytes;
    }

    /** Sets the length field of one frame of the stream to a boundary value or one off its true value. */
    private static void rewriteLength(byte[] bytes, Random random, boolean mysql) {
        List<Integer> frames = mysql ? mysqlFrames(bytes) : postgresFrames(bytes);
        if (frames.isEmpty()) {
            return;
        }
        int offset = frames.get(random.nextInt(frames.size()));
        int length = random.nextBoolean()
                ? INTERESTING_LENGTHS[random.nextInt(INTERESTING_LENGTHS.length)]
                : currentLength(bytes, offset, mysql) + (random.nextBoolean() ? 1 : -1);
        if (mysql) {
            bytes[offset] = (byte) length;
            bytes[offset + 1] = (byte) (length >>> 8);
            bytes[offset + 2] = (byte) (length >>> 16);
            return;
        }
        for (int i = 0; i < 4; i++) {
            bytes[offset + 1 + i] = (byte) (length >>> (24 - 8 * i));
        }
    }

    private static int currentLength(byte[] bytes, int offset, boolean mysql) {
        if (mysql) {
            return (bytes[offset] & 0xFF) | (bytes[offset + 1] & 0xFF) << 8 | (bytes[offset + 2] & 0xFF) << 16;
        }
        return (bytes[offset + 1] & 0xFF) << 24
                | (bytes[offset + 2] & 0xFF) << 16
                | (bytes[offset + 3] & 0xFF) << 8
                | (bytes[offset + 4] & 0xFF);
    }

    /** Offsets of the regular PostgreSQL messages ({@code Byte1 type, Int32 length}) the stream starts with. */
    public static List<Integer> postgresFrames(byte[] bytes) {
        List<Integer> offsets = new ArrayList<>();
        long offset = 0;
        while (offset + 5 <= bytes.length) {
            offsets.add((int) offset);
            int length = currentLength(bytes, (int) offset, false);
            if (length < 4) {
                break;
            }
            offset += 1L + length;
        }
        return offsets;
    }

    /** Offsets of the MySQL packets ({@code int<3> length, int<1> sequence id}) the stream starts with. */
    public static List<Integer> mysqlFrames(byte[] bytes) {
        List<Integer> offsets = new ArrayList<>();
        long offset = 0;
        while (offset + 4 <= bytes.length) {
            offsets.add((int) offset);
            offset += 4L + currentLength(bytes, (int) offset, true);
        }
        return offsets;
    }

    private static byte[] splice(byte[] bytes, int at, int removed, byte[] inserted) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + inserted.length);
        out.write(bytes, 0, at);
        out.write(inserted, 0, inserted.length);
        out.write(bytes, at + removed, bytes.length - at - removed);
        return out.toByteArray();
    }
}
