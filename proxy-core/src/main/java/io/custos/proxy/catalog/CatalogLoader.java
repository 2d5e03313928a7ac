package io.custos.proxy.catalog;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.custos.policy.Backend;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the tables, views and their columns of a PostgreSQL backend from {@code pg_catalog}, through a small
 * connection pool of its own. The snapshot's version is a hash of its content, so loading an unchanged catalog twice
 * gives the same version.
 */
public final class CatalogLoader implements AutoCloseable {
    static final String POOL_NAME = "custos-catalog";
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
                   coalesce(b.typcategory = 'S', false)
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

    private final Backend backend;
    private final HikariDataSource dataSource;

    public CatalogLoader(Backend backend) {
        this(backend, DEFAULT_CONNECTION_TIMEOUT);
    }

    CatalogLoader(Backend backend, Duration connectionTimeout) {
        this.backend = requireNonNull(backend, "backend is null");
        if (backend.protocol() != Backend.Protocol.POSTGRESQL) {
            throw new IllegalArgumentException("backend.protocol: " + backend.protocol() + " (expected: POSTGRESQL)");
        }
        this.dataSource = new HikariDataSource(poolConfig(backend, connectionTimeout));
    }

    /**
     * Reads the catalog now.
     *
     * @throws CatalogLoadException if the backend cannot be reached or the query fails
     */
    public Catalog load() {
        List<CatalogTable> tables = new ArrayList<>();
        MessageDigest digest = sha256();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(CATALOG_QUERY);
                ResultSet rows = statement.executeQuery()) {
            TableBuilder current = null;
            while (rows.next()) {
                String schema = rows.getString(1);
                String table = rows.getString(2);
                CatalogColumn column = new CatalogColumn(rows.getString(3), rows.getString(4), rows.getBoolean(5));
                if (current == null || !current.is(schema, table)) {
                    if (current != null) {
                        tables.add(current.build());
                    }
                    current = new TableBuilder(schema, table);
                    update(digest, "T", schema, table);
                }
                current.columns.add(column);
                update(digest, "C", column.name(), column.type(), column.textual() ? "t" : "f");
            }
            if (current != null) {
                tables.add(current.build());
            }
        } catch (SQLException e) {
            throw new CatalogLoadException("Cannot read the catalog of " + describe() + ": " + reason(e), e);
        }
        return Catalog.of(tables, version(digest.digest()));
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
        return "jdbc:postgresql://" + host + ":" + backend.port() + "/"
                + URLEncoder.encode(backend.database(), StandardCharsets.UTF_8);
    }

    private static HikariConfig poolConfig(Backend backend, Duration connectionTimeout) {
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
        private final List<CatalogColumn> columns = new ArrayList<>();

        TableBuilder(String schema, String name) {
            this.schema = schema;
            this.name = name;
        }

        boolean is(String schema, String name) {
            return this.schema.equals(schema) && this.name.equals(name);
        }

        CatalogTable build() {
            return new CatalogTable(schema, name, columns);
        }
    }
}
