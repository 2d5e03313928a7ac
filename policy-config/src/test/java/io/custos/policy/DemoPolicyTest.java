package io.custos.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.Backend.Protocol;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo policy shipped with the {@code custos} command loads and says what the design brief says. */
class DemoPolicyTest {
    private static final Path DEMO_POLICY = Path.of("../deploy/src/main/resources/io/custos/cli/demo-policy.yaml");
    private static final String DEMO_PASSWORD = "custos-demo";

    private final Policy policy = PolicyLoader.load(DEMO_POLICY);

    @Test
    void demoPolicy_levels() {
        assertThat(policy.levels()).extracting(Level::rank).containsExactly(1, 2, 3);
        assertThat(policy.levels()).extracting(Level::name).allSatisfy(name -> assertThat(name)
                .isNotBlank());
        assertThat(policy.levels().get(0).name()).startsWith("一级");
    }

    @Test
    void demoPolicy_roles() {
        EnumSet<StatementClass> everything = EnumSet.complementOf(EnumSet.of(StatementClass.IMPORT_EXPORT));

        assertThat(policy.roles())
                .containsOnlyKeys("it_engineer", "info_clerk", "staff", "contractor")
                .containsEntry("it_engineer", new Role("it_engineer", 3, everything, true))
                .containsEntry("info_clerk", new Role("info_clerk", 2, everything, false))
                .containsEntry(
                        "staff",
                        new Role(
                                "staff",
                                1,
                                EnumSet.of(
                                        StatementClass.READ,
                                        StatementClass.INSERT,
                                        StatementClass.TRANSACTION,
                                        StatementClass.SESSION),
                                false))
                .containsEntry(
                        "contractor",
                        new Role(
                                "contractor",
                                0,
                                EnumSet.of(StatementClass.READ, StatementClass.TRANSACTION, StatementClass.SESSION),
                                false));
    }

    @Test
    void demoPolicy_usersShareTheDemoPassword() {
        Map<String, String> roles =
                Map.of("it_admin", "it_engineer", "clerk", "info_clerk", "staff", "staff", "contractor", "contractor");

        assertThat(policy.users()).containsOnlyKeys(roles.keySet());
        roles.forEach((name, role) -> {
            User user = policy.user(name).orElseThrow();
            assertThat(user.role()).isEqualTo(role);
            assertThat(user.enabled()).isTrue();
            ScramVerifier expected = ScramVerifier.create(
                    DEMO_PASSWORD, user.verifier().salt(), user.verifier().iterations());
            assertThat(user.verifier().storedKey()).isEqualTo(expected.storedKey());
            assertThat(user.verifier().serverKey()).isEqualTo(expected.serverKey());
        });
    }

    @Test
    void demoPolicy_backendListenerAndAudit() {
        assertThat(policy.backend(Protocol.POSTGRESQL)).hasValueSatisfying(backend -> {
            assertThat(backend.host()).isEqualTo("127.0.0.1");
            assertThat(backend.port()).isEqualTo(5432);
            assertThat(backend.database()).isEqualTo("custos_demo");
            assertThat(backend.user()).isEqualTo("custos");
            assertThat(backend.password()).isEqualTo(new SecretSource.Environment("CUSTOS_PG_PASSWORD"));
        });
        assertThat(policy.backend(Protocol.MYSQL)).hasValueSatisfying(backend -> {
            assertThat(backend.port()).isEqualTo(3306);
            assertThat(backend.database()).isEqualTo("custos_demo");
            assertThat(backend.password()).isEqualTo(new SecretSource.Environment("CUSTOS_MYSQL_PASSWORD"));
        });
        assertThat(policy.listeners())
                .containsExactlyInAnyOrder(
                        new Listener(Protocol.POSTGRESQL, "127.0.0.1", 15432),
                        new Listener(Protocol.MYSQL, "127.0.0.1", 13306));
        assertThat(policy.audit().file())
                .isEqualTo(DEMO_POLICY
                        .toAbsolutePath()
                        .getParent()
                        .resolve("custos-audit.jsonl")
                        .normalize());
        assertThat(policy.audit().key()).isEqualTo(new SecretSource.Environment("CUSTOS_AUDIT_KEY"));
        assertThat(policy.audit().durability()).isEqualTo(AuditSettings.Durability.STRICT);
    }

    @Test
    void demoPolicy_classification() {
        List<ColumnRule> expected = new ArrayList<>();
        // PostgreSQL's schema is public; in MySQL the schema is the database.
        for (String schema : List.of("public", "custos_demo")) {
            expected.addAll(List.of(
                    rule(schema, "customer", "name", 1, new Mask.Partial(1, 0, "*"), Filter.DENY),
                    rule(schema, "customer", "id_card_no", 1, new Mask.Partial(6, 4, "*"), Filter.EQUALITY),
                    rule(schema, "customer", "mobile", 1, new Mask.Partial(3, 4, "*"), Filter.EQUALITY),
                    rule(schema, "customer", "home_address", 1, new Mask.Partial(6, 0, "*"), Filter.DENY),
                    rule(schema, "customer", "employer", 1, new Mask.Full("****"), Filter.DENY),
                    rule(schema, "customer_asset", "property_value", 2, new Mask.Null(), Filter.DENY),
                    rule(schema, "customer_asset", "annual_income", 2, new Mask.Null(), Filter.DENY),
                    rule(schema, "customer_bank", "account_no", 3, new Mask.Partial(0, 4, "*"), Filter.DENY),
                    rule(schema, "customer_bank", "credit_card_no", 3, new Mask.Partial(6, 4, "*"), Filter.DENY),
                    rule(schema, "customer_bank", "investment_summary", 3, new Mask.Full("****"), Filter.DENY)));
        }

        assertThat(policy.classification().rules()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(policy.classification().maxLevel()).isEqualTo(3);
        assertThat(policy.classification().classifies("public", "customer")).isTrue();
        assertThat(policy.classification().classifies("public", "project")).isFalse();
        assertThat(policy.classification().rule("public", "customer", "created_at"))
                .isEmpty();
    }

    @Test
    void demoPolicy_versionIsStable() {
        assertThat(policy.version()).matches("[0-9a-f]{12}");
        assertThat(PolicyLoader.load(DEMO_POLICY).version()).isEqualTo(policy.version());
    }

    private static ColumnRule rule(String schema, String table, String column, int level, Mask mask, Filter filter) {
        return new ColumnRule(schema, table, column, level, mask, filter);
    }
}
