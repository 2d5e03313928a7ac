package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.AuditSettings.Durability;
import io.custos.policy.Backend;
import io.custos.policy.BackendTls;
import io.custos.policy.Listener;
import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.policy.SecretSource;
import io.custos.policy.TlsSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PolicyFileTextTest {
    private static final String TEXT =
            """
            levels: []
            # the backends
            backends:
              postgresql:
                host: old

            # next
            audit:
              file: a.jsonl
            classification: []
            """;

    @Test
    void replaceSection_replacesTheBlockUpToTheNextTopLevelLine() {
        String replaced = PolicyFileText.replaceSection(TEXT, "backends", "backends:\n  mysql: {}\n");

        assertThat(replaced)
                .isEqualTo(
                        """
                        levels: []
                        # the backends
                        backends:
                          mysql: {}

                        # next
                        audit:
                          file: a.jsonl
                        classification: []
                        """);
    }

    @Test
    void replaceSection_missingSection_isAppended() {
        assertThat(PolicyFileText.replaceSection(TEXT, "admin", "admin:\n  port: 1\n"))
                .isEqualTo(TEXT + "\nadmin:\n  port: 1\n");
        assertThat(PolicyFileText.replaceSection(TEXT, "admin", "")).isEqualTo(TEXT);
    }

    @Test
    void replaceSection_keyThatOnlyStartsAnotherKey_isNotTaken() {
        String text = "auditors: x\naudit:\n  file: a\n";

        assertThat(PolicyFileText.replaceSection(text, "audit", "audit:\n  file: b\n"))
                .isEqualTo("auditors: x\naudit:\n  file: b\n");
    }

    @Test
    void of_demoPolicy_loadsWithTheGivenSections() throws IOException {
        Path directory = Path.of("/srv/custos demo");
        String text = PolicyFileText.of(
                GatewayFixture.demoPolicyText(),
                List.of(new PolicyFileText.BackendEntry(
                        Backend.Protocol.POSTGRESQL,
                        "db.example",
                        6543,
                        "custos_demo",
                        "gateway",
                        directory.resolve("pg \"password\""))),
                List.of(new Listener(Backend.Protocol.POSTGRESQL, "0.0.0.0", 7000)),
                new PolicyFileText.AuditEntry(
                        directory.resolve("audit.jsonl"), directory.resolve("audit-key"), Durability.STRICT),
                Optional.empty(),
                Optional.of(new PolicyFileText.AdminEntry("127.0.0.1", 9187, directory.resolve("token"))));

        Policy policy = PolicyLoader.parse(text, "demo-policy.yaml", directory);

        assertThat(policy.backends())
                .containsExactly(new Backend(
                        Backend.Protocol.POSTGRESQL,
                        "db.example",
                        6543,
                        "custos_demo",
                        "gateway",
                        new SecretSource.File(directory.resolve("pg \"password\""))));
        assertThat(policy.listeners()).containsExactly(new Listener(Backend.Protocol.POSTGRESQL, "0.0.0.0", 7000));
        assertThat(policy.audit().file()).isEqualTo(directory.resolve("audit.jsonl"));
        assertThat(policy.audit().key()).isEqualTo(new SecretSource.File(directory.resolve("audit-key")));
        assertThat(policy.clientTls()).isEmpty();
        assertThat(policy.backends()).allMatch(backend -> !backend.tls().enabled());
        assertThat(policy.admin())
                .hasValueSatisfying(admin -> assertThat(admin.port()).isEqualTo(9187));
        assertThat(policy.users()).containsOnlyKeys("it_admin", "clerk", "staff", "contractor");
        assertThat(policy.classification().rules()).isNotEmpty();
    }

    @Test
    void of_withTls_writesTheClientTlsSectionEachBackendsTlsAndTheAuditDurability() throws IOException {
        Path directory = Path.of("/srv/custos-demo");
        Path ca = Path.of("/tmp/custos-demo-tls-1/ca.crt");
        BackendTls verifyFull = new BackendTls(BackendTls.Mode.VERIFY_FULL, ca);
        TlsSettings gatewayTls = new TlsSettings(
                Path.of("/tmp/custos-demo-tls-1/gateway.crt"),
                Path.of("/tmp/custos-demo-tls-1/gateway.key"),
                null,
                false);
        String text = PolicyFileText.of(
                GatewayFixture.demoPolicyText(),
                List.of(
                        new PolicyFileText.BackendEntry(
                                Backend.Protocol.POSTGRESQL,
                                "127.0.0.1",
                                6543,
                                "custos_demo",
                                "gateway",
                                directory.resolve("postgresql-password"),
                                verifyFull),
                        new PolicyFileText.BackendEntry(
                                Backend.Protocol.MYSQL,
                                "127.0.0.1",
                                6544,
                                "custos_demo",
                                "gateway",
                                directory.resolve("mysql-password"),
                                verifyFull)),
                List.of(
                        new Listener(Backend.Protocol.POSTGRESQL, "127.0.0.1", 7000),
                        new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 7001)),
                new PolicyFileText.AuditEntry(
                        directory.resolve("audit.jsonl"), directory.resolve("audit-key"), Durability.RELAXED),
                Optional.of(gatewayTls),
                Optional.empty());

        Policy policy = PolicyLoader.parse(text, "demo-policy.yaml", directory);

        assertThat(policy.clientTls()).contains(gatewayTls);
        assertThat(policy.backends()).hasSize(2).allSatisfy(backend -> assertThat(backend.tls())
                .isEqualTo(verifyFull));
        assertThat(policy.audit().durability()).isEqualTo(Durability.RELAXED);
        assertThat(policy.audit().key()).isEqualTo(new SecretSource.File(directory.resolve("audit-key")));
        assertThat(policy.admin()).isEmpty();
        assertThat(text).doesNotContain("admin:");
    }
}
