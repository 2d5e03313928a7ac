package io.custos.proxy;

import io.custos.policy.Policy;
import java.net.InetSocketAddress;

/** A running gateway: one listener per protocol the policy names, in front of the policy's backends. */
public final class CustosGateway implements AutoCloseable {
    private CustosGateway() {}

    /**
     * Binds the listeners the policy names (port 0 picks a free port) and starts serving. Throws if a listener cannot
     * bind or the backend's catalog cannot be read.
     */
    public static CustosGateway start(Policy policy) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** The address the PostgreSQL listener is bound to. */
    public InetSocketAddress postgresAddress() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Stops accepting, closes every session and backend connection, flushes the audit trail. */
    @Override
    public void close() {}
}
