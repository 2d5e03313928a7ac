package io.custos.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.analysis.QueryMasker;
import io.custos.rewrite.analysis.SampleViews;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The gate over views in both dialects: queries through views are masked like their base tables, a view that cannot
 * be analysed is refused below full clearance with a message naming it, and writes and side channels through a view
 * over columns the caller may not see are refused like those through the table.
 */
class StatementGateViewTest {
    private static final Set<StatementClass> EVERYTHING =
            EnumSet.complementOf(EnumSet.of(StatementClass.IMPORT_EXPORT));

    private static final Map<String, Role> ROLES = Map.of(
            "it_engineer", new Role("it_engineer", 3, EVERYTHING, true),
            "info_clerk", new Role("info_clerk", 2, EVERYTHING, false),
            "staff",
                    new Role(
                            "staff",
                            1,
                            Set.of(StatementClass.READ, StatementClass.INSERT, StatementClass.SESSION),
                            false),
            "contractor", new Role("contractor", 0, Set.of(StatementClass.READ), false));

    private final StatementGate postgres =
            new StatementGate(new QueryMasker(() -> SampleViews.POSTGRES), () -> SampleViews.POSTGRES, 100);
    private final StatementGate mySql =
            new StatementGate(new QueryMasker(() -> SampleViews.MYSQL), () -> SampleViews.MYSQL, 100);

    @ParameterizedTest(name = "{0} {1}: {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "pg | contractor  | SELECT * FROM v_customer                       | REWRITTEN  |",
                "pg | staff       | SELECT * FROM v_customer                       | ALLOWED    |",
                "pg | it_engineer | SELECT * FROM v_hidden                         | ALLOWED    |",
                "pg | contractor  | SELECT * FROM v_hidden                         | REFUSED    | view public.v_hidden could not be analysed",
                "pg | contractor  | SELECT id FROM v_unparsable                    | REFUSED    | view public.v_unparsable could not be analysed",
                "pg | contractor  | SELECT * FROM v_project                        | ALLOWED    |",
                "pg | contractor  | SELECT * FROM v_contact_card                   | REWRITTEN  |",
                "pg | info_clerk  | UPDATE v_contact_card SET phone = '1' WHERE id = 2 | REFUSED | v_contact_card, a view over columns above",
                "pg | info_clerk  | UPDATE v_customer SET mobile = '1' WHERE id = 2 | ALLOWED   |",
                "pg | info_clerk  | INSERT INTO project (name) SELECT phone FROM v_contact_card | REFUSED | (v_contact_card)",
                "pg | info_clerk  | CREATE TABLE copy AS SELECT * FROM v_account   | REFUSED    | (v_account)",
                "pg | info_clerk  | CREATE TABLE copy AS SELECT * FROM v_project   | ALLOWED    |",
                "my | contractor  | SELECT * FROM v_customer                       | REWRITTEN  |",
                "my | contractor  | SELECT * FROM V_Customer                       | REWRITTEN  |",
                "my | contractor  | SELECT * FROM v_hidden                         | REFUSED    | view custos_demo.v_hidden could not be analysed",
                "my | it_engineer | SELECT * FROM v_hidden                         | ALLOWED    |",
                "my | contractor  | SELECT * FROM v_project                        | ALLOWED    |",
                "my | staff       | SELECT account_no INTO @a FROM v_contact_card  | REFUSED    | into a variable",
                "my | staff       | SELECT name INTO @a FROM v_customer            | ALLOWED    |",
                "my | info_clerk  | UPDATE v_contact_card SET phone = '1'          | REFUSED    | v_contact_card, a view over columns above",
                "my | info_clerk  | INSERT INTO project (name) SELECT account_no FROM v_contact_card | REFUSED | (v_contact_card)",
            })
    void check_throughViews(String dialect, String role, String sql, Decision decision, String reason) {
        boolean my = dialect.equals("my");
        Caller caller = new Caller(
                "user_" + role,
                ROLES.get(role),
                my ? SampleViews.MYSQL_CLASSIFICATION : SampleViews.POSTGRES_CLASSIFICATION,
                "v1",
                List.of(my ? "custos_demo" : "public"));

        Verdict verdict = my ? mySql.checkMySql(sql, caller, MySqlMode.DEFAULT) : postgres.check(sql, caller, true);

        StatementVerdict statement = verdict.statements().get(0);
        assertThat(statement.decision()).isEqualTo(decision);
        if (reason != null) {
            assertThat(statement.reason()).startsWith("custos: ").contains(reason);
        }
    }
}
