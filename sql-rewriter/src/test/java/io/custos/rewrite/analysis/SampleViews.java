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

/**
 * Views over the sample database in both dialects, with definitions as the servers print them (PostgreSQL's
 * {@code pg_get_viewdef} under an empty search_path, MariaDB's {@code information_schema.VIEWS}), and the sample
 * classification with two rules written for view columns.
 */
public final class SampleViews {
    /** The sample database with views, in PostgreSQL. */
    public static final Catalog POSTGRES = Catalog.of(postgresTables(), 11);

    /** The sample database with views, in MySQL and MariaDB. */
    public static final Catalog MYSQL = Catalog.of(mySqlTables(), 12);

    public static final Classification POSTGRES_CLASSIFICATION = withViewRules(SampleDatabase.CLASSIFICATION, "public");

    public static final Classification MYSQL_CLASSIFICATION =
            withViewRules(MySqlSampleDatabase.CLASSIFICATION, MySqlSampleDatabase.DATABASE);

    private SampleViews() {}

    public static Caller caller(boolean mySql, int clearance) {
        Role role = new Role("role" + clearance, clearance, Set.of(StatementClass.values()), false);
        return new Caller(
                "user" + clearance,
                role,
                mySql ? MYSQL_CLASSIFICATION : POSTGRES_CLASSIFICATION,
                "test-views",
                List.of(mySql ? MySqlSampleDatabase.DATABASE : "public"));
    }

    /**
     * {@code v_label.label} is a customer name classified level 3 (above its source's level 1); {@code
     * v_account.account_tail} is an account number classified level 1 (below its source's level 3).
     */
    private static Classification withViewRules(Classification base, String schema) {
        List<ColumnRule> rules = new ArrayList<>(base.rules());
        rules.add(new ColumnRule(schema, "v_label", "label", 3, new Mask.Full("[label]"), Filter.DENY));
        rules.add(new ColumnRule(schema, "v_account", "account_tail", 1, new Mask.Partial(0, 4, "#"), Filter.DENY));
        return new Classification(rules);
    }

    private static List<CatalogTable> postgresTables() {
        List<CatalogTable> tables = new ArrayList<>(SampleDatabase.CATALOG.tables());
        tables.add(view(
                "public",
                "v_customer",
                " SELECT id,\n    name,\n    mobile,\n    project_id\n   FROM public.customer;",
                number("id", "bigint"),
                text("name", "character varying(40)"),
                text("mobile", "character varying(20)"),
                number("project_id", "bigint")));
        tables.add(view(
                "public",
                "v_contact",
                " SELECT id,\n    upper((name)::text) AS name_upper,\n    mobile AS phone\n   FROM public.v_customer v;",
                number("id", "bigint"),
                text("name_upper", "text"),
                text("phone", "character varying(20)")));
        tables.add(view(
                "public",
                "v_contact_card",
                " SELECT c.id,\n    c.phone,\n    b.account_no\n   FROM (public.v_contact c\n"
                        + "     JOIN public.customer_bank b ON ((b.customer_id = c.id)));",
                number("id", "bigint"),
                text("phone", "character varying(20)"),
                text("account_no", "character varying(32)")));
        tables.add(view(
                "public",
                "v_label",
                " SELECT id,\n    name AS label\n   FROM public.customer;",
                number("id", "bigint"),
                text("label", "character varying(40)")));
        tables.add(view(
                "public",
                "v_account",
                " SELECT customer_id,\n    account_no AS account_tail\n   FROM public.customer_bank;",
                number("customer_id", "bigint"),
                text("account_tail", "character varying(32)")));
        tables.add(new CatalogTable(
                "public",
                "m_names",
                List.of(number("id", "bigint"), text("name", "character varying(40)")),
                CatalogTable.Kind.MATERIALIZED_VIEW,
                " SELECT id,\n    name\n   FROM public.customer;"));
        tables.add(view("public", "v_hidden", "", number("id", "bigint"), text("secret", "text")));
        tables.add(view(
                "public",
                "v_unparsable",
                " SELECT id,\n    name\n   FROM public.customer\n  WHERE name IS OF (text);",
                number("id", "bigint"),
                text("name", "character varying(40)")));
        tables.add(view(
                "public",
                "v_project",
                " SELECT id,\n    name\n   FROM public.project;",
                number("id", "bigint"),
                text("name", "character varying(100)")));
        tables.add(view(
                "public",
                "v_names",
                " SELECT customer.name\n   FROM public.customer\nUNION ALL\n SELECT project.name\n   FROM public.project;",
                text("name", "character varying")));
        return tables;
    }

