package io.custos.rewrite.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.rewrite.MySqlMode;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Masking through views, in both dialects: a view's columns are traced into its definition, at any depth of views
 * over views, and a rule written for a view column wins over what the column derives from. Each row: dialect,
 * clearance, query, and either the masked sources ({@code ;}-separated, as the masker reports them), {@code
 * unchanged}, or {@code unanalysable:} with a part of the reason.
 */
class ViewMaskingTest {
    private final QueryMasker postgres = new QueryMasker(() -> SampleViews.POSTGRES);
    private final QueryMasker mySql = new QueryMasker(() -> SampleViews.MYSQL);

    @BeforeAll
    static void warmUp() {
        QueryMasker.warmUp();
    }

    @ParameterizedTest(name = "{0} clearance {1}: {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "pg | 0 | SELECT * FROM v_customer | customer.mobile;customer.name",
                "pg | 1 | SELECT * FROM v_customer | unchanged",
                "pg | 0 | SELECT v.name FROM v_customer v WHERE v.id = $1 | customer.name",
                "pg | 0 | SELECT id, project_id FROM v_customer | unchanged",
                "pg | 0 | SELECT count(*) FROM v_customer | unchanged",
                "pg | 0 | SELECT name_upper, phone FROM v_contact | customer.mobile;customer.name",
                "pg | 0 | SELECT id FROM v_contact | unchanged",
                "pg | 0 | SELECT * FROM v_contact_card | customer.mobile;customer_bank.account_no",
                "pg | 2 | SELECT * FROM v_contact_card | customer_bank.account_no",
                "pg | 0 | SELECT x.p FROM (SELECT phone AS p FROM v_contact) x | customer.mobile",
                "pg | 0 | SELECT phone FROM v_contact UNION SELECT name FROM project | customer.mobile",
                "pg | 0 | SELECT name FROM v_names | customer.name",
                "pg | 1 | SELECT label FROM v_label | v_label.label",
                "pg | 3 | SELECT label FROM v_label | unchanged",
                "pg | 1 | SELECT account_tail FROM v_account | unchanged",
                "pg | 0 | SELECT account_tail FROM v_account | v_account.account_tail",
                "pg | 0 | SELECT * FROM m_names | customer.name",
                "pg | 0 | SELECT * FROM v_project | unchanged",
                "pg | 0 | SELECT * FROM v_hidden | unanalysable: view public.v_hidden could not be analysed",
                "pg | 0 | SELECT id FROM v_unparsable | unanalysable: view public.v_unparsable could not be analysed",
                "my | 0 | SELECT * FROM v_customer | customer.mobile;customer.name",
                "my | 1 | SELECT * FROM v_customer | unchanged",
                "my | 0 | SELECT V.NAME FROM V_CUSTOMER V | customer.name",
                "my | 0 | SELECT name_upper, phone FROM v_contact | customer.mobile;customer.name",
                "my | 0 | SELECT * FROM custos_demo.v_contact_card | customer.mobile;customer_bank.account_no",
                "my | 2 | SELECT * FROM v_contact_card | customer_bank.account_no",
                "my | 0 | SELECT name FROM v_names | customer.name",
                "my | 1 | SELECT label FROM v_label | v_label.label",
                "my | 1 | SELECT account_tail FROM v_account | unchanged",
                "my | 0 | SELECT account_tail FROM v_account | v_account.account_tail",
                "my | 0 | SELECT * FROM v_project | unchanged",
                "my | 0 | SELECT * FROM v_hidden | unanalysable: view custos_demo.v_hidden could not be analysed",
                "my | 0 | SELECT id FROM v_unparsable | unanalysable: view custos_demo.v_unparsable could not be",
            })
    void mask_throughViews(String dialect, int clearance, String sql, String expected) {
        boolean my = dialect.equals("my");
        MaskOutcome outcome = my
                ? mySql.maskMySql(
                        sql, MySqlSampleDatabase.prepare(sql), SampleViews.caller(true, clearance), MySqlMode.DEFAULT)
                : postgres.mask(sql, SampleDatabase.prepare(sql), SampleViews.caller(false, clearance));

        if (expected.equals("unchanged")) {
            assertThat(outcome).isEqualTo(new MaskOutcome.Unchanged());
        } else if (expected.startsWith("unanalysable:")) {
            assertThat(outcome).isInstanceOf(MaskOutcome.Unanalysable.class);
            assertThat(((MaskOutcome.Unanalysable) outcome).reason())
                    .contains(expected.substring("unanalysable:".length()).strip());
        } else {
            String schema = my ? MySqlSampleDatabase.DATABASE + "." : "public.";
            List<String> masked = Arrays.stream(expected.split(";"))
                    .map(name -> schema + name)
                    .toList();
            assertThat(outcome).isInstanceOf(MaskOutcome.Rewritten.class);
            assertThat(((MaskOutcome.Rewritten) outcome).maskedColumns()).containsExactlyElementsOf(masked);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"pg", "my"})
    void mask_viewColumnRule_usesTheViewsMask(String dialect) {
        boolean my = dialect.equals("my");
        String sql = "SELECT label, account_tail FROM v_label, v_account";

        MaskOutcome outcome = my
                ? mySql.maskMySql(sql, sql, SampleViews.caller(true, 0), MySqlMode.DEFAULT)
                : postgres.mask(sql, sql, SampleViews.caller(false, 0));

        assertThat(outcome).isInstanceOf(MaskOutcome.Rewritten.class);
        assertThat(((MaskOutcome.Rewritten) outcome).sql())
                .contains("'[label]'")
                .contains("'#'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"pg", "my"})
    void mask_starOverView_keepsTheViewsColumnNames(String dialect) {
        boolean my = dialect.equals("my");
        String sql = "SELECT * FROM v_contact";

        MaskOutcome outcome = my
                ? mySql.maskMySql(sql, sql, SampleViews.caller(true, 0), MySqlMode.DEFAULT)
                : postgres.mask(sql, sql, SampleViews.caller(false, 0));

        String rewritten = ((MaskOutcome.Rewritten) outcome).sql();
        assertThat(rewritten)
                .startsWith(my ? "SELECT `v_contact`.`id`, " : "SELECT v_contact.id, ")
                .endsWith(" FROM v_contact");
        assertThat(rewritten).contains(my ? " AS `name_upper`" : " AS name_upper", my ? " AS `phone`" : " AS phone");
    }

    /**
     * A view that computes a value from a protected column hands out the computation under a plain column name: a mask
     * of it would let whoever wrote the view choose what the mask reveals, so it is NULL like any computed value.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"pg", "my"})
    void mask_viewComputingFromProtectedColumn_isNull(String dialect) {
        boolean my = dialect.equals("my");
        String sql = "SELECT name_upper, phone FROM v_contact";

        MaskOutcome outcome = my
                ? mySql.maskMySql(sql, sql, SampleViews.caller(true, 0), MySqlMode.DEFAULT)
                : postgres.mask(sql, sql, SampleViews.caller(false, 0));

        String rewritten = ((MaskOutcome.Rewritten) outcome).sql();
        String computedName = my ? "CASE WHEN FALSE THEN (name_upper) END" : "CASE WHEN false THEN (name_upper) END";
        assertThat(rewritten).contains(computedName);
        assertThat(rewritten).containsPattern(my ? "LEFT\\(\\(phone\\), 3\\)" : "left\\(\\(phone\\)::text, 3\\)");
    }
}
