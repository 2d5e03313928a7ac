package io.custos.perf;

import io.custos.cli.demo.EmbeddedMariaDb;
import io.custos.cli.demo.EmbeddedPostgres;
import io.custos.cli.demo.SampleData;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;

/**
 * The embedded PostgreSQL 17 and MariaDB 11.4 servers of the demo, with the sample data from its fixed seed, started
 * by the harness itself. PostgreSQL gets room for the idle-connection test: every gateway session has a backend
 * connection of its own.
 */
final class Databases implements AutoCloseable {
    private final EmbeddedPostgres postgres;
    private final Optional<EmbeddedMariaDb> mariadb;
    private final SampleData data;

    private Databases(EmbeddedPostgres postgres, Optional<EmbeddedMariaDb> mariadb, SampleData data) {
        this.postgres = postgres;
        this.mariadb = mariadb;
        this.data = data;
    }

    /** {@code maxConnections}: each server's connection limit, which the idle-connection test needs above its count. */
    static Databases start(boolean withMariaDb, int maxConnections) throws SQLException {
        SampleData data = SampleData.generate();
        EmbeddedPostgres postgres = EmbeddedPostgres.start(
                0, data, null, Map.of("max_connections", String.valueOf(maxConnections), "shared_buffers", "128MB"));
        try {
            Optional<EmbeddedMariaDb> mariadb = Optional.empty();
            if (withMariaDb) {
                mariadb = Optional.of(EmbeddedMariaDb.start(0, data, null));
                try (Connection root = mariadb.get().connectAsSuperuser();
                        Statement statement = root.createStatement()) {
                    statement.execute("SET GLOBAL max_connections = " + maxConnections);
                }
            }
            return new Databases(postgres, mariadb, data);
        } catch (SQLException | RuntimeException e) {
            postgres.close();
            throw e;
        }
    }

    EmbeddedPostgres postgres() {
        return postgres;
    }

    Optional<EmbeddedMariaDb> mariadb() {
        return mariadb;
    }

    SampleData data() {
        return data;
    }

    String postgresVersion() throws SQLException {
        try (Connection connection = postgres.connectAsSuperuser()) {
            return scalar(connection, "SHOW server_version");
        }
    }

    Optional<String> mariadbVersion() throws SQLException {
        if (mariadb.isEmpty()) {
            return Optional.empty();
        }
        try (Connection connection = mariadb.get().connectAsSuperuser()) {
            return Optional.of(scalar(connection, "SELECT version()"));
        }
    }

    /** Gives the gateway's database account the tables a benchmark tool created after the sample's grants. */
    void grantPostgresTablesToGateway() throws SQLException {
        try (Connection connection = postgres.connectAsSuperuser();
                Statement statement = connection.createStatement()) {
            statement.execute("GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO " + postgres.gatewayUser());
        }
    }

    private static String scalar(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }

    @Override
    public void close() {
        mariadb.ifPresent(EmbeddedMariaDb::close);
        postgres.close();
    }
}
