package io.custos.proxy.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.MySqlNativeVerifier;
import io.custos.policy.ScramVerifier;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class MySqlAuthTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void nativeResponse_isAcceptedByTheNativeVerifier() {
        byte[] scramble = MySqlAuth.scramble(RANDOM);

        byte[] response = MySqlAuth.nativeResponse("synthetic-password", scramble);

        assertThat(MySqlNativeVerifier.create("synthetic-password").verify(scramble, response))
                .isTrue();
        assertThat(MySqlNativeVerifier.create("other-password").verify(scramble, response))
                .isFalse();
    }

    @Test
    void scramble_isPrintableWithoutDollarOrNul() {
        byte[] scramble = MySqlAuth.scramble(RANDOM);

        assertThat(scramble).hasSize(20);
        for (byte value : scramble) {
            assertThat((int) value).isBetween(0x21, 0x7E).isNotEqualTo((int) '$');
        }
    }

    @Test
    void encryptedPassword_decryptsWithTheGatewaysKey() throws Exception {
        KeyPair keys = MySqlAuth.newRsaKeyPair(RANDOM);
        byte[] scramble = MySqlAuth.scramble(RANDOM);
        String pem = MySqlAuth.pem(keys.getPublic());

        byte[] encrypted = MySqlAuth.encryptPassword(pem, "a longer synthetic password, 34 ch", scramble);

        assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
        assertThat(encrypted).hasSize(256);
        assertThat(MySqlAuth.decryptPassword(keys.getPrivate(), encrypted, scramble))
                .isEqualTo("a longer synthetic password, 34 ch");
        assertThat(MySqlAuth.decryptPassword(keys.getPrivate(), new byte[256], scramble))
                .isNull();
    }

    @Test
    void matches_checksThePasswordAgainstTheScramVerifier() {
        ScramVerifier verifier = ScramVerifier.create("synthetic-password", RANDOM);

        assertThat(MySqlAuth.matches(verifier, "synthetic-password")).isTrue();
        assertThat(MySqlAuth.matches(verifier, "synthetic-passwore")).isFalse();
    }

    @Test
    void cachingSha2Response_hasTheDigestLength() {
        assertThat(MySqlAuth.cachingSha2Response("pw", MySqlAuth.scramble(RANDOM)))
                .hasSize(32);
        assertThat(MySqlAuth.cachingSha2Response("", MySqlAuth.scramble(RANDOM)))
                .isEmpty();
    }
}
