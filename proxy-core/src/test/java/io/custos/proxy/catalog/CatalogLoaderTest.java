package io.custos.proxy.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.policy.Backend;
import io.custos.policy.SecretSource;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CatalogLoaderTest {
    private static final String DATABASE = "custos_catalog";

    private static EmbeddedPostgres postgres;
    private static CatalogLoader loader;

    @BeforeAll
    static void startPostgres() throws IOException, SQLException {
        postgres = EmbeddedPostgres.start();
        execute(postgres, "postgres", "CREATE DATABASE " + DATABASE);
        execute(
                postgres,
                DATABASE,
                "CREATE DOMAIN contact_text AS text",
                "CREATE DOMAIN short_contact AS contact_text CHECK (length(VALUE) < 20)",
                "CREATE DOMAIN amount AS numeric(14,2)",
                "CREATE TYPE ticket_status AS ENUM ('open', 'closed')",
                """
                CREATE TABLE customer (
                    id bigint PRIMARY KEY,
                    name varchar(40) NOT NULL,
                    id_card_no char(18),
                    mobile contact_text,
                    nickname short_contact,
                    home_address text,
                    property_value numeric(14,2),
                    annual_income amount,
                    created_at timestamp,
                    tags text[],
                    status ticket_status
                )""",
                "CREATE TABLE project (id integer, obsolete text, name text, city varchar(20))",
                "ALTER TABLE project DROP COLUMN obsolete",
                "CREATE VIEW customer_contact AS SELECT name, mobile FROM customer",
                "CREATE MATERIALIZED VIEW customer_count AS SELECT count(*) AS customers FROM customer",
                "CREATE SCHEMA billing",
                "CREATE TABLE billing.invoice (id integer, customer_id bigint, total numeric(14,2))",
                "CREATE TABLE reading (taken_at date, value integer) PARTITION BY RANGE (taken_at)",
                "CREATE TABLE reading_2026 PARTITION OF reading FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "CREATE SEQUENCE ticket_number",
                "CREATE INDEX customer_name ON customer (name)",
                "CREATE TYPE address AS (street text, city text)",
                "CREATE FUNCTION customer_names() RETURNS SETOF text LANGUAGE sql AS 'SELECT name FROM customer'",
                "CREATE PROCEDURE billing.close_month() LANGUAGE sql AS 'SELECT 1'");
        loader = new CatalogLoader(backend(postgres, DATABASE));
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (loader != null) {
            loader.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void load_readsTablesViewsAndPartitionsOutsideSystemSchemas() {
        Catalog catalog = loader.load();

        assertThat(catalog.tables())
                .extracting(table -> table.schema() + "." + table.name())
                .containsExactlyInAnyOrder(
                        "public.customer",
                        "public.project",
                        "public.customer_contact",
                        "public.customer_count",
                        "billing.invoice",
                        "public.reading",
                        "public.reading_2026");
    }

    @Test
    void load_listsRoutinesAndViewsOutsideSystemSchemas() {
        Catalog catalog = loader.load();

        assertThat(catalog.routines()).contains("customer_names", "close_month");
        assertThat(catalog.definesRoutine("customer_names")).isTrue();
        assertThat(catalog.definesRoutine("upper")).isFalse();
        assertThat(catalog.definesRoutine("pg_read_file")).isFalse();
        assertThat(catalog.definesView("customer_contact")).isTrue();
        assertThat(catalog.definesView("customer_count")).isTrue();
        assertThat(catalog.definesView("customer")).isFalse();
    }

    /** Definitions read under an empty search_path name every relation with its schema. */
    @Test
    void load_readsViewDefinitionsWithQualifiedRelations() {
        Catalog catalog = loader.load();

        CatalogTable contact = catalog.table("public", "customer_contact").orElseThrow();
        CatalogTable count = catalog.table("public", "customer_count").orElseThrow();
        assertThat(contact.kind()).isEqualTo(CatalogTable.Kind.VIEW);
        assertThat(contact.viewDefinition())
                .get(InstanceOfAssertFactories.STRING)
                .contains("FROM public.customer");
        assertThat(count.kind()).isEqualTo(CatalogTable.Kind.MATERIALIZED_VIEW);
        assertThat(count.viewDefinition()).get(InstanceOfAssertFactories.STRING).contains("FROM public.customer");
        assertThat(catalog.table("public", "customer").orElseThrow().kind()).isEqualTo(CatalogTable.Kind.TABLE);
        assertThat(catalog.database()).as("for three-part names").isEqualTo(DATABASE);
        assertThat(catalog.caseSensitiveTableNames()).isFalse();
    }

    @Test
    void load_replacedView_changesTheVersion() throws SQLException {
        execute(postgres, DATABASE, "CREATE VIEW replaced AS SELECT name FROM customer");
        long before;
        long after;
        try {
            before = loader.load().version();
            execute(
                    postgres,
                    DATABASE,
                    "CREATE OR REPLACE VIEW replaced AS SELECT id_card_no::varchar(40) AS name FROM customer");
            after = loader.load().version();
        } finally {
            execute(postgres, DATABASE, "DROP VIEW replaced");
        }

        assertThat(after).isNotEqualTo(before);
    }

    @Test
    void load_keepsColumnOrderAndLeavesDroppedColumnsOut() {
        Catalog catalog = loader.load();

        assertThat(columnNames(catalog, "public", "customer"))
                .containsExactly(
                        "id",
                        "name",
                        "id_card_no",
                        "mobile",
                        "nickname",
                        "home_address",
                        "property_value",
                        "annual_income",
                        "created_at",
                        "tags",
                        "status");
        assertThat(columnNames(catalog, "public", "project")).containsExactly("id", "name", "city");
        assertThat(columnNames(catalog, "public", "customer_contact")).containsExactly("name", "mobile");
        assertThat(columnNames(catalog, "billing", "invoice")).containsExactly("id", "customer_id", "total");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "customer         | id             | bigint                      | false",
                "customer         | name           | character varying(40)       | true",
                "customer         | id_card_no     | character(18)               | true",
                "customer         | mobile         | contact_text                | true",
                "customer         | nickname       | short_contact               | true",
                "customer         | home_address   | text                        | true",
                "customer         | property_value | numeric(14,2)               | false",
                "customer         | annual_income  | amount                      | false",
                "customer         | created_at     | timestamp without time zone | false",
                "customer         | tags           | text[]                      | false",
                "customer         | status         | ticket_status               | false",
                "customer_contact | name           | character varying(40)       | true",
                "customer_contact | mobile         | contact_text                | true",
                "customer_count   | customers      | bigint                      | false",
            })
    void load_columnTypes_asTheDatabasePrintsThem(String table, String column, String type, boolean textual) {
        Catalog catalog = loader.load();

        assertThat(column(catalog, "public", table, column)).isEqualTo(new CatalogColumn(column, type, textual));
    }

    @Test
    void load_unchangedCatalog_keepsItsVersion() {
        assertThat(loader.load().version()).isEqualTo(loader.load().version());
    }

    @Test
    void load_afterAddColumn_changesVersionAndShowsTheColumn() throws SQLException {
        // A database of its own, so that the other tests see a fixed schema whatever the order.
        execute(postgres, "postgres", "CREATE DATABASE custos_catalog_ddl");
        execute(postgres, "custos_catalog_ddl", "CREATE TABLE service_ticket (id integer, content text)");

        try (CatalogLoader ddlLoader = new CatalogLoader(backend(postgres, "custos_catalog_ddl"))) {
            Catalog before = ddlLoader.load();
            execute(postgres, "custos_catalog_ddl", "ALTER TABLE service_ticket ADD COLUMN category varchar(16)");
            Catalog after = ddlLoader.load();

            assertThat(after.version()).isNotEqualTo(before.version());
            assertThat(columnNames(before, "public", "service_ticket")).containsExactly("id", "content");
            assertThat(columnNames(after, "public", "service_ticket")).containsExactly("id", "content", "category");
            assertThat(column(after, "public", "service_ticket", "category").type())
                    .isEqualTo("character varying(16)");
        }
    }

    @Test
    void load_unreachableBackend_throwsNamingTheBackend() throws IOException {
        int port = unusedPort();
        Backend backend = new Backend(
                Backend.Protocol.POSTGRESQL,
                "127.0.0.1",
                port,
                "custos_demo",
                "custos",
                new SecretSource.Given("never-sent"));

        try (CatalogLoader unreachable = new CatalogLoader(backend, Duration.ofSeconds(1))) {
            assertThatThrownBy(unreachable::load)
                    .isInstanceOf(CatalogLoadException.class)
                    .hasMessageStartingWith(
                            "Cannot read the catalog of '127.0.0.1:" + port + "/custos_demo' as user 'custos'")
                    .hasMessageNotContaining("never-sent");
        }
    }

    @Test
    void serverVersion_isPostgres17() {
        assertThat(loader.serverVersion()).startsWith("PostgreSQL 17.");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "db.internal | custos_demo | jdbc:postgresql://db.internal:5432/custos_demo",
                "::1         | custos_demo | jdbc:postgresql://[::1]:5432/custos_demo",
                "[::1]       | custos_demo | jdbc:postgresql://[::1]:5432/custos_demo",
                "localhost   | 管控系统      | jdbc:postgresql://localhost:5432/%E7%AE%A1%E6%8E%A7%E7%B3%BB%E7%BB%9F",
            })
    void jdbcUrl_hostAndDatabase_areQuotedForTheDriver(String host, String database, String url) {
        Backend backend =
                new Backend(Backend.Protocol.POSTGRESQL, host, 5432, database, "custos", new SecretSource.Given("x"));

        assertThat(CatalogLoader.jdbcUrl(backend)).isEqualTo(url);
    }

    static Backend backend(EmbeddedPostgres postgres, String database) {
        // The embedded server trusts local connections: the password is sent but not checked.
        return new Backend(
                Backend.Protocol.POSTGRESQL,
                "localhost",
                postgres.getPort(),
                database,
                "postgres",
                new SecretSource.Given("synthetic-password"));
    }

    static void execute(EmbeddedPostgres postgres, String database, String... statements) throws SQLException {
        try (Connection connection = postgres.getDatabase("postgres", database).getConnection();
                Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static List<String> columnNames(Catalog catalog, String schema, String table) {
        return table(catalog, schema, table).columns().stream()
                .map(CatalogColumn::name)
                .toList();
    }

    private static CatalogColumn column(Catalog catalog, String schema, String table, String column) {
        return table(catalog, schema, table).columns().stream()
                .filter(c -> c.name().equals(column))
                .findFirst()
                .orElseThrow(() -> new AssertionError("No column " + column + " in " + table));
    }

    private static CatalogTable table(Catalog catalog, String schema, String table) {
        return catalog.table(schema, table).orElseThrow(() -> new AssertionError("No table " + schema + "." + table));
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
