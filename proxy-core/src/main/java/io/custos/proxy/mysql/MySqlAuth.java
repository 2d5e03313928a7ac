package io.custos.proxy.mysql;

import io.custos.policy.ScramVerifier;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;

/**
 * The cryptography of MySQL's password plugins, both for checking clients and for logging in to the backend.
 *
 * <p>{@code mysql_native_password}: the client sends {@code SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password)))}.
 * {@code caching_sha2_password}: the fast path sends {@code SHA256(password) XOR SHA256(SHA256(SHA256(password)) +
 * scramble)}; the full path without TLS sends {@code (password + NUL) XOR scramble} (the scramble repeated as needed)
 * encrypted with RSA-OAEP (SHA-1, MGF1) under the server's public key.
 *
 * @see <a href="https://mariadb.com/kb/en/connection/#authentication-plugins">Authentication plugins</a>
 */
final class MySqlAuth {
    static final int SCRAMBLE_BYTES = 20;
    static final int RSA_KEY_BITS = 2048;
    private static final String RSA_OAEP = "RSA/ECB/OAEPWithSHA-1AndMGF1Padding";

    private MySqlAuth() {}

    /** A new scramble: printable ASCII without '$' or NUL, as servers send it, since some clients read it as text. */
    static byte[] scramble(SecureRandom random) {
        byte[] scramble = new byte[SCRAMBLE_BYTES];
        for (int i = 0; i < scramble.length; i++) {
            int value;
            do {
                value = 0x21 + random.nextInt(0x7E - 0x21 + 1);
            } while (value == '$');
            scramble[i] = (byte) value;
        }
        return scramble;
    }

    static byte[] nativeResponse(String password, byte[] scramble) {
        if (password.isEmpty()) {
            return new byte[0];
        }
        byte[] stage1 = digest("SHA-1", password.getBytes(StandardCharsets.UTF_8));
        byte[] stage2 = digest("SHA-1", stage1);
        return xor(stage1, digest("SHA-1", concat(scramble, stage2)));
    }

    static byte[] cachingSha2Response(String password, byte[] scramble) {
        if (password.isEmpty()) {
            return new byte[0];
        }
        byte[] first = digest("SHA-256", password.getBytes(StandardCharsets.UTF_8));
        byte[] second = digest("SHA-256", first);
        return xor(first, digest("SHA-256", concat(second, scramble)));
    }

    /** {@code (password + NUL) XOR scramble}, the scramble repeated over the password's length. */
    static byte[] xorWithScramble(byte[] data, byte[] scramble) {
        byte[] result = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            result[i] = (byte) (data[i] ^ scramble[i % scramble.length]);
        }
        return result;
    }

    /** The password a caching_sha2_password client sent encrypted, or {@code null} when it cannot be decrypted. */
    static String decryptPassword(PrivateKey key, byte[] encrypted, byte[] scramble) {
        byte[] plain;
        try {
            Cipher cipher = Cipher.getInstance(RSA_OAEP);
            cipher.init(Cipher.DECRYPT_MODE, key);
            plain = xorWithScramble(cipher.doFinal(encrypted), scramble);
        } catch (GeneralSecurityException e) {
            return null;
        }
        int end = plain.length;
        if (end > 0 && plain[end - 1] == 0) {
            end--;
        }
        String password = new String(plain, 0, end, StandardCharsets.UTF_8);
        Arrays.fill(plain, (byte) 0);
        return password;
    }

    /** The full-path answer to a caching_sha2_password server: the password encrypted with its PEM public key. */
    static byte[] encryptPassword(String pem, String password, byte[] scramble) throws GeneralSecurityException {
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PublicKey key = KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        byte[] plain = (password + "\0").getBytes(StandardCharsets.UTF_8);
        Cipher cipher = Cipher.getInstance(RSA_OAEP);
        cipher.init(Cipher.ENCRYPT_MODE, key);
        return cipher.doFinal(xorWithScramble(plain, scramble));
    }

    /** Whether {@code password} is the one the SCRAM verifier was made from; constant time in the comparison. */
    static boolean matches(ScramVerifier verifier, String password) {
        ScramVerifier candidate = ScramVerifier.create(password, verifier.salt(), verifier.iterations());
        boolean stored = MessageDigest.isEqual(candidate.storedKey(), verifier.storedKey());
        boolean server = MessageDigest.isEqual(candidate.serverKey(), verifier.serverKey());
        return stored & server;
    }

    static KeyPair newRsaKeyPair(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(RSA_KEY_BITS, random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is not available", e);
        }
    }

    /** The public key as PEM (X.509 SubjectPublicKeyInfo), the form caching_sha2_password clients expect. */
    static String pem(PublicKey key) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    private static byte[] xor(byte[] left, byte[] right) {
        byte[] result = new byte[left.length];
        for (int i = 0; i < left.length; i++) {
            result[i] = (byte) (left[i] ^ right[i]);
        }
        return result;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] result = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, result, first.length, second.length);
        return result;
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is not available", e);
        }
    }
}
