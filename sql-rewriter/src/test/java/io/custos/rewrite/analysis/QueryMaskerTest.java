package io.custos.rewrite.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.custos.policy.Mask;
import io.custos.rewrite.Caller;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class QueryMaskerTest {
    private static final List<MaskCase> CASES = MaskCase.load("mask-cases.txt");

    private final QueryMasker masker = new QueryMasker(() -> SampleDatabase.CATALOG);

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
    void mask_caseFromFile(MaskCase maskCase) {
        MaskOutcome outcome = mask(maskCase);

        switch (maskCase.expected()) {
            case UNCHANGED -> assertThat(outcome).isEqualTo(new MaskOutcome.Unchanged());
            case UNANALYSABLE -> {
                assertThat(outcome).isInstanceOf(MaskOutcome.Unanalysable.class);
                String reason = ((MaskOutcome.Unanalysable) outcome).reason();
                assertThat(reason)
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

    /**
     * Calcite names unnamed outputs of a derived table {@code EXPR$n} where PostgreSQL names them after the function,
     * so a star expanded over such a table is valid PostgreSQL that Calcite cannot validate; it is only parsed.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rewrittenCases")
    void mask_rewrittenSqlParsesAndValidates(MaskCase maskCase) throws Exception {
        MaskOutcome.Rewritten rewritten = (MaskOutcome.Rewritten) mask(maskCase);
        String prepared = SampleDatabase.prepare(rewritten.sql());

        SqlNode original = SqlParser.create(SampleDatabase.prepare(maskCase.sql()), CalciteSetup.PARSER)
                .parseQuery();
        SqlNode parsed = SqlParser.create(prepared, CalciteSetup.PARSER).parseQuery();
        if (maskCase.name().contains("star over a derived table")) {
            return;
        }

        var validator = CalciteSetup.validator(CalciteSetup.schema(SampleDatabase.CATALOG), List.of("public"));
        int columns = validator.getValidatedNodeType(validator.validate(parsed)).getFieldCount();
        var originalValidator = CalciteSetup.validator(CalciteSetup.schema(SampleDatabase.CATALOG), List.of("public"));
        assertThat(columns)
                .isEqualTo(originalValidator
                        .getValidatedNodeType(originalValidator.validate(original))
                        .getFieldCount());
    }

    /** Every output keeps the name PostgreSQL would have given it: the masks carry the original labels. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rewrittenCases")
    void mask_rewrittenOutputsKeepTheirLabels(MaskCase maskCase) throws Exception {
        MaskOutcome.Rewritten rewritten = (MaskOutcome.Rewritten) mask(maskCase);
        if (maskCase.name().contains("star over a derived table")) {
            return;
        }

        assertThat(labels(rewritten.sql())).isEqualTo(labels(maskCase.sql()));
    }

    @Test
    void mask_tabsAndCarriageReturns_keepOffsets() {
        String sql = "SELECT\tid,\r\n\t\"mobile\"\r\nFROM customer\r\nWHERE id = $1";

        MaskOutcome outcome = mask(sql, 0);

        assertThat(outcome).isInstanceOf(MaskOutcome.Rewritten.class);
        assertThat(((MaskOutcome.Rewritten) outcome).sql())
                .startsWith("SELECT\tid,\r\n\tCAST(CASE WHEN (\"mobile\") IS NULL")
                .endsWith(" AS character varying(20)) AS mobile\r\nFROM customer\r\nWHERE id = $1");
    }

    @Test
    void mask_labelFollowsPostgresNames() {
        assertThat(rewrittenLabelOf("SELECT c.mobile FROM customer c")).endsWith(" AS mobile FROM customer c");
        assertThat(rewrittenLabelOf("SELECT mobile::text FROM customer")).endsWith(" AS mobile FROM customer");
        assertThat(rewrittenLabelOf("SELECT substr(mobile, 2) FROM customer")).endsWith(" AS substr FROM customer");
        assertThat(rewrittenLabelOf("SELECT mobile || 'x' FROM customer")).endsWith(" AS \"?column?\" FROM customer");
        assertThat(rewrittenLabelOf("SELECT (SELECT mobile FROM customer LIMIT 1) FROM project"))
                .endsWith(" AS mobile FROM project");
        assertThat(rewrittenLabelOf("SELECT mobile AS \"Phone\" FROM customer"))
                .endsWith(" AS \"Phone\" FROM customer");
    }

    @Test
    void mask_catalogVersionChange_usesNewCatalog() {
        AtomicReference<Catalog> current = new AtomicReference<>(SampleDatabase.CATALOG);
        QueryMasker switching = new QueryMasker(current::get);
        String sql = "SELECT mobile FROM customer";
        assertThat(switching.mask(sql, sql, SampleDatabase.caller(0))).isInstanceOf(MaskOutcome.Rewritten.class);

        current.set(Catalog.of(
                List.of(new CatalogTable("public", "other", List.of(new CatalogColumn("id", "bigint", false)))), 2));

        assertThat(switching.mask(sql, sql, SampleDatabase.caller(0))).isInstanceOf(MaskOutcome.Unanalysable.class);
    }

    @Test
    void mask_searchPathResolvesUnqualifiedTables() {
        String sql = "SELECT mobile FROM customer";

        MaskOutcome outcome = masker.mask(sql, sql, SampleDatabase.caller(0, List.of("audit", "public")));

        assertThat(outcome).isInstanceOf(MaskOutcome.Rewritten.class);
        assertThat(masker.mask(sql, sql, SampleDatabase.caller(0, List.of("audit"))))
                .isInstanceOf(MaskOutcome.Unanalysable.class);
    }

    @Test
    void mask_lengthMismatch_isUnanalysable() {
        assertThat(masker.mask("SELECT 1", "SELECT 1 ", SampleDatabase.caller(0)))
                .isInstanceOf(MaskOutcome.Unanalysable.class);
    }

    @Test
    void warmUp_completes() {
        assertThatCode(QueryMasker::warmUp).doesNotThrowAnyException();
    }

    @Test
    void render_emailAndHash() {
        assertThat(MaskSql.render(new Mask.Email(), "e", true, "character varying(80)"))
                .isEqualTo("CAST(CASE WHEN (e) IS NULL THEN NULL WHEN strpos((e)::text, '@') <= 1 THEN repeat('*', "
                        + "char_length((e)::text)) ELSE left((e)::text, 1) || repeat('*', strpos((e)::text, '@') - 2) "
                        + "|| substr((e)::text, strpos((e)::text, '@')) END AS character varying(80))");
        assertThat(MaskSql.render(new Mask.Hash(), "x", true, "character varying(18)"))
                .isEqualTo("CAST(encode(sha256(convert_to((x)::text, 'UTF8')), 'hex') AS character varying)");
        assertThat(MaskSql.render(new Mask.Hash(), "x", false, "bigint")).isEqualTo("CAST(NULL AS bigint)");
        assertThat(MaskSql.render(new Mask.Full("it's"), "x", true, "text"))
                .isEqualTo("CAST(CASE WHEN (x) IS NULL THEN NULL ELSE 'it''s' END AS text)");
    }

    @Test
    void render_computedExpression_nullWithoutEvaluating() {
        assertThat(MaskSql.render(new Mask.Partial(3, 4, "*"), "substr(mobile, 4)", true, null))
                .isEqualTo("CASE WHEN false THEN (substr(mobile, 4)) END");
        assertThat(MaskSql.render(new Mask.Full("***"), "mobile::int", false, null))
                .isEqualTo("CASE WHEN false THEN (mobile::int) END");
    }

    private static List<String> labels(String sql) throws Exception {
        SqlNode parsed = SqlParser.create(SampleDatabase.prepare(sql), CalciteSetup.PARSER)
                .parseQuery();
        var validator = CalciteSetup.validator(CalciteSetup.schema(SampleDatabase.CATALOG), List.of("public"));
        SqlNode validated = validator.validate(parsed);
        Lineage lineage = new Lineage(validator, SampleDatabase.CATALOG);
        int columns = validator.getValidatedNodeType(validated).getFieldCount();
        return IntStream.range(0, columns)
                .mapToObj(index -> lineage.queryLabel(validated, index))
                .toList();
    }

    private String rewrittenLabelOf(String sql) {
        MaskOutcome outcome = mask(sql, 0);
        assertThat(outcome).isInstanceOf(MaskOutcome.Rewritten.class);
        return ((MaskOutcome.Rewritten) outcome).sql();
    }

    private MaskOutcome mask(String sql, int clearance) {
        return masker.mask(sql, SampleDatabase.prepare(sql), SampleDatabase.caller(clearance));
    }

    private MaskOutcome mask(MaskCase maskCase) {
        Caller caller = maskCase.allowFilters()
                ? SampleDatabase.callerAllowingFilters(maskCase.clearance())
                : SampleDatabase.caller(maskCase.clearance());
        return masker.mask(maskCase.sql(), SampleDatabase.prepare(maskCase.sql()), caller);
    }
}
