package io.custos.proxy.catalog;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.custos.policy.Backend;
import io.custos.policy.BackendTls;
import io.custos.rewrite.Catalog;
import io.custos.rewrite.CatalogColumn;
import io.custos.rewrite.CatalogTable;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the tables, views and their columns of a backend, through a small connection pool of its own: from {@code
 * pg_catalog} for PostgreSQL, from {@code information_schema} for MySQL and MariaDB. The snapshot's version is a hash
 * of its content, so loading an unchanged catalog twice gives the same version.
 *
 * <p>In MySQL a schema is a database: every database the gateway's user can see except the system ones is read, and
 * each table's schema is the name of its database.
 */
public final class CatalogLoader implements AutoCloseable {
    static final String POOL_NAME = "custos-catalog";
    static final String MYSQL_POOL_NAME = "custos-catalog-mysql";
    static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);

    /*
     * Ordinary and partitioned tables, views and materialized views, outside the system schemas and other sessions'
     * temporary schemas. A column is textual when its type, or the type a domain is ultimately defined over, is in
     * the string category. Rows come in a fixed order (name columns compare bytewise), which the version relies on.
     */
    private static final String CATALOG_QUERY =
            """
            WITH RECURSIVE resolved(oid, base) AS (
                SELECT t.oid, t.oid FROM pg_catalog.pg_type t WHERE t.typtype <> 'd'
                UNION ALL
                SELECT d.oid, r.base
                FROM pg_catalog.pg_type d JOIN resolved r ON d.typbasetype = r.oid
                WHERE d.typtype = 'd'
            )
            SELECT n.nspname, c.relname, a.attname,
                   pg_catalog.format_type(a.atttypid, a.atttypmod),
                   coalesce(b.typcategory = 'S', false),
                   c.relkind
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
            LEFT JOIN resolved r ON r.oid = a.atttypid
            LEFT JOIN pg_catalog.pg_type b ON b.oid = r.base
            WHERE c.relkind IN ('r', 'p', 'v', 'm')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
              AND n.nspname NOT LIKE 'pg\\_temp\\_%'
              AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
              AND a.attnum > 0
              AND NOT a.attisdropped
            ORDER BY n.nspname, c.relname, a.attnum
            """;

    /*
     * Base tables (system-versioned ones included) and views, outside the system databases; sequences, which MariaDB
     * lists as tables, are left out as in PostgreSQL. information_schema compares names case-insensitively, so the
     * order is taken on their bytes, which the version relies on. COLUMN_TYPE is the type as SHOW CREATE TABLE prints
     * it (varchar(40), decimal(14,2), bigint(20) in MariaDB, bigint in MySQL 8).
     */
    /**
     * Functions and procedures outside the system schemas: user-defined ones and those of extensions. Their names
     * are enough for the gate, which refuses calls to them below full clearance.
     */
    private static final String ROUTINE_QUERY =
            """
            SELECT DISTINCT p.proname FROM pg_catalog.pg_proc p
            JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
            """;

    /*
     * Views and materialized views with their definitions. Read with an empty search_path, pg_get_viewdef qualifies
     * every relation with its schema, so the definition means the same whatever the caller's search path is.
     */
    private static final String VIEW_QUERY =
            """
            SELECT n.nspname, c.relname, pg_catalog.pg_get_viewdef(c.oid)
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('v', 'm')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
              AND n.nspname NOT LIKE 'pg\\_temp\\_%'
              AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
            ORDER BY n.nspname, c.relname
            """;

    /*
     * MySQL and MariaDB store view definitions with every name qualified by its database. VIEW_DEFINITION is empty
     * unless the account may SHOW VIEW; such a view is then refused below full clearance.
     */
    private static final String MYSQL_VIEW_QUERY =
            """
            SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS
            WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
            ORDER BY CAST(TABLE_SCHEMA AS BINARY), CAST(TABLE_NAME AS BINARY)
            """;

    private static final String MYSQL_ROUTINE_QUERY =
            """
            SELECT DISTINCT LOWER(ROUTINE_NAME) FROM information_schema.ROUTINES
            WHERE ROUTINE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
            """;

    private static final String MYSQL_CATALOG_QUERY =
            """
            SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.DATA_TYPE, t.TABLE_TYPE
            FROM information_schema.COLUMNS c
            JOIN information_schema.TABLES t
              ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
            WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')
              AND c.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
            ORDER BY CAST(c.TABLE_SCHEMA AS BINARY), CAST(c.TABLE_NAME AS BINARY), c.ORDINAL_POSITION
            """;

    /** MySQL data types that hold characters; binary strings and blobs do not. */
    private static final Set<String> MYSQL_TEXTUAL_TYPES =
            Set.of("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set");

    private final Backend backend;
    private final HikariDataSource dataSource;

    public CatalogLoader(Backend backend) {
        this(backend, DEFAULT_CONNECTION_TIMEOUT);
    }

    CatalogLoader(Backend backend, Duration connectionTimeout) {
        this.backend = requireNonNull(backend, "backend is null");
        requireNonNull(connectionTimeout, "connectionTimeout is null");
        this.dataSource = new HikariDataSource(poolConfig(backend, connectionTimeout));
    }

    /**
     * Reads the catalog now.
     *
     * @throws CatalogLoadException if the backend cannot be reached or the query fails
     */
    public Catalog load() {
        List<TableBuilder> builders = new ArrayList<>();
        Set<String> routines;
        Map<String, String> definitions;
        boolean caseSensitiveTableNames;
        MessageDigest digest = sha256();
        boolean mysql = backend.protocol() == Backend.Protocol.MYSQL;
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement statement =
                            connection.prepareStatement(mysql ? MYSQL_CATALOG_QUERY : CATALOG_QUERY);
                    ResultSet rows = statement.executeQuery()) {
                TableBuilder current = null;
                while (rows.next()) {
                    String schema = rows.getString(1);
                    String table = rows.getString(2);
                    CatalogColumn column = mysql ? mysqlColumn(rows) : postgresColumn(rows);
                    if (current == null || !current.is(schema, table)) {
                        current = new TableBuilder(schema, table, mysql ? mysqlKind(rows) : postgresKind(rows));
                        builders.add(current);
                        update(digest, "T", schema, table, current.kind.name());
                    }
                    current.columns.add(column);
                    update(digest, "C", column.name(), column.type(), column.textual() ? "t" : "f");
                }
            }
            routines = names(connection, mysql ? MYSQL_ROUTINE_QUERY : ROUTINE_QUERY);
            definitions = mysql ? viewDefinitions(connection) : postgresViewDefinitions(connection);
            caseSensitiveTableNames = mysql && caseSensitiveTableNames(connection);
        } catch (SQLException e) {
            throw new CatalogLoadException("Cannot read the catalog of " + describe() + ": " + reason(e), e);
        }
        routines.forEach(routine -> update(digest, "R", routine));
        definitions.forEach((view, definition) -> update(digest, "V", view, definition));
        List<CatalogTable> tables = new ArrayList<>(builders.size());
        for (TableBuilder builder : builders) {
            tables.add(builder.build(definitions.getOrDefault(key(builder.schema, builder.name), "")));
        }
        update(digest, "N", mysql ? "" : backend.database(), caseSensitiveTableNames ? "cs" : "ci");
        return Catalog.of(tables, routines, Set.of(), version(digest.digest()))
                .withNames(mysql ? "" : backend.database(), caseSensitiveTableNames);
    }

    /**
     * MySQL's lower_case_table_names: 0 stores and compares database and table names as written (Linux's default),
     * 1 stores them in lower case and compares without case, 2 stores them as written and compares without case.
     */
    private static boolean caseSensitiveTableNames(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT @@lower_case_table_names");
                ResultSet rows = statement.executeQuery()) {
            return rows.next() && rows.getInt(1) == 0;
        }
    }

    private static String key(String schema, String name) {
        return schema + '.' + name;
    }

    /** With an empty search_path, restored afterwards: the pool's connections are reused. */
    private static Map<String, String> postgresViewDefinitions(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_catalog.set_config('search_path', '', false)");
            try {
                return viewDefinitions(connection, VIEW_QUERY);
            } finally {
                statement.execute("RESET search_path");
            }
        }
    }

    private static Map<String, String> viewDefinitions(Connection connection) throws SQLException {
        return viewDefinitions(connection, MYSQL_VIEW_QUERY);
    }

    /** {@code schema.name} to definition, in the query's fixed order, which the version relies on. */
    private static Map<String, String> viewDefinitions(Connection connection, String query) throws SQLException {
        Map<String, String> definitions = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(query);
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                String definition = rows.getString(3);
                definitions.put(key(rows.getString(1), rows.getString(2)), definition == null ? "" : definition);
            }
        }
        return definitions;
    }

    private static CatalogTable.Kind postgresKind(ResultSet rows) throws SQLException {
        return switch (rows.getString(6)) {
            case "v" -> CatalogTable.Kind.VIEW;
            case "m" -> CatalogTable.Kind.MATERIALIZED_VIEW;
            default -> CatalogTable.Kind.TABLE;
        };
    }

    private static CatalogTable.Kind mysqlKind(ResultSet rows) throws SQLException {
        return "VIEW".equalsIgnoreCase(rows.getString(6)) ? CatalogTable.Kind.VIEW : CatalogTable.Kind.TABLE;
    }

    /** In a sorted set, so the version does not depend on the order the server returns them in. */
    private static Set<String> names(Connection connection, String query) throws SQLException {
        Set<String> names = new TreeSet<>();
        try (PreparedStatement statement = connection.prepareStatement(query);
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }

    /**
     * The backend's own version string, as {@code SELECT VERSION()} returns it ({@code 11.4.5-MariaDB}, {@code
     * 8.4.2}, {@code PostgreSQL 17.6 on x86_64-pc-linux-gnu, ...}).
     *
     * @throws CatalogLoadException if the backend cannot be reached or the query fails
     */
    public String serverVersion() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement("SELECT VERSION()");
                ResultSet result = statement.executeQuery()) {
            if (!result.next()) {
                throw new SQLException("SELECT VERSION() returned no row");
            }
            return result.getString(1);
        } catch (SQLException e) {
            throw new CatalogLoadException("Cannot read the server version of " + describe() + ": " + reason(e), e);
        }
    }

    /**
     * The sql_mode a new session of the gateway's account starts with, which the gateway's MySQL sessions read
     * statements under until the client changes it (MySQL and MariaDB only).
     *
     * @throws CatalogLoadException if the backend cannot be reached or the query fails
     */
    public String sqlMode() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement("SELECT @@SESSION.sql_mode");
                ResultSet result = statement.executeQuery()) {
            return result.next() && result.getString(1) != null ? result.getString(1) : "";
        } catch (SQLException e) {
            throw new CatalogLoadException("Cannot read the sql_mode of " + describe() + ": " + reason(e), e);
        }
    }

    /** Whether the backend answers: a connection from the pool that passes the driver's validity check. */
    public boolean answers() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid((int) DEFAULT_CONNECTION_TIMEOUT.toSeconds());
        } catch (SQLException e) {
            return false;
        }
    }

    /** The backend, for messages: host, port, database and user; never the password. */
    public String describe() {
        return "'" + backend.host() + ":" + backend.port() + "/" + backend.database() + "' as user '" + backend.user()
                + "'";
    }

    /** Closes the pool. */
    @Override
    public void close() {
        dataSource.close();
    }

    static String jdbcUrl(Backend backend) {
        String host = backend.host().indexOf(':') >= 0 && !backend.host().startsWith("[")
                ? "[" + backend.host() + "]"
                : backend.host();
        String database = URLEncoder.encode(backend.database(), StandardCharsets.UTF_8);
        return switch (backend.protocol()) {
            case POSTGRESQL -> "jdbc:postgresql://" + host + ":" + backend.port() + "/" + database;
            case MYSQL -> "jdbc:mariadb://" + host + ":" + backend.port() + "/" + database;
        };
    }

    private static CatalogColumn postgresColumn(ResultSet rows) throws SQLException {
        return new CatalogColumn(rows.getString(3), rows.getString(4), rows.getBoolean(5));
    }

    private static CatalogColumn mysqlColumn(ResultSet rows) throws SQLException {
        String dataType = rows.getString(5).toLowerCase(Locale.ROOT);
        return new CatalogColumn(rows.getString(3), rows.getString(4), MYSQL_TEXTUAL_TYPES.contains(dataType));
    }

    private static HikariConfig poolConfig(Backend backend, Duration connectionTimeout) {
        if (backend.protocol() == Backend.Protocol.MYSQL) {
            return mysqlPoolConfig(backend, connectionTimeout);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName(POOL_NAME);
        config.setJdbcUrl(jdbcUrl(backend));
        config.setUsername(backend.user());
        config.setPassword(backend.password().read());
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(connectionTimeout.toMillis());
        // Start even when the backend is down; load() reports the failure and the cache retries.
        config.setInitializationFailTimeout(-1);
        config.setReadOnly(true);
        config.addDataSourceProperty("ApplicationName", POOL_NAME);
        // A catalog read that hangs must not hold a refresh forever.
        config.addDataSourceProperty("socketTimeout", "60");
        if (backend.tls().enabled()) {
            config.addDataSourceProperty("sslmode", backend.tls().mode().policyName());
            backend.tls()
                    .caFile()
                    .ifPresentOrElse(
                            ca -> config.addDataSourceProperty("sslrootcert", ca.toString()),
                            // Without a CA file, the JVM's trust store, as the session connections use.
                            () -> config.addDataSourceProperty(
                                    "sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory"));
        }
        return config;
    }

    private static HikariConfig mysqlPoolConfig(Backend backend, Duration connectionTimeout) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(MYSQL_POOL_NAME);
        config.setJdbcUrl(jdbcUrl(backend));
        config.setUsername(backend.user());
        config.setPassword(backend.password().read());
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(connectionTimeout.toMillis());
        config.setInitializationFailTimeout(-1);
        config.setReadOnly(true);
        config.addDataSourceProperty("connectionAttributes", "program_name:" + MYSQL_POOL_NAME);
        // Milliseconds here, unlike pgjdbc's seconds.
        config.addDataSourceProperty("socketTimeout", "60000");
        if (backend.tls().enabled()) {
            // MariaDB Connector/J calls libpq's require "trust"; without a CA file it uses the JVM's trust store.
            String mode = backend.tls().mode() == BackendTls.Mode.REQUIRE
                    ? "trust"
                    : backend.tls().mode().policyName();
            config.addDataSourceProperty("sslMode", mode);
            backend.tls().caFile().ifPresent(ca -> config.addDataSourceProperty("serverSslCert", ca.toString()));
        }
        return config;
    }

    /** The exception's message and, when the pool wraps the driver's error, the driver's message too. */
    private static String reason(SQLException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == e
                || root.getMessage() == null
                || String.valueOf(e.getMessage()).contains(root.getMessage())) {
            return e.getMessage();
        }
        return e.getMessage() + " (" + root.getMessage() + ")";
    }

    private static void update(MessageDigest digest, String... parts) {
        for (String part : parts) {
            digest.update(part.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
        }
    }

    private static long version(byte[] hash) {
        long version = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            version = (version << 8) | (hash[i] & 0xFF);
        }
        return version;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static final class TableBuilder {
        private final String schema;
        private final String name;
        private final CatalogTable.Kind kind;
        private final List<CatalogColumn> columns = new ArrayList<>();

        TableBuilder(String schema, String name, CatalogTable.Kind kind) {
            this.schema = schema;
            this.name = name;
            this.kind = kind;
        }

        boolean is(String schema, String name) {
            return this.schema.equals(schema) && this.name.equals(name);
        }

        CatalogTable build(String definition) {
            return new CatalogTable(schema, name, columns, kind, kind == CatalogTable.Kind.TABLE ? "" : definition);
        }
    }
}
