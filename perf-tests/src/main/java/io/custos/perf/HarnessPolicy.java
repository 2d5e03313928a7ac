package io.custos.perf;

import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.Limits;
import io.custos.policy.Listener;
import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.policy.Role;
import io.custos.policy.SecretSource;
import io.custos.policy.StatementClass;
import io.custos.policy.User;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The policy the harness's gateways run under: the demo policy, unchanged in its levels, roles, users and
 * classification, with three additions the measurements need.
 *
 * <ul>
 *   <li>A role {@code service_desk} (clearance 0, read and insert) and its user {@code desk}: the service-desk mix
 *       looks customers up by mobile number, and only a caller below the mobile's level is held to its
 *       {@code equality} filter; the demo's {@code staff} (clearance 1) reads level 1 unmasked.
 *   <li>Connection limits raised to {@link #MAX_CONNECTIONS}, for the idle-connection test's thousand sessions of one
 *       user from one address.
 *   <li>The backends and listeners of the databases the harness started, the audit trail in the harness's directory
 *       with the durability asked for, under a key of the harness's own.
 * </ul>
 */
final class HarnessPolicy {
    /** The password of every demo user, and of {@code desk}. */
    static final String PASSWORD = "custos-demo";

    static final String DESK_USER = "desk";
    static final String DESK_ROLE = "service_desk";
    static final int MAX_CONNECTIONS = 2_500;

    private static final String DEMO_POLICY = "/io/custos/cli/demo-policy.yaml";
    private static final String AUDIT_KEY = "custos-perf-harness-audit-key-not-a-secret";

    private HarnessPolicy() {}

    /** The demo policy as shipped, with the demo's backends and listeners. */
    static Policy demo() {
        try (InputStream in = HarnessPolicy.class.getResourceAsStream(DEMO_POLICY)) {
            if (in == null) {
                throw new IllegalStateException("the demo policy " + DEMO_POLICY + " is not on the class path");
            }
            String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return PolicyLoader.parse(yaml, "demo-policy.yaml", Path.of("").toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The harness policy in front of {@code backends}, listening on free ports of 127.0.0.1. */
    static Policy forBackends(List<Backend> backends, Path auditFile, AuditSettings.Durability durability) {
        Policy demo = demo();
        Map<String, Role> roles = new HashMap<>(demo.roles());
        roles.put(
                DESK_ROLE,
                new Role(
                        DESK_ROLE,
                        0,
                        Set.of(
                                StatementClass.READ,
                                StatementClass.INSERT,
                                StatementClass.TRANSACTION,
                                StatementClass.SESSION),
                        false));
        Map<String, User> users = new HashMap<>(demo.users());
        User staff = demo.user("staff").orElseThrow();
        users.put(DESK_USER, new User(DESK_USER, DESK_ROLE, true, staff.verifier(), staff.mysqlNative()));
        List<Listener> listeners = backends.stream()
                .map(backend -> new Listener(backend.protocol(), "127.0.0.1", 0))
                .toList();
        Limits defaults = demo.limits();
        Limits limits = new Limits(
                MAX_CONNECTIONS,
                MAX_CONNECTIONS,
                MAX_CONNECTIONS,
                defaults.maxMessageBytes(),
                defaults.maxStatementBytes(),
                defaults.authenticationTimeout(),
                defaults.idleSessionTimeout(),
                defaults.idleInTransactionTimeout(),
                defaults.lockout(),
                defaults.shutdownDrain());
        AuditSettings audit = demo.audit()
                .withFile(auditFile)
                .withKey(new SecretSource.Given(AUDIT_KEY))
                .withDurability(durability);
        return new Policy(
                demo.version(),
                demo.levels(),
                roles,
                users,
                backends,
                listeners,
                demo.classification(),
                audit,
                null,
                limits,
                demo.analysis(),
                Optional.empty());
    }
}
