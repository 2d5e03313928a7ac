package io.custos.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.analysis.QueryMasker;
import io.custos.rewrite.analysis.SampleViews;
import io.custos.rewrite.mysql.MySqlLexer;
import io.custos.rewrite.postgres.LexedStatement;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SQL-level prepared statements: PREPARE is decided as the statement it prepares (MySQL's literal masked inside), and
 * EXECUTE carries the decision of the statement it names, as the session's {@link SqlPreparedStatements} knows it.
 */
class StatementGatePreparedTest {
    private static final Role READER =
            new Role("reader", 0, Set.of(StatementClass.READ, StatementClass.SESSION), false);
    private static final Role CLERK = new Role(
            "clerk",
            2,
            Set.of(StatementClass.READ, StatementClass.UPDATE, StatementClass.SESSION, StatementClass.OTHER),
            false);

    private final StatementGate postgres =
            new StatementGate(new QueryMasker(() -> SampleViews.POSTGRES), () -> SampleViews.POSTGRES, 100);
    private final StatementGate mySql =
            new StatementGate(new QueryMasker(() -> SampleViews.MYSQL), () -> SampleViews.MYSQL, 100);

    private final SqlPreparedStatements postgresSession = SqlPreparedStatements.postgres();
    private final SqlPreparedStatements mySqlSession = SqlPreparedStatements.mySql();

    @Test
    void postgresExecute_carriesTheDecisionOfItsPrepare() {
        Caller reader = caller(READER, false);
        StatementVerdict prepare = postgres(
                        "PREPARE find (bigint) AS SELECT id, mobile FROM customer WHERE id = $1", reader)
                .statements()
                .get(0);
        assertThat(prepare.decision()).isEqualTo(Decision.REWRITTEN);
        postgresSession.completed(prepare);

        StatementVerdict execute =
                postgres("EXECUTE find(1)", reader).statements().get(0);

        assertThat(execute.decision()).isEqualTo(Decision.REWRITTEN);
        assertThat(execute.statementClass()).isEqualTo(StatementClass.READ);
        assertThat(execute.sql()).isEqualTo("EXECUTE find(1)");
        assertThat(execute.maskedColumns()).containsExactly("public.customer.mobile");
        assertThat(execute.touched().tables()).containsExactly("public.customer");
    }

    @Test
    void postgresExecute_ofAnUnknownOrDeallocatedStatementGoesToTheServer() {
        Caller reader = caller(READER, false);
        postgresSession.completed(postgres("PREPARE \"Find\" AS SELECT id FROM project", reader)
                .statements()
                .get(0));
        assertThat(postgres("EXECUTE \"Find\"", reader).statements().get(0).statementClass())
                .isEqualTo(StatementClass.READ);

        postgresSession.completed(
                postgres("DEALLOCATE PREPARE \"Find\"", reader).statements().get(0));

        StatementVerdict execute =
                postgres("EXECUTE \"Find\"", reader).statements().get(0);
        assertThat(execute.decision()).isEqualTo(Decision.ALLOWED);
        assertThat(execute.statementClass()).isEqualTo(StatementClass.OTHER);
        assertThat(postgres("EXECUTE find", reader).statements().get(0).decision())
                .isEqualTo(Decision.ALLOWED);
    }

    @Test
    void postgresExecute_isRefusedWhenThePreparedStatementWouldNowBeDecidedDifferently() {
        Caller reader = caller(READER, false);
        // What a session holds after the statement was prepared while the caller could read the column unmasked.
        postgresSession.completed(postgres("PREPARE find AS SELECT id, mobile FROM customer", caller(CLERK, false))
                .statements()
                .get(0));

        StatementVerdict execute = postgres("EXECUTE find", reader).statements().get(0);

        assertThat(execute.decision()).isEqualTo(Decision.REFUSED);
        assertThat(execute.rule()).isEqualTo("session-change");
        assertThat(execute.reason()).contains("prepared statement \"find\"").contains("prepare it again");
    }

    @Test
    void postgresExecute_needsTheRightsOfTheStatementItRuns() {
        Caller clerk = caller(CLERK, false);
        postgresSession.completed(postgres("PREPARE touch AS UPDATE project SET city = city WHERE id = 1", clerk)
                .statements()
                .get(0));

        StatementVerdict execute =
                postgres("EXECUTE touch", caller(READER, false)).statements().get(0);

        assertThat(execute.decision()).isEqualTo(Decision.REFUSED);
        assertThat(execute.rule()).isEqualTo("role-permission");
        assertThat(execute.reason()).isEqualTo("custos: role reader may not run UPDATE");
    }

    @Test
    void postgresExecute_argumentsPassTheChecksOfAnyStatement() {
        Caller reader = caller(READER, false);
        postgresSession.completed(postgres("PREPARE echo (text) AS SELECT $1", reader)
                .statements()
                .get(0));

        StatementVerdict execute = postgres("EXECUTE echo(pg_read_file('/etc/hostname'))", reader)
                .statements()
                .get(0);

        assertThat(execute.decision()).isEqualTo(Decision.REFUSED);
        assertThat(execute.rule()).isEqualTo("import-export");
    }

    @Test
    void mySqlPrepare_masksInsideTheLiteral() {
        Verdict verdict = mySql(
                "PREPARE find FROM 'SELECT id, mobile, ''it''''s'' AS quoted FROM customer WHERE id = 1'",
                caller(READER, true));

        StatementVerdict prepare = verdict.statements().get(0);
        assertThat(prepare.decision()).isEqualTo(Decision.REWRITTEN);
        assertThat(prepare.maskedColumns()).containsExactly("custos_demo.customer.mobile");
        List<LexedStatement> sent = MySqlLexer.split(prepare.sql(), MySqlMode.DEFAULT);
        String body = sent.get(0).preparedStatement().orElseThrow().body();
        assertThat(body)
                .startsWith("SELECT id, CAST(CASE WHEN (mobile) IS NULL")
                .endsWith("AS `mobile`, 'it''s' AS quoted FROM customer WHERE id = 1");
    }

    @Test
    void mySqlPrepare_ofARefusedStatementIsRefused() {
        StatementVerdict prepare = mySql(
                        "PREPARE find FROM 'SELECT id FROM customer WHERE name LIKE ''x%'''", caller(READER, true))
                .statements()
                .get(0);

        assertThat(prepare.decision()).isEqualTo(Decision.REFUSED);
        assertThat(prepare.rule()).isEqualTo("predicate");
    }

    @Test
    void mySqlExecute_carriesTheDecisionAndAFailedPrepareForgetsTheName() {
        Caller reader = caller(READER, true);
        StatementVerdict prepare = mySql("PREPARE Find FROM 'SELECT id, name FROM customer WHERE id = 1'", reader)
                .statements()
                .get(0);
        mySqlSession.completed(prepare);

        StatementVerdict execute = mySql("EXECUTE find", reader).statements().get(0);
        assertThat(execute.decision()).isEqualTo(Decision.REWRITTEN);
        assertThat(execute.statementClass()).isEqualTo(StatementClass.READ);
        assertThat(execute.maskedColumns()).containsExactly("custos_demo.customer.name");

        // MySQL deallocates the old statement before it prepares the new one, even when that fails.
        mySqlSession.failed(
                mySql("PREPARE find FROM 'SELECT nothing'", reader).statements().get(0));
        assertThat(mySqlSession.get("find")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 1", "SELECT 'it''s'", "SELECT 'back\\\\slash'", "SELECT 'a', \"b\" FROM t"})
    void mySqlString_readsBackAsTheText(String text) {
        for (MySqlMode mode : List.of(MySqlMode.DEFAULT, new MySqlMode(false, true))) {
            String statement = "PREPARE s FROM " + StatementGate.mySqlString(text, mode);

            LexedStatement lexed = MySqlLexer.split(statement, mode).get(0);

            assertThat(lexed.preparedStatement().orElseThrow().body()).isEqualTo(text);
        }
    }

    private Verdict postgres(String sql, Caller caller) {
        return postgres.check(sql, caller, true, postgresSession::get);
    }

    private Verdict mySql(String sql, Caller caller) {
        return mySql.checkMySql(sql, caller, MySqlMode.DEFAULT, mySqlSession::get);
    }

    private static Caller caller(Role role, boolean mySql) {
        return new Caller(
                "user",
                role,
                mySql ? SampleViews.MYSQL_CLASSIFICATION : SampleViews.POSTGRES_CLASSIFICATION,
                "v1",
                List.of(mySql ? "custos_demo" : "public"));
    }
}
