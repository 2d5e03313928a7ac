package io.custos.proxy.audit;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The hash chain that seals the audit trail. Each line is a JSON object whose first field is {@code "seq"} (its
 * position in the whole trail, from 1, across files and restarts) and whose last field is {@code "mac"}:
 *
 * <pre>
 * {"seq":41,"time":"…","event":"statement",…,"mac":"3f9c…"}
 * mac(41) = HMAC-SHA-256(key, mac(40) ‖ UTF-8 bytes of the line up to, not including, ,"mac":")
 * mac(0)  = 32 zero bytes
 * </pre>
 *
 * The MAC covers the exact bytes of the line, so no canonical form is needed, and chains each line to the one before
 * it: editing, removing, inserting or reordering a line breaks the chain at that line, and only a holder of the key
 * can seal a replacement. The first line of every file is a {@code file_start} record that repeats the previous
 * line's seq and MAC in the clear (sealed like any other), so each file can be checked on its own and a missing file
 * shows as a gap in seq between two files.
 *
 * <p>Not thread-safe: one writer owns an instance.
 */
public final class AuditChain {
    /** The MAC the first line of a trail links to. */
    public static final byte[] GENESIS = new byte[32];

    static final String MAC_FIELD = ",\"mac\":\"";
    private static final int MIN_KEY_BYTES = 16;
    private static final HexFormat HEX = HexFormat.of();

    private final Mac hmac;
    private long seq;
    private byte[] last;

    /** A chain continuing after the line numbered {@code seq} whose MAC was {@code last}. */
    public AuditChain(byte[] key, long seq, byte[] last) {
        this.hmac = hmac(key);
        this.seq = seq;
        this.last = last.clone();
    }

    /**
     * The key bytes from the text of an environment variable or key file: the UTF-8 bytes of the text, which must
     * hold at least {@value #MIN_KEY_BYTES} bytes.
     *
     * @throws IllegalArgumentException if the key is shorter
     */
    public static byte[] keyBytes(String text, String source) {
        byte[] bytes = text.strip().getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("The audit key from " + source + " is " + bytes.length
                    + " bytes long (expected: at least " + MIN_KEY_BYTES
                    + "; create one with 'custos audit new-key')");
        }
        return bytes;
    }

    /** The seq of the line sealed last. */
    public long seq() {
        return seq;
    }

    /** The MAC of the line sealed last. */
    public byte[] last() {
        return last.clone();
    }

    /** The seq the next line must carry. */
    long nextSeq() {
        return seq + 1;
    }

    /**
     * Seals the next line, whose UTF-8 bytes up to the MAC field are {@code length} bytes of {@code bytes} from
     * {@code offset}; returns the MAC in hex.
     */
    String seal(byte[] bytes, int offset, int length) {
        hmac.update(last);
        hmac.update(bytes, offset, length);
        last = hmac.doFinal();
        seq++;
        return HEX.formatHex(last);
    }

    /** The MAC of a line whose bytes before the MAC field are {@code prefix}, given the MAC of the line before. */
    public byte[] macOf(byte[] previous, byte[] prefix) {
        hmac.update(previous);
        hmac.update(prefix);
        return hmac.doFinal();
    }

    /** Whether {@code hex} is the hex form of {@code mac}, compared in constant time. */
    public static boolean matches(byte[] mac, String hex) {
        byte[] given;
        try {
            given = HEX.parseHex(hex);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac, given);
    }

    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    public static byte[] unhex(String hex) {
        return HEX.parseHex(hex);
    }

    /**
     * Splits a line into the part the MAC covers and the MAC's hex text; null when the line does not end with a MAC
     * field.
     */
    public static Sealed split(String line) {
        requireNonNull(line, "line is null");
        int at = line.lastIndexOf(MAC_FIELD);
        if (at < 0 || !line.endsWith("\"}")) {
            return null;
        }
        String mac = line.substring(at + MAC_FIELD.length(), line.length() - 2);
        return new Sealed(line.substring(0, at).getBytes(StandardCharsets.UTF_8), mac);
    }

    /** A line's covered bytes and its MAC. */
    public record Sealed(byte[] prefix, String mac) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Sealed sealed && Arrays.equals(prefix, sealed.prefix) && mac.equals(sealed.mac);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(prefix) + mac.hashCode();
        }

        @Override
        public String toString() {
            return "Sealed[mac=" + mac + "]";
        }
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA-256 is not available", e);
        }
    }
}
