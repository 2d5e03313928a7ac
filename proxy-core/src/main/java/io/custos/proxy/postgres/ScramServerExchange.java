package io.custos.proxy.postgres;

import com.ongres.scram.common.exception.ScramParseException;
import io.custos.policy.ScramVerifier;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677, as PostgreSQL runs it over SASL messages).
 *
 * <p>PostgreSQL ignores the user name inside the SCRAM messages and uses the StartupMessage's. When the user is unknown
 * or disabled the exchange still runs to its end against a made-up verifier, so a client learns only "authentication
 * failed", never which of the three it was. Channel binding is not offered (no TLS yet): a client that demands it
 * ({@code p=} flag) is refused.
 */
final class ScramServerExchange {
    static final String MECHANISM = "SCRAM-SHA-256";
    private static final int NONCE_BYTES = 18;

    private final ScramVerifier verifier;
    private final boolean genuine;
    private final SecureRandom random;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;

    /**
     * @param verifier the user's verifier, or a made-up one when the user is unknown or disabled
     * @param genuine false when the verifier is made up: the exchange then always fails at the proof
     */
    ScramServerExchange(ScramVerifier verifier, boolean genuine, SecureRandom random) {
        this.verifier = verifier;
        this.genuine = genuine;
        this.random = random;
    }

    /** Takes client-first-message, returns server-first-message. */
    String serverFirst(String clientFirstMessage) throws ScramParseException {
        if (clientFirstMessage.startsWith("p=")) {
            throw new ScramParseException("channel binding is not supported by this server");
        }
        if (!clientFirstMessage.startsWith("n,") && !clientFirstMessage.startsWith("y,")) {
            throw new ScramParseException("malformed GS2 header in client-first-message");
        }
        clientFirstBare = clientFirstMessage.substring(gs2HeaderLength(clientFirstMessage));
        String clientNonce = clientNonce(clientFirstBare);
        byte[] serverNonce = new byte[NONCE_BYTES];
        random.nextBytes(serverNonce);
        nonce = clientNonce + Base64.getEncoder().encodeToString(serverNonce);
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(verifier.salt()) + ",i="
                + verifier.iterations();
        return serverFirst;
    }

    /**
     * Takes client-final-message; returns server-final-message when the proof is right, {@code null} when it is not.
     */
    String serverFinal(String clientFinalMessage) throws ScramParseException {
        int proofStart = clientFinalMessage.lastIndexOf(",p=");
        if (serverFirst == null || proofStart < 0) {
            throw new ScramParseException("malformed client-final-message");
        }
        String withoutProof = clientFinalMessage.substring(0, proofStart);
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(clientFinalMessage.substring(proofStart + 3));
        } catch (IllegalArgumentException e) {
            throw new ScramParseException("malformed client proof", e);
        }
        if (!withoutProof.contains("r=" + nonce) || !withoutProof.startsWith("c=")) {
            throw new ScramParseException("client-final-message does not continue this exchange");
        }
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        if (!verifier.verifyProof(proof, authMessage) || !genuine) {
            return null;
        }
        return "v=" + Base64.getEncoder().encodeToString(verifier.serverSignature(authMessage));
    }

    /** A verifier for a user that does not exist: stable per name, so repeated attempts see the same salt. */
    static ScramVerifier decoy(String user, byte[] serverSecret) {
        byte[] seed = (user + "\u0000").getBytes(StandardCharsets.UTF_8);
        byte[] salt = new byte[16];
        for (int i = 0; i < salt.length; i++) {
            salt[i] = (byte) (serverSecret[i % serverSecret.length] ^ seed[i % seed.length] ^ (i * 31));
        }
        byte[] key = new byte[32];
        System.arraycopy(serverSecret, 0, key, 0, Math.min(32, serverSecret.length));
        return new ScramVerifier(ScramVerifier.DEFAULT_ITERATIONS, salt, key, key.clone());
    }

    /**
     * client-first-message-bare is {@code n=<user>,r=<nonce>[,extensions]}. libpq sends an empty user name, which
     * PostgreSQL allows because it takes the user from the StartupMessage.
     */
    private static String clientNonce(String bare) throws ScramParseException {
        String[] attributes = bare.split(",", -1);
        if (attributes.length < 2 || !attributes[0].startsWith("n=") || !attributes[1].startsWith("r=")) {
            throw new ScramParseException("malformed client-first-message");
        }
        String clientNonce = attributes[1].substring(2);
        if (clientNonce.isEmpty() || !clientNonce.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ',')) {
            throw new ScramParseException("malformed client nonce");
        }
        return clientNonce;
    }

    private static int gs2HeaderLength(String clientFirstMessage) throws ScramParseException {
        int first = clientFirstMessage.indexOf(',');
        int second = first < 0 ? -1 : clientFirstMessage.indexOf(',', first + 1);
        if (second < 0) {
            throw new ScramParseException("malformed client-first-message");
        }
        return second + 1;
    }
}
