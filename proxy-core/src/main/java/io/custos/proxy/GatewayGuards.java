package io.custos.proxy;

import static java.util.Objects.requireNonNull;

import io.custos.policy.Backend;
import io.custos.policy.Limits;
import io.custos.proxy.limits.ConnectionLimiter;
import io.custos.proxy.limits.LoginLockout;
import io.custos.proxy.tls.BackendTlsContext;
import io.custos.proxy.tls.ClientTls;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What protects the gateway from its clients and its connections from listeners on the wire, shared by every session:
 * TLS towards clients and towards each database, the limits of the policy in force, the connection counts and the
 * login lockout.
 *
 * @param clientTls TLS towards clients; {@code null} when the policy has no {@code tls} section
 * @param backendTls TLS towards the databases whose backend entry turns it on
 */
public record GatewayGuards(
        ClientTls clientTls,
        Map<Backend.Protocol, BackendTlsContext> backendTls,
        Supplier<Limits> limits,
        ConnectionLimiter connections,
        LoginLockout lockout) {
    public GatewayGuards {
        backendTls = Map.copyOf(backendTls);
        requireNonNull(limits, "limits is null");
        requireNonNull(connections, "connections is null");
        requireNonNull(lockout, "lockout is null");
    }

    /** Guards with no TLS on either side and the limits of the policy {@code limits} supplies. */
    public static GatewayGuards withoutTls(Supplier<Limits> limits) {
        return new GatewayGuards(
                null, Map.of(), limits, new ConnectionLimiter(limits), new LoginLockout(() -> limits.get()
                        .lockout()));
    }

    public Optional<ClientTls> tls() {
        return Optional.ofNullable(clientTls);
    }

    public Optional<BackendTlsContext> backendTls(Backend.Protocol protocol) {
        return Optional.ofNullable(backendTls.get(protocol));
    }
}
