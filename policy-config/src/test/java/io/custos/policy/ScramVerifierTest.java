package io.custos.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramVerifierTest {
    private static final String CLIENT_NONCE = "fQ3vTzK0pLq9Xw2N8mRc";
    private static final String SERVER_NONCE = CLIENT_NONCE + "Hs7uJd1YbE5oGk4WaZ0t";

    @Test
    void create_verifiesProofComputedPerRfc5802() throws Exception {
        ScramVerifier verifier = ScramVerifier.create("custos-demo", new SecureRandom());
        String authMessage = authMessage(verifier);
        Client client = new Client("custos-demo", verifier.salt(), verifier.iterations());

        assertThat(verifier.verifyProof(client.proof(authMessage), authMessage)).isTrue();
        assertThat(verifier.serverSignature(authMessage)).isEqualTo(client.expectedServerSignature(authMessage));
    }

    @Test
    void verifyProof_wrongPassword_fails() throws Exception {
        ScramVerifier verifier = ScramVerifier.create("custos-demo", new SecureRandom());
        String authMessage = authMessage(verifier);
        Client client = new Client("custos-dem0", verifier.salt(), verifier.iterations());

        assertThat(verifier.verifyProof(client.proof(authMessage), authMessage)).isFalse();
    }

    @Test
    void verifyProof_proofForOtherExchange_fails() throws Exception {
        ScramVerifier verifier = ScramVerifier.create("custos-demo", new SecureRandom());
        Client client = new Client("custos-demo", verifier.salt(), verifier.iterations());
        byte[] proof = client.proof(authMessage(verifier));

        assertThat(verifier.verifyProof(proof, authMessage(verifier).replace(SERVER_NONCE, SERVER_NONCE + "x")))
                .isFalse();
        assertThat(verifier.verifyProof(new byte[16], authMessage(verifier))).isFalse();
    }

    @Test
    void create_formatParsesBack() {
        ScramVerifier verifier = ScramVerifier.create("custos-demo", new SecureRandom());

        ScramVerifier parsed = ScramVerifier.parse(verifier.format());

        assertThat(parsed.format()).isEqualTo(verifier.format());
        assertThat(parsed.iterations()).isEqualTo(ScramVerifier.DEFAULT_ITERATIONS);
        assertThat(parsed.salt()).isEqualTo(verifier.salt());
        assertThat(parsed.storedKey()).isEqualTo(verifier.storedKey());
        assertThat(parsed.serverKey()).isEqualTo(verifier.serverKey());
    }

    @Test
    void parse_postgresqlVerifierForm() {
        // The form of pg_authid.rolpassword: made-up salt and keys, bytes 0..15, 0..31 and 32..63.
        String text = "SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw=="
                + "$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

        ScramVerifier verifier = ScramVerifier.parse(text);

        assertThat(verifier.iterations()).isEqualTo(4096);
        assertThat(verifier.salt()).isEqualTo(sequence(0, 16));
        assertThat(verifier.storedKey()).isEqualTo(sequence(0, 32));
        assertThat(verifier.serverKey()).isEqualTo(sequence(32, 32));
        assertThat(verifier.format()).isEqualTo(text);
        assertThat(verifier.toString()).doesNotContain("AAEC");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "custos-demo",
                "md5a3556571e93b0d20722ba62be61e8c2d",
                "SCRAM-SHA-1$4096:AAECAwQFBgcICQoLDA0ODw==$AAECAwQFBgcICQoLDA0ODxAREhM=:AAECAwQFBgcICQoLDA0ODxAREhM=",
                "SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw==$AAECAwQFBgcICQoLDA0ODxAREhM=:AAECAwQFBgcICQoLDA0ODxAREhM=",
                "SCRAM-SHA-256$0:AAECAwQFBgcICQoLDA0ODw==$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
                        + ":ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
                "SCRAM-SHA-256$4096:A=A=$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
                        + ":ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
            })
    void parse_malformed_throws(String text) {
        assertThatThrownBy(() -> ScramVerifier.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String authMessage(ScramVerifier verifier) {
        String clientFirstBare = "n=,r=" + CLIENT_NONCE;
        String serverFirst = "r=" + SERVER_NONCE + ",s=" + Base64.getEncoder().encodeToString(verifier.salt()) + ",i="
                + verifier.iterations();
        String clientFinalWithoutProof = "c=biws,r=" + SERVER_NONCE;
        return clientFirstBare + "," + serverFirst + "," + clientFinalWithoutProof;
    }

    private static byte[] sequence(int first, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (first + i);
        }
        return bytes;
    }

    /** The client side of RFC 5802 section 3, written from the formulas, independent of the verifier's code. */
    private record Client(byte[] saltedPassword) {
        Client(String password, byte[] salt, int iterations) throws Exception {
            this(hi(password.getBytes(StandardCharsets.UTF_8), salt, iterations));
        }

        byte[] proof(String authMessage) throws Exception {
            byte[] clientKey = hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.UTF_8));
            byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
            byte[] clientSignature = hmac(storedKey, authMessage.getBytes(StandardCharsets.UTF_8));
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) {
                proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
            }
            return proof;
        }

        byte[] expectedServerSignature(String authMessage) throws Exception {
            byte[] serverKey = hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.UTF_8));
            return hmac(serverKey, authMessage.getBytes(StandardCharsets.UTF_8));
        }

        /** Hi(str, salt, i) = U1 XOR U2 XOR ... XOR Ui, U1 = HMAC(str, salt + INT(1)), Un = HMAC(str, Un-1). */
        private static byte[] hi(byte[] password, byte[] salt, int iterations) throws Exception {
            byte[] previous = hmac(
                    password,
                    ByteBuffer.allocate(salt.length + 4).put(salt).putInt(1).array());
            byte[] result = previous.clone();
            for (int n = 2; n <= iterations; n++) {
                previous = hmac(password, previous);
                for (int i = 0; i < result.length; i++) {
                    result[i] ^= previous[i];
                }
            }
            return result;
        }

        private static byte[] hmac(byte[] key, byte[] message) throws Exception {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        }
    }
}
