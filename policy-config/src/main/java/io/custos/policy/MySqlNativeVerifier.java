package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A {@code mysql_native_password} verifier in MySQL's own text form: {@code *} and the upper-case hex of
 * SHA1(SHA1(password)). A MySQL client proves the password with SHA1(password) XOR SHA1(scramble + stage2), so the
 * server needs this stage-2 hash and nothing else. It is weaker than SCRAM (unsalted), which is why it is optional:
 * only users that must log in with mysql_native_password need it.
 */
public record MySqlNativeVerifier(byte[] stage2) {
    private static final Pattern FORMAT = Pattern.compile("\\*[0-9A-Fa-f]{40}");

    public MySqlNativeVerifier {
        requireNonNull(stage2, "stage2 is null");
        if (stage2.length != 20) {
            throw new IllegalArgumentException("stage2: " + stage2.length + " bytes (expected: 20)");
        }
        stage2 = stage2.clone();
    }

    public static MySqlNativeVerifier parse(String text) {
        String value = text.strip();
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "expected '*' and 40 hex digits (use 'custos policy hash-password --mysql-native')");
        }
        return new MySqlNativeVerifier(HexFormat.of().parseHex(value.substring(1)));
    }

    public static MySqlNativeVerifier create(String password) {
        return new MySqlNativeVerifier(sha1(sha1(password.getBytes(StandardCharsets.UTF_8))));
    }

    public String format() {
        return "*" + HexFormat.of().formatHex(stage2).toUpperCase(Locale.ROOT);
    }

    /**
     * Checks a client's scramble response: SHA1(password) = response XOR SHA1(scramble + stage2), and
     * SHA1(SHA1(password)) must equal stage2.
     */
    public boolean verify(byte[] scramble, byte[] response) {
        if (response.length != 20) {
            return false;
        }
        byte[] mix = sha1(concat(scramble, stage2));
        byte[] stage1 = new byte[20];
        for (int i = 0; i < stage1.length; i++) {
            stage1[i] = (byte) (response[i] ^ mix[i]);
        }
        return MessageDigest.isEqual(sha1(stage1), stage2);
    }

    @Override
    public byte[] stage2() {
        return stage2.clone();
    }

    @Override
    public String toString() {
        return "MySqlNativeVerifier[***]";
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] result = new byte[first.length + second.length];
        System.arraycopy(first, 0, result, 0, first.length);
        System.arraycopy(second, 0, result, first.length, second.length);
        return result;
    }

    private static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
    }
}
