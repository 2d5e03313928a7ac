package io.custos.proxy.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.exception.ScramParseException;
import io.custos.policy.ScramVerifier;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the server side against the SCRAM client library pgjdbc itself uses. */
class ScramServerExchangeTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void exchange_rightPassword_serverSignatureAccepted() throws Exception {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.create("s3cret", RANDOM), true, RANDOM);
        ScramClient client = client("s3cret");

        String serverFirst = server.serverFirst(client.clientFirstMessage().toString());
        client.serverFirstMessage(serverFirst);
        String serverFinal = server.serverFinal(client.clientFinalMessage().toString());

        assertThat(serverFinal).startsWith("v=");
        client.serverFinalMessage(serverFinal);
    }

    @Test
    void exchange_wrongPassword_refused() throws Exception {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.create("s3cret", RANDOM), true, RANDOM);
        ScramClient client = client("guess");

        client.serverFirstMessage(server.serverFirst(client.clientFirstMessage().toString()));

        assertThat(server.serverFinal(client.clientFinalMessage().toString())).isNull();
    }

    @Test
    void exchange_decoyUser_refusedEvenWithMatchingProof() throws Exception {
        ScramVerifier decoy = ScramServerExchange.decoy("nobody", new byte[32]);
        ScramServerExchange server = new ScramServerExchange(decoy, false, RANDOM);
        ScramClient client = client("anything");

        client.serverFirstMessage(server.serverFirst(client.clientFirstMessage().toString()));

        assertThat(server.serverFinal(client.clientFinalMessage().toString())).isNull();
    }

    @Test
    void exchange_decoySalt_stablePerUser() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);

        assertThat(ScramServerExchange.decoy("alice", secret).salt())
                .isEqualTo(ScramServerExchange.decoy("alice", secret).salt())
                .isNotEqualTo(ScramServerExchange.decoy("bob", secret).salt());
    }

    @Test
    void exchange_bindingWithPlainMechanism_refused() {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.create("s3cret", RANDOM), true, RANDOM);

        assertThatThrownBy(() -> server.serverFirst("p=tls-server-end-point,,n=,r=abcdef"))
                .isInstanceOf(ScramParseException.class);
    }

    @Test
    void exchangePlus_boundToTheGatewaysCertificate_accepted() throws Exception {
        byte[] endPoint = bytes(32, 7);
        ScramServerExchange server =
                new ScramServerExchange(ScramVerifier.create("s3cret", RANDOM), true, RANDOM, endPoint);
        ScramClient client = plusClient("s3cret", endPoint);

        assertThat(client.getScramMechanism().getName()).isEqualTo(ScramServerExchange.MECHANISM_PLUS);
        client.serverFirstMessage(server.serverFirst(client.clientFirstMessage().toString(), true));
        String serverFinal = server.serverFinal(client.clientFinalMessage().toString());

        assertThat(serverFinal).startsWith("v=");
        client.serverFinalMessage(serverFinal);
    }

    @Test
    void exchangePlus_boundToAnotherCertificate_refused() throws Exception {
        ScramServerExchange server =
                new ScramServerExchange(ScramVerifier.create("s3cret", RANDOM), true, RANDOM, bytes(32, 7));
        // What a relaying man in the middle gets: the client bound to the certificate it saw, not the gateway's.
        ScramClient client = plusClient("s3cret", bytes(32, 9));

        client.serverFirstMessage(server.serverFirst(client.clientFirstMessage().toString(), true));

        assertThatThrownBy(() -> server.serverFinal(client.clientFinalMessage().toString()))
                .isInstanceOf(ScramParseException.class)
                .hasMessageContaining("channel binding check failed");
    }

    @Test
    void exchange_clientSupportsBindingButServerOfferedIt_refusedAsDowngrade() {
        ScramServerExchange server =
                new ScramServerExchange(ScramVerifier.create("s3cret", RANDOM), true, RANDOM, bytes(32, 7));

        assertThatThrownBy(() -> server.serverFirst("y,,n=,r=abcdef", false))
                .isInstanceOf(ScramParseException.class)
                .hasMessageContaining("negotiation error");
    }

    @Test
    void exchange_bindingAttributeForgedWithoutTls_refused() throws Exception {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.create("s3cret", RANDOM), true, RANDOM);
        ScramClient client = client("s3cret");
        client.serverFirstMessage(server.serverFirst(client.clientFirstMessage().toString()));
        String clientFinal = client.clientFinalMessage().toString();

        // c=biws is base64("n,,"); anything else does not match the GS2 header the client sent.
        assertThatThrownBy(() -> server.serverFinal(clientFinal.replace("c=biws", "c=eSws")))
                .isInstanceOf(ScramParseException.class);
    }

    private static ScramClient plusClient(String password, byte[] endPoint) {
        return ScramClient.builder()
                .advertisedMechanisms(List.of(ScramServerExchange.MECHANISM_PLUS, ScramServerExchange.MECHANISM))
                .username("*")
                .password(password.toCharArray())
                .channelBinding(ScramServerExchange.BINDING_TYPE, endPoint)
                .build();
    }

    private static byte[] bytes(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void exchange_finalBeforeFirst_refused() {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.create("s3cret", RANDOM), true, RANDOM);

        assertThatThrownBy(() -> server.serverFinal("c=biws,r=abc,p=AAAA")).isInstanceOf(ScramParseException.class);
    }

    private static ScramClient client(String password) {
        return ScramClient.builder()
                .advertisedMechanisms(List.of("SCRAM-SHA-256"))
                .username("*")
                .password(password.toCharArray())
                .build();
    }
}
