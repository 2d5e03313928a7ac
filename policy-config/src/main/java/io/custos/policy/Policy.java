package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One loaded, validated policy. Immutable; a reload builds a new one. {@code version} identifies it in every audit
 * record (a digest of the file's bytes). {@code tls} is {@code null} when the listeners serve no TLS;
 * {@code admin} is empty when there is no admin listener.
 */
public record Policy(
        String version,
        List<Level> levels,
        Map<String, Role> roles,
        Map<String, User> users,
        List<Backend> backends,
        List<Listener> listeners,
        Classification classification,
        AuditSettings audit,
        TlsSettings tls,
        Limits limits,
        AnalysisSettings analysis,
        Optional<AdminSettings> admin) {
    public Policy {
        requireNonNull(version, "version is null");
        levels = List.copyOf(levels);
        roles = Map.copyOf(roles);
        users = Map.copyOf(users);
        backends = List.copyOf(backends);
        listeners = List.copyOf(listeners);
        requireNonNull(classification, "classification is null");
        requireNonNull(audit, "audit is null");
        requireNonNull(limits, "limits is null");
        requireNonNull(analysis, "analysis is null");
        requireNonNull(admin, "admin is null");
    }

    /**
     * A policy without TLS towards clients, with the default limits and analysis settings and without an admin
     * listener.
     */
    public Policy(
            String version,
            List<Level> levels,
            Map<String, Role> roles,
            Map<String, User> users,
            List<Backend> backends,
            List<Listener> listeners,
            Classification classification,
            AuditSettings audit) {
        this(version, levels, roles, users, backends, listeners, classification, audit, null, Limits.DEFAULTS);
    }

    /** A policy with the default analysis settings and without an admin listener. */
    public Policy(
            String version,
            List<Level> levels,
            Map<String, Role> roles,
            Map<String, User> users,
            List<Backend> backends,
            List<Listener> listeners,
            Classification classification,
            AuditSettings audit,
            TlsSettings tls,
            Limits limits) {
        this(
                version,
                levels,
                roles,
                users,
                backends,
                listeners,
                classification,
                audit,
                tls,
                limits,
                AnalysisSettings.DEFAULT,
                Optional.empty());
    }

    /** TLS towards clients, when the policy has a {@code tls} section. */
    public Optional<TlsSettings> clientTls() {
        return Optional.ofNullable(tls);
    }

    public Optional<User> user(String name) {
        return Optional.ofNullable(users.get(name));
    }

    public Role role(User user) {
        return roles.get(user.role());
    }

    public Optional<Backend> backend(Backend.Protocol protocol) {
        return backends.stream().filter(b -> b.protocol() == protocol).findFirst();
    }

    public Optional<Listener> listener(Backend.Protocol protocol) {
        return listeners.stream().filter(l -> l.protocol() == protocol).findFirst();
    }
}
