package io.custos.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class MySqlNativeVerifierTest {
    @Test
    void create_matchesMySqlPasswordFunction() {
        // The well-known output of MySQL's PASSWORD('password').
        assertThat(MySqlNativeVerifier.create("password").format())
                .isEqualTo("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
    }

    @Test
    void parse_roundTrips() {
        String text = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19";

        assertThat(MySqlNativeVerifier.parse(text).format()).isEqualTo(text);
    }

    @Test
    void parse_rejectsOtherForms() {
        assertThatThrownBy(() -> MySqlNativeVerifier.parse("password"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("password'");
        assertThatThrownBy(() -> MySqlNativeVerifier.parse("*2470C0C06DEE42FD"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void verify_clientScrambleResponse() throws Exception {
        byte[] scramble = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        MySqlNativeVerifier verifier = MySqlNativeVerifier.create("custos-demo");

        assertThat(verifier.verify(scramble, clientResponse("custos-demo", scramble)))
                .isTrue();
        assertThat(verifier.verify(scramble, clientResponse("custos-demO", scramble)))
                .isFalse();
        assertThat(verifier.verify(scramble, new byte[0])).isFalse();
    }

    /** What a MySQL client sends: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))). */
    private static byte[] clientResponse(String password, byte[] scramble) throws Exception {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        byte[] stage1 = sha1.digest(password.getBytes(StandardCharsets.UTF_8));
        byte[] stage2 = sha1.digest(stage1);
        sha1.update(scramble);
        sha1.update(stage2);
        byte[] mix = sha1.digest();
        byte[] response = new byte[20];
        for (int i = 0; i < response.length; i++) {
            response[i] = (byte) (stage1[i] ^ mix[i]);
        }
        return response;
    }
}
