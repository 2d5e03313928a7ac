package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A SCRAM-SHA-256 password verifier (RFC 5802, RFC 7677) in PostgreSQL's text form:
 * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}, each binary part in Base64.
 *
 * <p>The password itself is never kept. PBKDF2 and HMAC come from the JDK. Passwords are used as given (no SASLprep):
 * the demo and the tests use ASCII passwords, for which SASLprep is the identity.
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    public static final int DEFAULT_ITERATIONS = 4096;
    private static final int SALT_BYTES = 16;
    private static final Pattern FORMAT =
            Pattern.compile("SCRAM-SHA-256\\$(\\d{1,9}):([A-Za-z0-9+/=]+)\\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)");

    public ScramVerifier {
        if (iterations <= 0) {
            throw new IllegalArgumentException("iterations: " + iterations + " (expected: > 0)");
        }
        requireNonNull(salt, "salt is null");
        requireNonNull(storedKey, "storedKey is null");
        requireNonNull(serverKey, "serverKey is null");
        if (storedKey.length != 32 || serverKey.length != 32) {
            throw new IllegalArgumentException("SCRAM-SHA-256 keys must be 32 bytes");
        }
    }

    /** Parses the text form; throws {@link IllegalArgumentException} saying what is wrong. */
    public static ScramVerifier parse(String text) {
        Matcher matcher = FORMAT.matcher(text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException(
                    "expected 'SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>' (use 'custos policy hash-password')");
        }
        Base64.Decoder base64 = Base64.getDecoder();
        try {
            return new ScramVerifier(
                    Integer.parseInt(matcher.group(1)),
                    base64.decode(matcher.group(2)),
                    base64.decode(matcher.group(3)),
                    base64.decode(matcher.group(4)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed SCRAM verifier: " + e.getMessage(), e);
        }
    }

    /** A new verifier for {@code password}, with a random salt. */
    public static ScramVerifier create(String password, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return create(password, salt, DEFAULT_ITERATIONS);
    }

    public static ScramVerifier create(String password, byte[] salt, int iterations) {
        byte[] saltedPassword = saltedPassword(password, salt, iterations);
        byte[] clientKey = hmac(saltedPassword, "Client Key");
        return new ScramVerifier(iterations, salt.clone(), sha256(clientKey), hmac(saltedPassword, "Server Key"));
    }

    /** The text form, as stored in the policy file. */
    public String format() {
        Base64.Encoder base64 = Base64.getEncoder();
        return "SCRAM-SHA-256$" + iterations + ":" + base64.encodeToString(salt) + "$"
                + base64.encodeToString(storedKey) + ":" + base64.encodeToString(serverKey);
    }

    /**
     * Checks a client's proof: ClientKey = proof XOR HMAC(StoredKey, AuthMessage), and H(ClientKey) must equal
     * StoredKey. Constant time in the comparison.
     */
    public boolean verifyProof(byte[] clientProof, String authMessage) {
        if (clientProof.length != storedKey.length) {
            return false;
        }
        byte[] clientSignature = hmac(storedKey, authMessage);
        byte[] clientKey = new byte[clientProof.length];
        for (int i = 0; i < clientKey.length; i++) {
            clientKey[i] = (byte) (clientProof[i] ^ clientSignature[i]);
        }
        return MessageDigest.isEqual(sha256(clientKey), storedKey);
    }

    /** ServerSignature = HMAC(ServerKey, AuthMessage), sent back so the client can check the server. */
    public byte[] serverSignature(String authMessage) {
        return hmac(serverKey, authMessage);
    }

    @Override
    public String toString() {
        return "ScramVerifier[iterations=" + iterations + "]";
    }

    private static byte[] saltedPassword(String password, byte[] salt, int iterations) {
        try {
            SecretKeyFactory factory = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            return factory.generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256))
                    .getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        }
    }

    static byte[] hmac(byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
