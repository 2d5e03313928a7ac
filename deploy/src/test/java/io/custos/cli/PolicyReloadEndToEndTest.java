package io.custos.cli;

import static io.custos.cli.AdminGateway.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.policy.PolicyLoader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A running gateway takes a changed policy file in: open sessions on both protocols apply it from their next
 * statement, an invalid file leaves the policy in force, and changes to what is bound at start wait for a restart.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PolicyReloadEndToEndTest {
    private static final String MOBILE_RULE = "mobile: {level: 1, mask: {type: partial, keep_first: 3, keep_last: 4}";
    private static final String MOBILE_HIDDEN = "mobile: {level: 1, mask: {type: full, text: \"[hidden]\"}";
    private static final String MOBILE_QUERY = "SELECT mobile FROM customer WHERE id = 1";

    private static AdminGateway gateway;
    private static String partialMask;

    @BeforeAll
    static void start() {
        gateway = new AdminGateway();
        String real = gateway.postgres.data().customer(1).mobile();
        partialMask = real.substring(0, 3) + "****" + real.substring(7);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @AfterEach
    void restorePolicy() throws Exception {
        gateway.writePolicy(gateway.basePolicy());
        assertThat(gateway.post("/policy/reload").statusCode()).isEqualTo(200);
    }

    @Test
    void reload_openSessionsOnBothProtocols_takeNewMaskOnNextStatement() throws Exception {
        try (Connection postgres = gateway.connectPostgres("contractor");
                Connection mysql = gateway.connectMySql("contractor")) {
            assertThat(mobile(postgres)).isEqualTo(partialMask);
            assertThat(mobile(mysql)).isEqualTo(partialMask);
            String changed = gateway.basePolicy().replace(MOBILE_RULE, MOBILE_HIDDEN);
            assertThat(changed).isNotEqualTo(gateway.basePolicy());
            gateway.writePolicy(changed);

            HttpResponse<String> reload = gateway.post("/policy/reload");

            assertThat(reload.statusCode()).isEqualTo(200);
            assertThat(reload.body()).contains("\"loaded\" : true").contains("\"version\" : \"" + version(changed));
            assertThat(mobile(postgres)).isEqualTo("[hidden]");
            assertThat(mobile(mysql)).isEqualTo("[hidden]");
            assertThat(gateway.auditLines(
                            line -> line.contains("\"event\":\"statement\"")
                                    && line.contains("\"policy_version\":\"" + version(changed) + "\""),
                            2))
                    .hasSizeGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void reload_invalidPolicy_keepsPolicyInForceAndShowsTheFailure() throws Exception {
        try (Connection postgres = gateway.connectPostgres("contractor");
                Connection mysql = gateway.connectMySql("contractor")) {
            Map<String, Double> before = gateway.scrape();
            String invalid = gateway.basePolicy()
                    .replace(MOBILE_RULE, MOBILE_HIDDEN.replace("full", "partal"))
                    .replace("role: staff\n", "role: stafff\n");
            gateway.writePolicy(invalid);

            HttpResponse<String> reload = gateway.post("/policy/reload");

            assertThat(reload.statusCode()).isEqualTo(422);
            assertThat(reload.body())
                    .contains("\"loaded\" : false")
                    .contains("\"version\" : \"" + version(gateway.basePolicy()) + "\"")
                    .containsPattern("policy\\.yaml:\\d+:\\d+: unknown role 'stafff' for user 'staff'")
                    .containsPattern(
                            "policy\\.yaml:\\d+:\\d+: unknown mask type 'partal' for column 'public\\.customer\\.mobile'")
                    .containsPattern("policy\\.yaml:\\d+:\\d+: unknown mask type 'partal' for column"
                            + " 'custos_demo\\.customer\\.mobile'");
            assertThat(mobile(postgres)).isEqualTo(partialMask);
            assertThat(mobile(mysql)).isEqualTo(partialMask);
            Map<String, Double> after = gateway.scrape();
            assertThat(after.get("custos_policy_reload_failed")).isEqualTo(1);
            // The file watcher may have tried the same file as well: at least the request's rejection counts.
            assertThat(after.get(sample("custos_policy_reloads_total", "result", "rejected"))
                            - before.get(sample("custos_policy_reloads_total", "result", "rejected")))
                    .isGreaterThanOrEqualTo(1);
            assertThat(after.get(sample("custos_policy_info", "version", version(gateway.basePolicy()))))
                    .isEqualTo(1);
        }
        gateway.writePolicy(gateway.basePolicy());
        assertThat(gateway.post("/policy/reload").statusCode()).isEqualTo(200);
        assertThat(gateway.scrape().get("custos_policy_reload_failed")).isEqualTo(0);
    }

    @Test
    void fileChange_isReloadedWithoutBeingAsked() throws Exception {
        try (Connection postgres = gateway.connectPostgres("contractor")) {
            String changed = gateway.basePolicy().replace(MOBILE_RULE, MOBILE_HIDDEN);

            gateway.writePolicy(changed);

            assertThat(AdminGateway.eventually(() -> policyBody().contains("\"version\" : \"" + version(changed))))
                    .isTrue();
            assertThat(mobile(postgres)).isEqualTo("[hidden]");
            assertThat(gateway.auditLines(
                            line -> line.contains("\"event\":\"admin\"")
                                    && line.contains("loaded version " + version(changed)),
                            1))
                    .isNotEmpty();
        }
    }

    @Test
    void reload_userDisabledInFile_endsTheirSessionsAndRefusesLogins() throws Exception {
        String disabled = gateway.basePolicy()
                .replace(
                        "  - name: contractor\n    role: contractor\n    enabled: true\n",
                        "  - name: contractor\n    role: contractor\n    enabled: false\n");
        assertThat(disabled).isNotEqualTo(gateway.basePolicy());
        try (Connection postgres = gateway.connectPostgres("contractor");
                Connection mysql = gateway.connectMySql("contractor");
                Connection staff = gateway.connectPostgres("staff")) {
            gateway.writePolicy(disabled);

            assertThat(gateway.post("/policy/reload").statusCode()).isEqualTo(200);

            assertThatThrownBy(() -> mobile(postgres)).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> mobile(mysql)).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> gateway.connectPostgres("contractor")).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> gateway.connectMySql("contractor")).isInstanceOf(SQLException.class);
            assertThat(mobile(staff))
                    .isEqualTo(gateway.postgres.data().customer(1).mobile());
            HttpResponse<String> enable = gateway.post("/users/contractor/enable");
            assertThat(enable.statusCode()).isEqualTo(409);
            assertThat(enable.body()).contains("user 'contractor' is disabled in the policy file");
        }
    }

    @Test
    void reload_listenerChange_keepsRunningListenersAndSaysRestartIsNeeded() throws Exception {
        String listener = "listeners:\n  postgresql:\n    host: \"127.0.0.1\"\n    port: ";
        String changed = gateway.basePolicy().replace(listener + "0\n", listener + "15432\n");
        assertThat(changed).isNotEqualTo(gateway.basePolicy());
        gateway.writePolicy(changed);

        HttpResponse<String> reload = gateway.post("/policy/reload");

        assertThat(reload.statusCode()).isEqualTo(200);
        assertThat(reload.body()).contains("\"restart_needed\" : [ \"listeners\" ]");
        try (Connection postgres = gateway.connectPostgres("contractor")) {
            assertThat(mobile(postgres)).isEqualTo(partialMask);
        }
    }

    private static String policyBody() {
        try {
            return gateway.get("/policy").body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String mobile(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(MOBILE_QUERY)) {
            assertThat(rows.next()).isTrue();
            return rows.getString(1);
        }
    }

    private static String version(String policy) {
        return PolicyLoader.version(policy.getBytes(StandardCharsets.UTF_8));
    }
}
