package io.custos.rewrite.analysis;

import io.custos.policy.Classification;
import io.custos.policy.ColumnRule;
import io.custos.policy.Filter;
import io.custos.policy.Mask;
import io.custos.policy.Role;
import io.custos.policy.StatementClass;
import io.custos.rewrite.Caller;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The sample control-system database of the brief, with its levels and masks, and test callers. */
final class SampleDatabase {
    static final Catalog CATALOG = Catalog.of(
            List.of(
                    table("project", text("name", "character varying(100)"), text("city", "character varying(40)")),
                    table(
                            "customer",
                            number("project_id", "bigint"),
                            text("name", "character varying(40)"),
                            text("id_card_no", "character varying(18)"),
                            text("mobile", "character varying(20)"),
                            text("home_address", "character varying(200)"),
                            text("employer", "character varying(100)"),
                            number("created_at", "timestamp without time zone")),
                    new CatalogTable(
                            "public",
                            "customer_asset",
                            List.of(
                                    number("customer_id", "bigint"),
                                    number("property_value", "numeric(14,2)"),
                                    number("annual_income", "numeric(14,2)"),
                                    number("vehicle_count", "integer"))),
                    new CatalogTable(
                            "public",
                            "customer_bank",
                            List.of(
                                    number("customer_id", "bigint"),
                                    text("bank_name", "character varying(60)"),
                                    text("account_no", "character varying(32)"),
                                    text("credit_card_no", "character varying(19)"),
                                    text("investment_summary", "text"))),
                    table(
                            "service_ticket",
                            number("customer_id", "bigint"),
                            text("category", "character varying(30)"),
                            text("content", "text"),
                            text("status", "character varying(20)"),
                            number("created_at", "timestamp without time zone"))),
            1);

    /** The demo policy's classification: levels, masks, and filters (equality for mobile and id_card_no). */
    static final Classification CLASSIFICATION = new Classification(List.of(
            rule("customer", "name", 1, new Mask.Partial(1, 0, "*")),
            rule("customer", "id_card_no", 1, new Mask.Partial(6, 4, "*"), Filter.EQUALITY),
            rule("customer", "mobile", 1, new Mask.Partial(3, 4, "*"), Filter.EQUALITY),
            rule("customer", "home_address", 1, new Mask.Partial(6, 0, "*")),
            rule("customer", "employer", 1, new Mask.Full("***")),
            rule("customer_asset", "property_value", 2, new Mask.Null()),
            rule("customer_asset", "annual_income", 2, new Mask.Null()),
            rule("customer_bank", "account_no", 3, new Mask.Partial(0, 4, "*")),
            rule("customer_bank", "credit_card_no", 3, new Mask.Partial(6, 4, "*")),
            rule("customer_bank", "investment_summary", 3, new Mask.Full("[hidden]"))));

    private SampleDatabase() {}

    static Caller caller(int clearance) {
        return caller(clearance, List.of("public"));
    }

    static Caller caller(int clearance, List<String> searchPath) {
        Role role = new Role("role" + clearance, clearance, Set.of(StatementClass.values()), false);
        return new Caller("user" + clearance, role, CLASSIFICATION, "test-1", searchPath);
    }

    /** A caller under the same classification with every filter {@code allow}. */
    static Caller callerAllowingFilters(int clearance) {
        Role role = new Role("role" + clearance, clearance, Set.of(StatementClass.values()), false);
        Classification allowing = new Classification(CLASSIFICATION.rules().stream()
                .map(rule -> new ColumnRule(
                        rule.schema(), rule.table(), rule.column(), rule.level(), rule.mask(), Filter.ALLOW))
                .toList());
        return new Caller("user" + clearance, role, allowing, "test-1", List.of("public"));
    }

    /**
     * What the PostgreSQL lexer hands the masker, for the test inputs: placeholders {@code $n} become {@code ?} and
     * spaces, string literals are blanked inside their quotes, comments are blanked; the length never changes.
     */
    static String prepare(String sql) {
        StringBuilder out = new StringBuilder(sql);
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\'') {
                int end = i + 1;
                while (end < sql.length()) {
                    if (sql.charAt(end) == '\'' && end + 1 < sql.length() && sql.charAt(end + 1) == '\'') {
                        end += 2;
                    } else if (sql.charAt(end) == '\'') {
                        break;
                    } else {
                        end++;
                    }
                }
                for (int k = i + 1; k < end && k < sql.length(); k++) {
                    out.setCharAt(k, ' ');
                }
                i = end + 1;
            } else if (c == '"') {
                int end = sql.indexOf('"', i + 1);
                i = end < 0 ? sql.length() : end + 1;
            } else if (c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
                while (i < sql.length() && sql.charAt(i) != '\n') {
                    out.setCharAt(i++, ' ');
                }
            } else if (c == '$' && i + 1 < sql.length() && Character.isDigit(sql.charAt(i + 1))) {
                out.setCharAt(i++, '?');
                while (i < sql.length() && Character.isDigit(sql.charAt(i))) {
                    out.setCharAt(i++, ' ');
                }
            } else {
                i++;
            }
        }
        return out.toString();
    }

    private static CatalogTable table(String name, CatalogColumn... columns) {
        List<CatalogColumn> all = new ArrayList<>();
        all.add(number("id", "bigint"));
        all.addAll(List.of(columns));
        return new CatalogTable("public", name, all);
    }

    private static CatalogColumn text(String name, String type) {
        return new CatalogColumn(name, type, true);
    }

    private static CatalogColumn number(String name, String type) {
        return new CatalogColumn(name, type, false);
    }

    /** The demo policy's filter: deny, the default. */
    private static ColumnRule rule(String table, String column, int level, Mask mask) {
        return rule(table, column, level, mask, Filter.DENY);
    }

    private static ColumnRule rule(String table, String column, int level, Mask mask, Filter filter) {
        return new ColumnRule("public", table, column, level, mask, filter);
    }
}
