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
import io.custos.rewrite.MySqlMode;
import io.custos.rewrite.mysql.MySqlLexer;
import io.custos.rewrite.postgres.LexedStatement;
import java.util.List;
import java.util.Set;

/**
 * The sample control-system database of the brief on MySQL: database {@code custos_demo}, the column types as
 * {@code information_schema.COLUMNS.COLUMN_TYPE} prints them for the sample schema, the demo policy's levels and masks.
 */
final class MySqlSampleDatabase {
    static final String DATABASE = "custos_demo";

    static final Catalog CATALOG = Catalog.of(
            List.of(
                    table("project", number("id", "bigint"), text("name", "varchar(100)"), text("city", "varchar(40)")),
                    table(
                            "customer",
                            number("id", "bigint"),
                            number("project_id", "bigint"),
                            text("name", "varchar(40)"),
                            text("id_card_no", "varchar(18)"),
                            text("mobile", "varchar(11)"),
                            text("home_address", "varchar(200)"),
                            text("employer", "varchar(100)"),
                            number("created_at", "datetime")),
                    table(
                            "customer_asset",
                            number("customer_id", "bigint"),
                            number("property_value", "decimal(14,2)"),
                            number("annual_income", "decimal(14,2)"),
                            number("vehicle_count", "int")),
                    table(
                            "customer_bank",
                            number("customer_id", "bigint"),
                            text("bank_name", "varchar(60)"),
                            text("account_no", "varchar(30)"),
                            text("credit_card_no", "varchar(19)"),
                            text("investment_summary", "text")),
                    table(
                            "service_ticket",
                            number("id", "bigint"),
                            number("customer_id", "bigint"),
                            text("category", "varchar(30)"),
                            text("content", "text"),
                            text("status", "varchar(20)"),
                            number("created_at", "datetime"))),
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

    private MySqlSampleDatabase() {}

    static Caller caller(int clearance) {
        return caller(clearance, List.of(DATABASE));
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
        return new Caller("user" + clearance, role, allowing, "test-1", List.of(DATABASE));
    }

    /**
     * What the MySQL lexer hands the masker: the text prepared for Calcite of a message holding one statement, with
     * comments before and after it blanked.
     */
    static String prepare(String sql) {
        List<LexedStatement> statements = MySqlLexer.split(sql, MySqlMode.DEFAULT);
        if (statements.size() != 1) {
            throw new IllegalArgumentException("not one statement: " + sql);
        }
        LexedStatement statement = statements.get(0);
        return blank(sql.substring(0, statement.start()))
                + statement.calciteText()
                + blank(sql.substring(statement.end()));
    }

    private static String blank(String text) {
        return text.replaceAll("[^\\r\\n]", " ");
    }

    private static CatalogTable table(String name, CatalogColumn... columns) {
        return new CatalogTable(DATABASE, name, List.of(columns));
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
        return new ColumnRule(DATABASE, table, column, level, mask, filter);
    }
}
