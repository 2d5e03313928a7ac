package io.custos.proxy;

import static java.util.Objects.requireNonNull;

import io.custos.policy.Policy;
import io.custos.proxy.audit.AuditLog;
import io.custos.proxy.metrics.GatewayMetrics;
import io.custos.proxy.session.SessionRegistry;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.StatementGate;
import java.security.SecureRandom;
import java.util.function.Supplier;

/** The services every session shares. */
public record GatewayContext(
        Supplier<Policy> policy,
        StatementGate gate,
        AuditLog audit,
        Supplier<Catalog> catalog,
        Runnable catalogChanged,
        SessionRegistry sessions,
        SecureRandom random,
        byte[] serverSecret,
        GatewayGuards guards,
        GatewayMetrics metrics) {
    public GatewayContext {
        requireNonNull(policy, "policy is null");
        requireNonNull(gate, "gate is null");
        requireNonNull(audit, "audit is null");
        requireNonNull(catalog, "catalog is null");
        requireNonNull(catalogChanged, "catalogChanged is null");
        requireNonNull(sessions, "sessions is null");
        requireNonNull(random, "random is null");
        requireNonNull(serverSecret, "serverSecret is null");
        requireNonNull(guards, "guards is null");
        requireNonNull(metrics, "metrics is null");
    }

    /** A context with the guards {@code guards} and metrics of its own, which nobody scrapes. */
    public GatewayContext(
            Supplier<Policy> policy,
            StatementGate gate,
            AuditLog audit,
            Supplier<Catalog> catalog,
            Runnable catalogChanged,
            SessionRegistry sessions,
            SecureRandom random,
            byte[] serverSecret,
            GatewayGuards guards) {
        this(
                policy,
                gate,
                audit,
                catalog,
                catalogChanged,
                sessions,
                random,
                serverSecret,
                guards,
                new GatewayMetrics());
    }

    /**
     * A context without TLS, with the limits of the policy {@code policy} supplies and metrics of its own (tests of
     * one protocol).
     */
    public GatewayContext(
            Supplier<Policy> policy,
            StatementGate gate,
            AuditLog audit,
            Supplier<Catalog> catalog,
            Runnable catalogChanged,
            SessionRegistry sessions,
            SecureRandom random,
            byte[] serverSecret) {
        this(
                policy,
                gate,
                audit,
                catalog,
                catalogChanged,
                sessions,
                random,
                serverSecret,
                GatewayGuards.withoutTls(() -> policy.get().limits()));
    }
}
