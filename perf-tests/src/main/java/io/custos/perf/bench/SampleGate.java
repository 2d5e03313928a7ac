package io.custos.perf.bench;

import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.rewrite.Caller;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import io.custos.rewrite.StatementGate;
import io.custos.rewrite.analysis.QueryMasker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The gate as the gateway builds it for the sample database: the demo policy's classification and roles, and the
 * catalog {@code CatalogLoader} reads from the sample schema on PostgreSQL (written out here so that the benchmarks
 * need no database).
 */
final class SampleGate {
    static final Policy POLICY = demoPolicy();
    static final Catalog CATALOG = Catalog.of(
            List.of(
                    table("project", text("name", "character varying(100)"), text("city", "character varying(40)")),
                    table(
                            "customer",
                            number("project_id", "bigint"),
                            text("name", "character varying(40)"),
                            text("id_card_no", "character varying(18)"),
                            text("mobile", "character varying(11)"),
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
                                    text("account_no", "character varying(30)"),
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

    private SampleGate() {}

    static StatementGate newGate() {
        return new StatementGate(new QueryMasker(() -> CATALOG), () -> CATALOG, name -> false, POLICY::analysis);
    }

    /** A PostgreSQL caller of the demo role {@code role}, with the default search path. */
    static Caller caller(String user, String role) {
        return new Caller(user, POLICY.roles().get(role), POLICY.classification(), POLICY.version(), List.of("public"));
    }

    private static Policy demoPolicy() {
        try (InputStream in = SampleGate.class.getResourceAsStream("/io/custos/cli/demo-policy.yaml")) {
            return PolicyLoader.parse(
                    new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo-policy.yaml", Path.of(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
}
