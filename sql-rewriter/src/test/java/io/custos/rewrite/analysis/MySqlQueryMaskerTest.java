package io.custos.rewrite.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.Classification;
import io.custos.policy.ColumnRule;
import io.custos.policy.Filter;
import io.custos.policy.Mask;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.Caller;
import io.custos.rewrite.MySqlMode;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.validate.SqlValidator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class MySqlQueryMaskerTest {
    private static final List<MaskCase> CASES = MaskCase.load("mysql-mask-cases.txt");

    /**
     * Calcite names a derived table's unnamed outputs {@code EXPR$n} where MySQL names them after their text, and its
     * validator fails on a CASE without ELSE in an aggregate query: such rewrites are only parsed.
     */
    private static final List<String> CALCITE_CANNOT_VALIDATE = List.of("star over computed", "(parsed only)");

    private final QueryMasker masker = new QueryMasker(() -> MySqlSampleDatabase.CATALOG);

    @BeforeAll
    static void warmUp() {
        QueryMasker.warmUp();
    }

    static Stream<MaskCase> cases() {
        return CASES.stream();
    }

    static Stream<MaskCase> rewrittenCases() {
        return CASES.stream().filter(c -> c.expected() == MaskCase.Expected.REWRITTEN);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void maskMySql_caseFromFile(MaskCase maskCase) {
        MaskOutcome outcome = mask(maskCase);

        switch (maskCase.expected()) {
            case UNCHANGED -> assertThat(outcome).isEqualTo(new MaskOutcome.Unchanged());
            case UNANALYSABLE -> {
                assertThat(outcome).isInstanceOf(MaskOutcome.Unanalysable.class);
                assertThat(((MaskOutcome.Unanalysable) outcome).reason())
                        .doesNotContain("\n")
                        .doesNotContain("Exception")
                        .contains(maskCase.text());
            }
            case REWRITTEN -> {
                assertThat(outcome).isInstanceOf(MaskOutcome.Rewritten.class);
                MaskOutcome.Rewritten rewritten = (MaskOutcome.Rewritten) outcome;
                assertThat(rewritten.sql()).isEqualTo(maskCase.text());
                assertThat(rewritten.maskedColumns()).containsExactlyElementsOf(maskCase.masked());
            }
            case REFUSED -> {
                assertThat(outcome).isInstanceOf(MaskOutcome.Refused.class);
                MaskOutcome.Refused refused = (MaskOutcome.Refused) outcome;
                String expected = maskCase.text();
                int colon = expected.indexOf(':');
                assertThat(refused.rule())
                        .isEqualTo(expected.substring(0, colon).strip());
                assertThat(refused.reason())
                        .startsWith(expected.substring(colon + 1).strip());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rewrittenCases")
    void maskMySql_rewrittenSqlParsesAndValidates(MaskCase maskCase) throws Exception {
        MaskOutcome.Rewritten rewritten = (MaskOutcome.Rewritten) mask(maskCase);

        SqlNode parsed = SqlParser.create(MySqlSampleDatabase.prepare(rewritten.sql()), CalciteSetup.MYSQL_PARSER)
                .parseQuery();
        if (CALCITE_CANNOT_VALIDATE.stream().anyMatch(maskCase.name()::contains)) {
            return;
        }
        SqlNode original = SqlParser.create(MySqlSampleDatabase.prepare(maskCase.sql()), CalciteSetup.MYSQL_PARSER)
                .parseQuery();

        SqlValidator validator = validator();
        SqlValidator originalValidator = validator();
        assertThat(validator.getValidatedNodeType(validator.validate(parsed)).getFieldCount())
                .isEqualTo(originalValidator
                        .getValidatedNodeType(originalValidator.validate(original))
                        .getFieldCount());
    }

    /** Every output keeps the name MySQL would have given it: the masks carry the original names. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rewrittenCases")
    void maskMySql_rewrittenOutputsKeepTheirNames(MaskCase maskCase) throws Exception {
        MaskOutcome.Rewritten rewritten = (MaskOutcome.Rewritten) mask(maskCase);
        if (CALCITE_CANNOT_VALIDATE.stream().anyMatch(maskCase.name()::contains)) {
            return;
        }

        assertThat(names(rewritten.sql())).isEqualTo(names(maskCase.sql()));
    }

    @Test
    void maskMySql_noDatabaseSelected_unqualifiedTablesAreUnanalysable() {
        String sql = "SELECT name FROM customer";
        String qualified = "SELECT name FROM custos_demo.customer";

        assertThat(masker.maskMySql(sql, sql, MySqlSampleDatabase.caller(0, List.of()), MySqlMode.DEFAULT))
                .isInstanceOf(MaskOutcome.Unanalysable.class);
        assertThat(masker.maskMySql(sql, sql, MySqlSampleDatabase.caller(0, List.of("")), MySqlMode.DEFAULT))
                .isInstanceOf(MaskOutcome.Unanalysable.class);
        assertThat(masker.maskMySql(qualified, qualified, MySqlSampleDatabase.caller(0, List.of()), MySqlMode.DEFAULT))
                .isInstanceOf(MaskOutcome.Rewritten.class);
    }

    @Test
    void maskMySql_policyNamesMatchWithoutCase() {
        Classification upperCase = new Classification(List.of(
                new ColumnRule("CUSTOS_DEMO", "Customer", "Mobile", 1, new Mask.Partial(3, 4, "*"), Filter.ALLOW)));
        Caller caller = new Caller(
                "u",
                new Role("r", 0, Set.of(StatementClass.READ), false),
                upperCase,
                "v",
                List.of(MySqlSampleDatabase.DATABASE));
        String sql = "SELECT mobile FROM customer";

        MaskOutcome outcome = masker.maskMySql(sql, sql, caller, MySqlMode.DEFAULT);

        assertThat(outcome).isInstanceOf(MaskOutcome.Rewritten.class);
        assertThat(((MaskOutcome.Rewritten) outcome).maskedColumns()).containsExactly("custos_demo.customer.mobile");
    }

    @Test
    void maskMySql_backslashInMaskFollowsTheSessionMode() {
        Classification backslash = new Classification(List.of(new ColumnRule(
                MySqlSampleDatabase.DATABASE, "customer", "employer", 1, new Mask.Full("a\\b"), Filter.ALLOW)));
        Caller caller = new Caller(
                "u",
                new Role("r", 0, Set.of(StatementClass.READ), false),
                backslash,
                "v",
                List.of(MySqlSampleDatabase.DATABASE));
        String sql = "SELECT employer FROM customer";

        assertThat(((MaskOutcome.Rewritten) masker.maskMySql(sql, sql, caller, MySqlMode.DEFAULT)).sql())
                .contains("ELSE 'a\\\\b' END");
        assertThat(((MaskOutcome.Rewritten) masker.maskMySql(sql, sql, caller, new MySqlMode(true, true))).sql())
                .contains("ELSE 'a\\b' END");
    }

    @Test
    void maskMySql_tabsAndCarriageReturns_keepOffsets() {
        String sql = "SELECT\tid,\r\n\t`mobile`\r\nFROM customer\r\nWHERE id = ?";

        MaskOutcome outcome = mask(sql, 0);

        assertThat(((MaskOutcome.Rewritten) outcome).sql())
                .startsWith("SELECT\tid,\r\n\tCAST(CASE WHEN (`mobile`) IS NULL")
                .endsWith(" AS CHAR(11)) AS `mobile`\r\nFROM customer\r\nWHERE id = ?");
    }

    @Test
    void maskMySql_longExpressionNameIsCutAsMySqlCutsIt() {
        String sql = "SELECT CONCAT(name, '" + "x".repeat(300) + "') FROM customer";

        MaskOutcome.Rewritten rewritten = (MaskOutcome.Rewritten) mask(sql, 0);

        String label = rewritten
                .sql()
                .substring(rewritten.sql().indexOf(" AS `") + 5, rewritten.sql().lastIndexOf('`'));
        assertThat(label).hasSize(Lineage.MYSQL_MAX_NAME_CHARS).startsWith("CONCAT(name, 'xxx");
    }

    @Test
    void render_emailAndHash() {
        assertThat(MySqlMaskSql.render(new Mask.Email(), "e", true, "varchar(80)", true))
                .isEqualTo("CAST(CASE WHEN (e) IS NULL THEN NULL WHEN LOCATE('@', (e)) <= 1 THEN REPEAT('*', "
                        + "CHAR_LENGTH((e))) ELSE CONCAT(LEFT((e), 1), REPEAT('*', LOCATE('@', (e)) - 2), "
                        + "SUBSTRING((e), LOCATE('@', (e)))) END AS CHAR(80))");
        assertThat(MySqlMaskSql.render(new Mask.Hash(), "x", true, "varchar(18)", true))
                .isEqualTo("SHA2((x), 256)");
        assertThat(MySqlMaskSql.render(new Mask.Full("it's"), "x", true, "text", true))
                .isEqualTo("CASE WHEN (x) IS NULL THEN NULL ELSE 'it''s' END");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "decimal(14,2)      | CAST(NULL AS DECIMAL(14,2))",
                "date               | CAST(NULL AS DATE)",
                "datetime           | CAST(NULL AS DATETIME)",
                "datetime(3)        | CAST(NULL AS DATETIME(3))",
                "time               | CAST(NULL AS TIME)",
                "bigint             | CAST(NULL AS SIGNED)",
                "bigint(20)         | CAST(NULL AS SIGNED)",
                "bigint(20) unsigned | CAST(NULL AS UNSIGNED)",
                "varchar(40)        | CAST(NULL AS CHAR(40))",
                "char(2)            | CAST(NULL AS CHAR(2))",
                "int(11)            | CASE WHEN FALSE THEN (x) END",
                "int                | CASE WHEN FALSE THEN (x) END",
                "tinyint(1)         | CASE WHEN FALSE THEN (x) END",
                "timestamp          | CASE WHEN FALSE THEN (x) END",
                "double             | CASE WHEN FALSE THEN (x) END",
                "text               | CASE WHEN FALSE THEN (x) END",
                "json               | CASE WHEN FALSE THEN (x) END",
                "enum('a','b')      | CASE WHEN FALSE THEN (x) END",
            })
    void render_nullMask_castWhereMySqlCanExpressTheType(String type, String expected) {
        assertThat(MySqlMaskSql.render(new Mask.Null(), "x", false, type, true)).isEqualTo(expected);
    }

    @Test
    void render_computedExpression_nullWithoutEvaluating() {
        assertThat(MySqlMaskSql.render(new Mask.Partial(3, 4, "*"), "SUBSTRING(mobile, 4)", true, null, true))
                .isEqualTo("CASE WHEN FALSE THEN (SUBSTRING(mobile, 4)) END");
    }

    private static List<String> names(String sql) throws Exception {
        String prepared = MySqlSampleDatabase.prepare(sql);
        SqlNode parsed = SqlParser.create(prepared, CalciteSetup.MYSQL_PARSER).parseQuery();
        SqlValidator validator = validator();
        SqlNode validated = validator.validate(parsed);
        Lineage lineage = new Lineage(validator, MySqlSampleDatabase.CATALOG, sql, prepared);
        int columns = validator.getValidatedNodeType(validated).getFieldCount();
        return IntStream.range(0, columns)
                .mapToObj(index -> lineage.queryLabel(validated, index))
                .toList();
    }

    private static SqlValidator validator() {
        return CalciteSetup.validator(
                CalciteSetup.schema(MySqlSampleDatabase.CATALOG, Dialect.MYSQL),
                List.of(MySqlSampleDatabase.DATABASE),
                Dialect.MYSQL);
    }

    private MaskOutcome mask(String sql, int clearance) {
        return masker.maskMySql(
                sql, MySqlSampleDatabase.prepare(sql), MySqlSampleDatabase.caller(clearance), MySqlMode.DEFAULT);
    }

    private MaskOutcome mask(MaskCase maskCase) {
        Caller caller = maskCase.allowFilters()
                ? MySqlSampleDatabase.callerAllowingFilters(maskCase.clearance())
                : MySqlSampleDatabase.caller(maskCase.clearance());
        return masker.maskMySql(maskCase.sql(), MySqlSampleDatabase.prepare(maskCase.sql()), caller, MySqlMode.DEFAULT);
    }
}
