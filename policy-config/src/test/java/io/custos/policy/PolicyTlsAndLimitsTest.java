package io.custos.policy;

import static io.custos.policy.PolicyLoaderTest.MINIMAL;
import static io.custos.policy.PolicyLoaderTest.policyWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyTlsAndLimitsTest {
    private static final String SOURCE = "test.yaml";
    private static final Path BASE = Path.of("/etc/custos");
    private static final String TLS = "tls: {certificate: gw.crt, key: gw.key, client_ca: clients.crt}";

    @Test
    void parse_withoutTlsAndLimits_defaults() {
        Policy policy = PolicyLoader.parse(MINIMAL, SOURCE, BASE);

        assertThat(policy.clientTls()).isEmpty();
        assertThat(policy.limits()).isEqualTo(Limits.DEFAULTS);
        assertThat(policy.backend(Backend.Protocol.POSTGRESQL).orElseThrow().tls())
                .isEqualTo(BackendTls.DISABLED);
    }

    @Test
    void parse_tlsSection_resolvesFilesAgainstThePolicyDirectory() {
        Policy policy = PolicyLoader.parse(MINIMAL + "tls: {certificate: gw.crt, key: /keys/gw.key}\n", SOURCE, BASE);

        TlsSettings tls = policy.clientTls().orElseThrow();
        assertThat(tls.certificate()).isEqualTo(Path.of("/etc/custos/gw.crt"));
        assertThat(tls.key()).isEqualTo(Path.of("/keys/gw.key"));
        assertThat(tls.clientCaFile()).isEmpty();
        assertThat(tls.requireTls()).isFalse();
    }

    @Test
    void parse_roleAndUserTlsRules() {
        String text = policyWith(
                                "roles",
                                "roles: {clerk: {clearance: 2, statements: [read], require_tls: true},"
                                        + " staff: {clearance: 1, statements: [read]}}")
                        .replace("password: \"", "client_certificate: {subject: \"CN=bob, O=Example\"}, password: \"")
                + TLS + "\n";

        Policy policy = PolicyLoader.parse(text, SOURCE, BASE);

        assertThat(policy.roles().get("clerk").requireTls()).isTrue();
        assertThat(policy.roles().get("staff").requireTls()).isFalse();
        assertThat(policy.user("bob").orElseThrow().clientCertificateRule())
                .contains(new ClientCertificate(null, new X500Principal("CN=bob,O=Example")));
    }

    @Test
    void parse_backendTls_defaultsToVerifyFull() {
        String text = policyWith(
                "backends",
                "backends: {postgresql: {host: db, port: 5432, database: demo, user: custos, password_env: PG,"
                        + " tls: {ca: db-ca.crt}}}");

        BackendTls tls = PolicyLoader.parse(text, SOURCE, BASE)
                .backend(Backend.Protocol.POSTGRESQL)
                .orElseThrow()
                .tls();

        assertThat(tls.mode()).isEqualTo(BackendTls.Mode.VERIFY_FULL);
        assertThat(tls.caFile()).contains(Path.of("/etc/custos/db-ca.crt"));
    }

    @Test
    void parse_limits_overrideDefaultsKeyByKey() {
        String text = MINIMAL
                + "limits: {max_connections: 50, idle_in_transaction_timeout_seconds: 0,"
                + " lockout: {lock_after: 4, lock_seconds: 30}, shutdown_drain_seconds: 5}\n";

        Limits limits = PolicyLoader.parse(text, SOURCE, BASE).limits();

        assertThat(limits.maxConnections()).isEqualTo(50);
        assertThat(limits.maxConnectionsPerUser()).isEqualTo(Limits.DEFAULTS.maxConnectionsPerUser());
        assertThat(limits.idleInTransactionTimeout()).isEqualTo(Duration.ZERO);
        assertThat(limits.authenticationTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(limits.lockout().lockAfter()).isEqualTo(4);
        assertThat(limits.lockout().lockDuration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(limits.lockout().delayAfter()).isEqualTo(Limits.Lockout.DEFAULTS.delayAfter());
        assertThat(limits.shutdownDrain()).isEqualTo(Duration.ofSeconds(5));
        assertThat(Limits.DEFAULTS.shutdownDrain()).isEqualTo(Duration.ofSeconds(30));
    }

    static Stream<Arguments> badPolicies() {
        return Stream.of(
                arguments(MINIMAL + "tls: {certificate: gw.crt}\n", "8:6: missing key 'key' in 'tls'"),
                arguments(
                        MINIMAL + "tls: {certificate: gw.crt, key: gw.key, require: true}\n",
                        "8:41: unknown key 'require' in 'tls' (allowed: certificate, key, client_ca, require_tls)"),
                arguments(
                        policyWith(
                                "roles",
                                "roles: {clerk: {clearance: 2, statements: [read], require_tls: true},"
                                        + " staff: {clearance: 1, statements: [read]}}"),
                        "2:64: 'require_tls' needs TLS towards clients; add a 'tls' section with the gateway's"
                                + " certificate and key"),
                arguments(
                        MINIMAL.replace("password: \"", "client_certificate: {cn: bob}, password: \""),
                        "3:54: 'client_certificate' needs a CA to verify client certificates with; add 'client_ca' to"
                                + " the 'tls' section"),
                arguments(
                        MINIMAL.replace(
                                        "password: \"",
                                        "client_certificate: {cn: bob, subject: \"CN=bob\"}, password: \"")
                                + TLS + "\n",
                        "3:54: 'client_certificate' of user 'bob' needs exactly one of 'cn' or 'subject', found both"),
                arguments(
                        MINIMAL.replace("password: \"", "client_certificate: {subject: \"bob\"}, password: \"") + TLS
                                + "\n",
                        "3:64: 'subject' of user 'bob' is not a distinguished name (expected, for example:"
                                + " 'CN=bob,O=Example'), found 'bob'"),
                arguments(
                        policyWith(
                                "backends",
                                "backends: {postgresql: {host: db, port: 5432, database: demo, user: custos,"
                                        + " password_env: PG, tls: {mode: verify-all}}}"),
                        "4:107: unknown TLS mode 'verify-all' in 'tls' of backend 'postgresql' (modes: disable,"
                                + " require, verify-ca, verify-full)"),
                arguments(
                        MINIMAL + "limits: {max_connections: 0}\n",
                        "8:27: 'max_connections' in 'limits' is out of range: 0 (expected: 1..1000000)"),
                arguments(
                        MINIMAL + "limits: {max_message_bytes: 100}\n",
                        "8:29: 'max_message_bytes' in 'limits' is out of range: 100 (expected: 16384..1073741824)"),
                arguments(
                        MINIMAL + "limits: {idle_seconds: 10}\n",
                        "8:10: unknown key 'idle_seconds' in 'limits' (allowed: max_connections,"
                                + " max_connections_per_user, max_connections_per_address, max_message_bytes,"
                                + " max_statement_bytes, authentication_timeout_seconds, idle_session_timeout_seconds,"
                                + " idle_in_transaction_timeout_seconds, lockout, shutdown_drain_seconds)"),
                arguments(
                        MINIMAL + "limits: {shutdown_drain_seconds: 3601}\n",
                        "8:34: 'shutdown_drain_seconds' in 'limits' is out of range: 3601 (expected: 0..3600)"),
                arguments(
                        MINIMAL + "limits: {authentication_timeout_seconds: 0}\n",
                        "8:42: 'authentication_timeout_seconds' in 'limits' is out of range: 0 (expected: 1..604800)"),
                arguments(
                        MINIMAL + "limits: {lockout: {initial_delay_millis: 500, max_delay_millis: 100}}\n",
                        "8:65: 'max_delay_millis' in 'lockout' must be >= 'initial_delay_millis' (500), found 100"));
    }

    @ParameterizedTest
    @MethodSource("badPolicies")
    void parse_badTlsOrLimits_reportsProblemAtPosition(String text, String expected) {
        assertThatThrownBy(() -> PolicyLoader.parse(text, SOURCE, BASE))
                .isInstanceOf(PolicyException.class)
                .hasMessage(SOURCE + ":" + expected);
    }
}
