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
 * failed", never which of the three it was.
 *
 * <p>Channel binding (RFC 5802, section 6): over TLS the gateway offers SCRAM-SHA-256-PLUS with {@code
 * tls-server-end-point} of its own certificate, the TLS connection the client actually has. The client's {@code c=}
 * attribute must carry the GS2 header it sent and, with PLUS, that binding data; a proof bound to another certificate
 * fails. A client that says it supports binding but thinks the server does not ({@code y}) while PLUS was offered is
 * refused as a downgrade; {@code p=} with plain SCRAM-SHA-256 is refused too.
 */
final class ScramServerExchange {
    static final String MECHANISM = "SCRAM-SHA-256";
    static final String MECHANISM_PLUS = "SCRAM-SHA-256-PLUS";
    static final String BINDING_TYPE = "tls-server-end-point";
    private static final int NONCE_BYTES = 18;

    private final ScramVerifier verifier;
    private final boolean genuine;
    private final SecureRandom random;
    private final byte[] channelBinding;
    private String gs2Header;
    private boolean bound;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;

    /**
     * @param verifier the user's verifier, or a made-up one when the user is unknown or disabled
     * @param genuine false when the verifier is made up: the exchange then always fails at the proof
     * @param channelBinding tls-server-end-point data of the gateway's certificate when the client connected over TLS
     *     (PLUS is offered then), {@code null} otherwise
     */
    ScramServerExchange(ScramVerifier verifier, boolean genuine, SecureRandom random, byte[] channelBinding) {
        this.verifier = verifier;
        this.genuine = genuine;
        this.random = random;
        this.channelBinding = channelBinding == null ? null : channelBinding.clone();
    }

    ScramServerExchange(ScramVerifier verifier, boolean genuine, SecureRandom random) {
        this(verifier, genuine, random, null);
    }

    /** Takes client-first-message for plain SCRAM-SHA-256, returns server-first-message. */
    String serverFirst(String clientFirstMessage) throws ScramParseException {
        return serverFirst(clientFirstMessage, false);
    }

    /**
     * Takes client-first-message, returns server-first-message. {@code plus} when the client chose
     * SCRAM-SHA-256-PLUS, which the caller offers only over TLS.
     */
    String serverFirst(String clientFirstMessage, boolean plus) throws ScramParseException {
        checkBindingFlag(clientFirstMessage, plus);
        gs2Header = clientFirstMessage.substring(0, gs2HeaderLength(clientFirstMessage));
        bound = plus;
        clientFirstBare = clientFirstMessage.substring(gs2Header.length());
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
        String[] attributes = withoutProof.split(",", -1);
        if (attributes.length < 2 || !attributes[1].equals("r=" + nonce) || !attributes[0].startsWith("c=")) {
            throw new ScramParseException("client-final-message does not continue this exchange");
        }
        if (!attributes[0].substring(2).equals(expectedBindingAttribute())) {
            throw new ScramParseException(
                    bound
                            ? "SCRAM channel binding check failed: the client is bound to another certificate"
                            : "SCRAM channel binding check failed");
        }
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        if (!verifier.verifyProof(proof, authMessage) || !genuine) {
            return null;
        }
        return "v=" + Base64.getEncoder().encodeToString(verifier.serverSignature(authMessage));
    }

    /** RFC 5802, section 6: {@code p=} only with PLUS, PLUS only with {@code p=tls-server-end-point}, no downgrade. */
    private void checkBindingFlag(String clientFirstMessage, boolean plus) throws ScramParseException {
        if (plus) {
            if (!clientFirstMessage.startsWith("p=" + BINDING_TYPE + ",")) {
                throw new ScramParseException(
                        clientFirstMessage.startsWith("p=")
                                ? "unsupported SCRAM channel binding type (supported: " + BINDING_TYPE + ")"
                                : "malformed SCRAM message (channel binding is required with " + MECHANISM_PLUS + ")");
            }
            return;
        }
        if (clientFirstMessage.startsWith("p=")) {
            throw new ScramParseException(
                    "malformed SCRAM message (the client requests channel binding with " + MECHANISM + ")");
        }
        if (clientFirstMessage.startsWith("y,") && channelBinding != null) {
            throw new ScramParseException(
                    "SCRAM channel binding negotiation error (the client supports binding, which the server offered)");
        }
        if (!clientFirstMessage.startsWith("n,") && !clientFirstMessage.startsWith("y,")) {
            throw new ScramParseException("malformed GS2 header in client-first-message");
        }
    }

    /** The {@code c=} value: base64 of the GS2 header, followed by the binding data with PLUS. */
    private String expectedBindingAttribute() {
        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        if (!bound) {
            return Base64.getEncoder().encodeToString(header);
        }
        byte[] input = new byte[header.length + channelBinding.length];
        System.arraycopy(header, 0, input, 0, header.length);
        System.arraycopy(channelBinding, 0, input, header.length, channelBinding.length);
        return Base64.getEncoder().encodeToString(input);
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
