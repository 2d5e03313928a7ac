package io.custos.proxy.catalog;

import static io.custos.proxy.catalog.CatalogLoaderTest.backend;
import static io.custos.proxy.catalog.CatalogLoaderTest.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CatalogCacheTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration LONG_INTERVAL = Duration.ofHours(1);
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void current_beforeFirstLoad_isEmpty() throws SQLException {
        String database = newDatabase();

        try (CatalogCache cache = new CatalogCache(new CatalogLoader(backend(postgres, database)), LONG_INTERVAL)) {
            assertThat(cache.current().tables()).isEmpty();
            assertThat(cache.current().version()).isZero();
        }
    }

    @Test
    void refreshNow_afterAddColumn_picksUpTheChange() throws SQLException {
        String database = newDatabase();

        try (CatalogCache cache = new CatalogCache(new CatalogLoader(backend(postgres, database)), LONG_INTERVAL)) {
            cache.refreshNow();
            Catalog before = cache.current();
            cache.refreshNow();
            assertThat(cache.current())
                    .as("an unchanged catalog keeps its snapshot")
                    .isSameAs(before);

            execute(postgres, database, "ALTER TABLE customer ADD COLUMN employer varchar(60)");
            cache.refreshNow();

            assertThat(cache.current().version()).isNotEqualTo(before.version());
            assertThat(cache.current().table("public", "customer").orElseThrow().columns())
                    .extracting(CatalogColumn::name)
                    .containsExactly("id", "name", "employer");
        }
    }

    @Test
    void requestRefresh_afterDdl_reloadsInTheBackground() throws Exception {
        String database = newDatabase();

        try (CatalogCache cache = new CatalogCache(new CatalogLoader(backend(postgres, database)), LONG_INTERVAL)) {
            cache.refreshNow();
            long before = cache.current().version();

            execute(postgres, database, "CREATE TABLE service_ticket (id integer, content text)");
            for (int i = 0; i < 10; i++) {
                cache.requestRefresh();
            }

            awaitTrue(() -> cache.current().version() != before);
            assertThat(cache.current().table("public", "service_ticket")).isPresent();
        }
    }

    @Test
    void refresh_onItsInterval_picksUpChanges() throws Exception {
        String database = newDatabase();

        try (CatalogCache cache =
                new CatalogCache(new CatalogLoader(backend(postgres, database)), Duration.ofMillis(100))) {
            Supplier<Catalog> catalog = cache;

            awaitTrue(() -> catalog.get().table("public", "customer").isPresent());
            execute(postgres, database, "CREATE VIEW customer_name AS SELECT name FROM customer");

            awaitTrue(() -> catalog.get().table("public", "customer_name").isPresent());
        }
    }

    @Test
    void refreshNow_databaseGone_throwsAndKeepsTheLastCatalog() throws Exception {
        String database = newDatabase();

        try (CatalogCache cache = new CatalogCache(new CatalogLoader(backend(postgres, database)), LONG_INTERVAL)) {
            cache.refreshNow();
            Catalog loaded = cache.current();

            execute(postgres, "postgres", "DROP DATABASE " + database + " WITH (FORCE)");

            assertThatThrownBy(cache::refreshNow)
                    .isInstanceOf(CatalogLoadException.class)
                    .hasMessageContaining(
                            "Cannot read the catalog of 'localhost:" + postgres.getPort() + "/" + database);
            assertThat(cache.current()).isSameAs(loaded);
        }
    }

    @Test
    void load_connectsAsTheCatalogApplication() throws SQLException {
        String database = newDatabase();

        try (CatalogCache cache = new CatalogCache(new CatalogLoader(backend(postgres, database)), LONG_INTERVAL)) {
            cache.refreshNow();

            assertThat(applicationNames(database)).contains("custos-catalog");
        }
    }

    @Test
    void close_closesThePoolAndIgnoresLaterRequests() throws Exception {
        String database = newDatabase();
        CatalogCache cache = new CatalogCache(new CatalogLoader(backend(postgres, database)), LONG_INTERVAL);
        cache.refreshNow();

        cache.close();

        awaitTrue(() -> !applicationNames(database).contains("custos-catalog"));
        cache.requestRefresh();
        assertThat(cache.current()).isNotNull();
    }

    private static String newDatabase() throws SQLException {
        String database = "custos_cache_" + DATABASES.incrementAndGet();
        execute(postgres, "postgres", "CREATE DATABASE " + database);
        execute(postgres, database, "CREATE TABLE customer (id bigint, name varchar(40))");
        return database;
    }

    private static List<String> applicationNames(String database) {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT application_name FROM pg_stat_activity WHERE datname = '" + database + "'")) {
            List<String> names = new ArrayList<>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            return names;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline)
                    .as("condition met within %s", WAIT)
                    .isNegative();
            Thread.sleep(20);
        }
    }
}
