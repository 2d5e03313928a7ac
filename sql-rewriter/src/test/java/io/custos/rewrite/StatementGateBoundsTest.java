package io.custos.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.AnalysisSettings;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.analysis.QueryMasker;
import io.custos.rewrite.analysis.SampleViews;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile statements, generated: past the analysis bounds they are refused below full clearance with a message naming
 * the bound, and pass for full clearance; nothing on the way (the lexers, Calcite, the lineage walk) may throw, a
 * stack overflow included.
 */
class StatementGateBoundsTest {
    private static final Role CONTRACTOR = new Role("contractor", 0, EnumSet.of(StatementClass.READ), false);
    private static final Role IT_ENGINEER =
            new Role("it_engineer", 3, EnumSet.complementOf(EnumSet.of(StatementClass.IMPORT_EXPORT)), true);

    private final StatementGate postgres = new StatementGate(
            new QueryMasker(() -> SampleViews.POSTGRES),
            () -> SampleViews.POSTGRES,
            name -> false,
            () -> AnalysisSettings.DEFAULT);
    private final StatementGate mySql = new StatementGate(
            new QueryMasker(() -> SampleViews.MYSQL),
            () -> SampleViews.MYSQL,
            name -> false,
            () -> AnalysisSettings.DEFAULT);

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of(
                        "10,000 nested parentheses",
                        (Supplier<String>)
                                () -> "SELECT " + "(".repeat(10_000) + "name" + ")".repeat(10_000) + " FROM customer",
                        "levels of parentheses"),
                Arguments.of(
                        "100,000 nested parentheses",
                        (Supplier<String>) () -> "SELECT " + "(".repeat(100_000) + "1" + ")".repeat(100_000),
                        "levels of parentheses"),
                Arguments.of(
                        "5,000 nested subqueries",
                        (Supplier<String>) () ->
                                "SELECT " + "(SELECT ".repeat(5_000) + "name" + ")".repeat(5_000) + " FROM customer",
                        "levels of parentheses"),
                Arguments.of(
                        "1 MB IN list",
                        (Supplier<String>) () -> "SELECT name FROM customer WHERE id IN ("
                                + IntStream.range(0, 150_000)
                                        .mapToObj(Integer::toString)
                                        .collect(Collectors.joining(","))
                                + ")",
                        "terms, more than the 10000 of max_terms"),
                Arguments.of(
                        "50,000 UNION branches",
                        (Supplier<String>)
                                () -> "SELECT name FROM customer" + " UNION SELECT name FROM customer".repeat(50_000),
                        "50000 set operations, more than the 200 of max_set_operations"),
                Arguments.of(
                        "5,000 UNION branches",
                        (Supplier<String>) () -> "SELECT 1" + " UNION SELECT 1".repeat(5_000),
                        "5000 set operations, more than the 200 of max_set_operations"),
                Arguments.of(
                        "30,000 OR terms",
                        (Supplier<String>)
                                () -> "SELECT name FROM customer WHERE " + "id = 1 OR ".repeat(30_000) + "id = 2",
                        "terms, more than the 10000 of max_terms"),
                Arguments.of(
                        "25,000 string concatenations",
                        (Supplier<String>) () -> "SELECT name" + " || 'x'".repeat(25_000) + " FROM customer",
                        "terms, more than the 10000 of max_terms"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void check_hostileStatement_refusedBelowFullClearanceInBothDialects(
            String name, Supplier<String> generator, String bound) {
        String sql = generator.get();

        for (boolean my : List.of(false, true)) {
            StatementVerdict refused = check(my, sql, CONTRACTOR).statements().get(0);
            StatementVerdict passed = check(my, sql, IT_ENGINEER).statements().get(0);

            assertThat(refused.decision()).as(my ? "MySQL" : "PostgreSQL").isEqualTo(Decision.REFUSED);
            assertThat(refused.rule()).isEqualTo("analysis-bounds");
            assertThat(refused.reason())
                    .startsWith("custos: statement is too large to analyse (")
                    .contains(bound)
                    .endsWith("; statements this large are reserved to full clearance");
            assertThat(passed.decision()).isEqualTo(Decision.ALLOWED);
        }
    }

    /**
     * A left-deep chain just inside the bounds nests as deep as it is long in Calcite's parser and validator: it is
     * analysed on a thread with stack enough, and masked.
     */
    @Test
    void check_longChainWithinBounds_isAnalysedAndMasked() {
        String sql = "SELECT name FROM customer WHERE " + "id = 1 OR ".repeat(2_400) + "id = 2";

        for (boolean my : List.of(false, true)) {
            StatementVerdict verdict = check(my, sql, CONTRACTOR).statements().get(0);

            assertThat(verdict.decision()).as(my ? "MySQL" : "PostgreSQL").isEqualTo(Decision.REWRITTEN);
        }
    }

    @Test
    void check_longStatementOfFewTerms_boundedByLength() {
        String sql = "SELECT name FROM customer WHERE name = '" + "x".repeat(300_000) + "'";

        StatementVerdict verdict = check(false, sql, CONTRACTOR).statements().get(0);

        assertThat(verdict.reason()).contains("characters, more than the 262144 of max_statement_length");
    }

    @Test
    void check_unionsWithinBounds_areAnalysed() {
        String sql = "SELECT mobile FROM customer" + " UNION ALL SELECT mobile FROM customer".repeat(150);

        StatementVerdict verdict = check(false, sql, CONTRACTOR).statements().get(0);

        assertThat(verdict.decision()).isEqualTo(Decision.REWRITTEN);
    }

    @Test
    void check_messageLongerThanMaxMessageLength_isNotSplitAndOnlyUnrestrictedRolesPass() {
        String sql = "SELECT 1;".repeat(600_000);

        for (boolean my : List.of(false, true)) {
            Verdict refused = check(my, sql, CONTRACTOR);
            Verdict passed = check(my, sql, IT_ENGINEER);

            assertThat(refused.statements()).hasSize(1);
            assertThat(refused.refusal().orElseThrow().reason())
                    .startsWith("custos: message of 5400000 characters exceeds the analysis bound of 4194304")
                    .contains("max_message_length");
            assertThat(passed.refused()).isFalse();
            assertThat(passed.sql()).isSameAs(sql);
            assertThat(passed.statements().get(0).normalized())
                    .isEqualTo("<message of 5400000 characters, not analysed>");
        }
    }

    /** Writes are read by the lexer alone: a long multi-row INSERT below full clearance is not refused for its size. */
    @Test
    void check_longInsert_isNotBoundedLikeAQuery() {
        Role staff = new Role("staff", 1, EnumSet.of(StatementClass.READ, StatementClass.INSERT), false);
        String sql = "INSERT INTO project (id, name) VALUES "
                + IntStream.range(0, 30_000).mapToObj(i -> "(" + i + ", 'p')").collect(Collectors.joining(", "));

        assertThat(check(false, sql, staff).refused()).isFalse();
        assertThat(check(true, sql, staff).refused()).isFalse();
    }

    @Test
    void check_tighterBoundsFromSettings_apply() {
        AnalysisSettings tight = new AnalysisSettings(4_194_304, 262_144, 10_000, 3, 200, 100, 60);
        StatementGate gate = new StatementGate(
                new QueryMasker(() -> SampleViews.POSTGRES), () -> SampleViews.POSTGRES, name -> false, () -> tight);

        StatementVerdict verdict = gate.check("SELECT ((((1))))", caller(false, CONTRACTOR), true)
                .statements()
                .get(0);

        assertThat(verdict.reason()).contains("4 levels of parentheses, more than the 3 of max_depth");
    }

    private Verdict check(boolean my, String sql, Role role) {
        return my
                ? mySql.checkMySql(sql, caller(true, role), MySqlMode.DEFAULT)
                : postgres.check(sql, caller(false, role), true);
    }

    private static Caller caller(boolean my, Role role) {
        return new Caller(
                "user_" + role.name(),
                role,
                my ? SampleViews.MYSQL_CLASSIFICATION : SampleViews.POSTGRES_CLASSIFICATION,
                "v1",
                List.of(my ? "custos_demo" : "public"));
    }
}
