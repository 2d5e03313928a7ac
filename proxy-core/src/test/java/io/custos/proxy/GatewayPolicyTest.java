package io.custos.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.Policy;
import io.custos.policy.PolicyHolder;
import io.custos.proxy.admin.PolicyReload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayPolicyTest {
    private static final String VERIFIER = "SCRAM-SHA-256$4096:mlLp2xy4qbnu004xeswOBA==$"
            + "m8Ajy2l8P3w5q4ddBYvCAgoAoyzjWcFIOW5C9KNgr/I=:nrm3kLopKudFO4l/ctW06Uhg9/ejeS/EiKP+epMIDns=";
    private static final String POLICY =
            """
            levels: [{rank: 1, name: basic}]
            roles: {staff: {clearance: 1, statements: [read]}}
            users: [{name: bob, role: staff, password: "VERIFIER"}]
            backends: {postgresql: {host: localhost, port: 5432, database: demo, user: custos, password_env: PG}}
            listeners: {postgresql: {host: localhost, port: 15432}}
            audit: {file: audit.jsonl, key_env: AUDIT_KEY}
            """
                    .replace("VERIFIER", VERIFIER);

    @Test
    void reload_keepsTheStartedClientTlsAndTakesTheNewLimits(@TempDir Path directory) throws IOException {
        Path file = directory.resolve("policy.yaml");
        Files.writeString(
                file, POLICY + "tls: {certificate: gateway.crt, key: gateway.key}\nlimits: {max_connections: 5}\n");
        PolicyHolder holder = new PolicyHolder(file);
        Policy started = holder.current();
        GatewayPolicy policy = new GatewayPolicy(started, Optional.of(holder));

        Files.writeString(file, POLICY + "limits: {max_connections: 7}\n");
        PolicyReload reload = policy.reload();

        assertThat(reload.restartNeeded()).containsExactly("tls");
        assertThat(policy.get().tls()).isEqualTo(started.tls()).isNotNull();
        assertThat(policy.get().limits().maxConnections()).isEqualTo(7);
        assertThat(policy.get().version()).isNotEqualTo(started.version());
    }

    @Test
    void disable_keepsTheUsersClientCertificateRule(@TempDir Path directory) throws IOException {
        Path file = directory.resolve("policy.yaml");
        Files.writeString(
                file,
                POLICY.replace("password: \"", "client_certificate: {cn: bob}, password: \"")
                        + "tls: {certificate: gateway.crt, key: gateway.key, client_ca: clients.crt}\n");
        PolicyHolder holder = new PolicyHolder(file);
        GatewayPolicy policy = new GatewayPolicy(holder.current(), Optional.of(holder));

        policy.disable("bob");

        assertThat(policy.get().user("bob")).hasValueSatisfying(user -> {
            assertThat(user.enabled()).isFalse();
            assertThat(user.clientCertificateRule()).isPresent();
        });
    }
}