    private static List<CatalogTable> mySqlTables() {
        String db = MySqlSampleDatabase.DATABASE;
        List<CatalogTable> tables = new ArrayList<>(MySqlSampleDatabase.CATALOG.tables());
        tables.add(view(
                db,
                "v_customer",
                "select `custos_demo`.`customer`.`id` AS `id`,`custos_demo`.`customer`.`name` AS `name`,"
                        + "`custos_demo`.`customer`.`mobile` AS `mobile`,`custos_demo`.`customer`.`project_id` AS"
                        + " `project_id` from `custos_demo`.`customer`",
                number("id", "bigint"),
                text("name", "varchar(40)"),
                text("mobile", "varchar(11)"),
                number("project_id", "bigint")));
        tables.add(view(
                db,
                "v_contact",
                "select `v`.`id` AS `id`,ucase(`v`.`name`) AS `name_upper`,`v`.`mobile` AS `phone` from"
                        + " `custos_demo`.`v_customer` `v`",
                number("id", "bigint"),
                text("name_upper", "varchar(40)"),
                text("phone", "varchar(11)")));
        tables.add(view(
                db,
                "v_contact_card",
                "select `c`.`id` AS `id`,`c`.`phone` AS `phone`,`b`.`account_no` AS `account_no` from"
                        + " (`custos_demo`.`v_contact` `c` join `custos_demo`.`customer_bank` `b`"
                        + " on(`b`.`customer_id` = `c`.`id`))",
                number("id", "bigint"),
                text("phone", "varchar(11)"),
                text("account_no", "varchar(30)")));
        tables.add(view(
                db,
                "v_label",
                "select `custos_demo`.`customer`.`id` AS `id`,`custos_demo`.`customer`.`name` AS `label` from"
                        + " `custos_demo`.`customer`",
                number("id", "bigint"),
                text("label", "varchar(40)")));
        tables.add(view(
                db,
                "v_account",
                "select `custos_demo`.`customer_bank`.`customer_id` AS `customer_id`,"
                        + "`custos_demo`.`customer_bank`.`account_no` AS `account_tail` from"
                        + " `custos_demo`.`customer_bank`",
                number("customer_id", "bigint"),
                text("account_tail", "varchar(30)")));
        tables.add(view(db, "v_hidden", "", number("id", "bigint"), text("secret", "text")));
        tables.add(view(
                db,
                "v_unparsable",
                "select `custos_demo`.`customer`.`id` AS `id` from `custos_demo`.`customer` where match"
                        + " (`custos_demo`.`customer`.`name`) against ('x' in boolean mode)",
                number("id", "bigint")));
        tables.add(view(
                db,
                "v_project",
                "select `custos_demo`.`project`.`id` AS `id`,`custos_demo`.`project`.`name` AS `name` from"
                        + " `custos_demo`.`project`",
                number("id", "bigint"),
                text("name", "varchar(100)")));
        tables.add(view(
                db,
                "v_names",
                "select `custos_demo`.`customer`.`name` AS `name` from `custos_demo`.`customer` union all select"
                        + " `custos_demo`.`project`.`name` AS `name` from `custos_demo`.`project`",
                text("name", "varchar(100)")));
        return tables;
    }

    private static CatalogTable view(String schema, String name, String definition, CatalogColumn... columns) {
        return new CatalogTable(schema, name, List.of(columns), CatalogTable.Kind.VIEW, definition);
    }

    private static CatalogColumn text(String name, String type) {
        return new CatalogColumn(name, type, true);
    }

    private static CatalogColumn number(String name, String type) {
        return new CatalogColumn(name, type, false);
    }
}
