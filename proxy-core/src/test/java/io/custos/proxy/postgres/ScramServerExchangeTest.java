package io.custos.proxy.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.exception.ScramParseException;
import io.custos.policy.ScramVerifier;
import java.security.SecureRandom;
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
    void exchange_channelBindingRequired_refused() {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.create("s3cret", RANDOM), true, RANDOM);

        assertThatThrownBy(() -> server.serverFirst("p=tls-server-end-point,,n=,r=abcdef"))
                .isInstanceOf(ScramParseException.class);
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
