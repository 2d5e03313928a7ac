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
 * What the gate does about statements that change what names denote. It reads a whole message before the server runs
 * any of it, so below full clearance a change of search path or current database, DDL, or the end of a transaction
 * (which may undo a SET) must be the last statement of its message; and renaming or moving a table or column above
 * the caller's clearance would take it out of its classification.
 */
class StatementGateNamesTest {
    private static final Set<StatementClass> EVERYTHING =
            EnumSet.complementOf(EnumSet.of(StatementClass.IMPORT_EXPORT));

    private static final Map<String, Role> ROLES = Map.of(
            "it_engineer",
            new Role("it_engineer", 3, EVERYTHING, true),
            "info_clerk",
            new Role("info_clerk", 2, EVERYTHING, false),
            "contractor",
            new Role(
                    "contractor",
                    0,
                    Set.of(StatementClass.READ, StatementClass.SESSION, StatementClass.TRANSACTION),
                    false));

    private final StatementGate postgres =
            new StatementGate(new QueryMasker(() -> SampleViews.POSTGRES), () -> SampleViews.POSTGRES, 100);
    private final StatementGate mySql =
            new StatementGate(new QueryMasker(() -> SampleViews.MYSQL), () -> SampleViews.MYSQL, 100);

    @ParameterizedTest(name = "{0} {1}: {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "pg | contractor  | SET search_path TO archive, public; SELECT mobile FROM customer | REFUSED | must be the last statement of its message",
                "pg | contractor  | SET SESSION search_path = archive; SELECT 1                     | REFUSED | must be the last statement",
                "pg | contractor  | BEGIN; SET LOCAL search_path = archive; SELECT 1                | REFUSED | must be the last statement",
                "pg | contractor  | RESET search_path; SELECT 1                                     | REFUSED | must be the last statement",
                "pg | contractor  | RESET ALL; SELECT 1                                             | REFUSED | must be the last statement",
                "pg | contractor  | ROLLBACK; SELECT mobile FROM customer                           | REFUSED | must be the last statement",
                "pg | contractor  | ROLLBACK TO SAVEPOINT a; SELECT 1                               | REFUSED | must be the last statement",
                "pg | contractor  | COMMIT; SELECT 1                                                | REFUSED | must be the last statement",
                "pg | contractor  | SET ROLE other; SELECT 1                                        | REFUSED | must be the last statement",
                "pg | contractor  | DISCARD ALL; SELECT 1                                           | REFUSED | must be the last statement",
                "pg | info_clerk  | CREATE TEMP TABLE t (a int); SELECT * FROM t                    | REFUSED | must be the last statement",
                "pg | info_clerk  | DROP TABLE IF EXISTS t; SELECT * FROM project                   | REFUSED | must be the last statement",
                "pg | contractor  | SELECT 1; SET search_path TO archive, public                     | ALLOWED |",
                "pg | contractor  | BEGIN; SELECT 1; COMMIT                                         | ALLOWED |",
                "pg | contractor  | SET statement_timeout = 5; SELECT 1                             | ALLOWED |",
                "pg | contractor  | SAVEPOINT a; SELECT 1                                           | ALLOWED |",
                "pg | it_engineer | SET search_path TO archive, public; SELECT mobile FROM customer | ALLOWED |",
                "pg | info_clerk  | ALTER TABLE customer_bank RENAME TO cb                          | REFUSED | would take it out of its classification",
                "pg | info_clerk  | ALTER TABLE customer_bank RENAME COLUMN account_no TO a         | REFUSED | would take it out of its classification",
                "pg | info_clerk  | ALTER TABLE public.customer_bank SET SCHEMA archive             | REFUSED | would take it out of its classification",
                "pg | info_clerk  | ALTER VIEW v_contact_card RENAME TO v                           | REFUSED | would take it out of its classification",
                "pg | info_clerk  | ALTER TABLE customer RENAME COLUMN mobile TO phone              | ALLOWED |",
                "pg | it_engineer | ALTER TABLE customer_bank RENAME TO cb                          | ALLOWED |",
                "my | contractor  | USE other; SELECT mobile FROM customer                          | REFUSED | USE or DDL must be the last statement of its message",
                "my | info_clerk  | CREATE TEMPORARY TABLE t (a int); SELECT * FROM t               | REFUSED | USE or DDL must be the last statement",
                "my | contractor  | SELECT 1; USE other                                             | ALLOWED |",
                "my | it_engineer | USE other; SELECT mobile FROM customer                          | ALLOWED |",
                "my | info_clerk  | RENAME TABLE customer_bank TO cb                                | REFUSED | would take it out of its classification",
                "my | info_clerk  | ALTER TABLE customer_bank CHANGE account_no a varchar(30)       | REFUSED | would take it out of its classification",
                "my | info_clerk  | ALTER TABLE Customer_Bank RENAME TO cb                          | REFUSED | would take it out of its classification",
                "my | info_clerk  | ALTER TABLE project RENAME TO p                                 | ALLOWED |",
            })
    void check_statementsChangingNames(String dialect, String role, String sql, Decision decision, String reason) {
        boolean my = dialect.equals("my");
        Caller caller = new Caller(
                "user_" + role,
                ROLES.get(role),
                my ? SampleViews.MYSQL_CLASSIFICATION : SampleViews.POSTGRES_CLASSIFICATION,
                "v1",
                List.of(my ? "custos_demo" : "public"));

        Verdict verdict = my ? mySql.checkMySql(sql, caller, MySqlMode.DEFAULT) : postgres.check(sql, caller, true);

        if (decision == Decision.REFUSED) {
            assertThat(verdict.refusal()).get().satisfies(refusal -> assertThat(refusal.reason())
                    .startsWith("custos: ")
                    .contains(reason));
        } else {
            assertThat(verdict.refused()).as("%s", verdict).isFalse();
        }
    }
}
