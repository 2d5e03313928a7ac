package io.custos.cli.demo;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL 17 server run from the binaries on the classpath, in a temporary data directory, holding the sample
 * database.
 *
 * <p>Start-up: initdb and start (the server trusts every local connection at this point), give the superuser a
 * password, create {@code custos_demo} and the gateway's login role, load the sample data and grant the role access,
 * then rewrite {@code pg_hba.conf} so that TCP connections must authenticate with SCRAM-SHA-256 and reload. The
 * instance is returned only once a connection without a password is refused. {@link #close()} stops the server and
 * deletes the data directory. Runs as root too: the bundled initdb and postgres do not refuse it.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final String SUPERUSER = "postgres";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(30);
    private static final long RELOAD_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long RELOAD_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final String SCRAM_HBA = String.join(
            "\n",
            "# Written by Custos: trust over the Unix socket, SCRAM-SHA-256 over TCP.",
            "local all all trust",
            "host all all 127.0.0.1/32 scram-sha-256",
            "host all all ::1/128 scram-sha-256",
            "");

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
    private final Path dataDirectory;
    private final String superuserPassword;
    private final String gatewayPassword;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedPostgres(
            io.zonky.test.db.postgres.embedded.EmbeddedPostgres server,
            Path dataDirectory,
            String superuserPassword,
            String gatewayPassword) {
        this.server = server;
        this.dataDirectory = dataDirectory;
        this.superuserPassword = superuserPassword;
        this.gatewayPassword = gatewayPassword;
    }

    /** A server on a free port with {@link SampleData#generate() the default sample data}. */
    public static EmbeddedPostgres start() {
        return start(0, SampleData.generate());
    }

    /**
     * Starts a server on {@code port} (0 picks a free one) and loads {@code data}. Throws {@link
     * IllegalStateException} naming the step that failed; nothing is left running or on disk then.
     */
    public static EmbeddedPostgres start(int port, SampleData data) {
        return start(port, data, null);
    }

    /**
     * As {@link #start(int, SampleData)}, serving TLS with {@code tls} ({@code ssl = on}) when it is not {@code null};
     * clients may still connect without TLS.
     */
    public static EmbeddedPostgres start(int port, SampleData data, ServerTls tls) {
        return start(port, data, tls, Map.of());
    }

    /**
     * As {@link #start(int, SampleData, ServerTls)}, with {@code serverConfig} added to the server's settings (the
     * performance harness raises {@code max_connections} for its thousand idle sessions).
     */
    public static EmbeddedPostgres start(int port, SampleData data, ServerTls tls, Map<String, String> serverConfig) {
        requireNonNull(serverConfig, "serverConfig is null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
        requireNonNull(data, "data is null");
        SecureRandom random = new SecureRandom();
        Path dataDirectory = createDataDirectory();
        io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
        try {
            io.zonky.test.db.postgres.embedded.EmbeddedPostgres.Builder builder =
                    io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                            .setDataDirectory(dataDirectory)
                            .setCleanDataDirectory(true)
                            .setRegisterShutdownHook(false)
                            .setPort(port)
                            .setPGStartupWait(STARTUP_WAIT)
                            .setServerConfig("password_encryption", "scram-sha-256")
                            .setServerConfig("listen_addresses", HOST);
            serverConfig.forEach(builder::setServerConfig);
            if (tls != null) {
                builder.setServerConfig("ssl", "on")
                        .setServerConfig(
                                "ssl_cert_file",
                                tls.certificate().toAbsolutePath().toString())
                        .setServerConfig(
                                "ssl_key_file", tls.key().toAbsolutePath().toString())
                        .setServerConfig("ssl_min_protocol_version", "TLSv1.2");
            }
            server = builder.start();
        } catch (IOException | RuntimeException e) {
            deleteRecursively(dataDirectory);
            throw new IllegalStateException("Cannot start the embedded PostgreSQL server: " + e.getMessage(), e);
        }

        EmbeddedPostgres postgres = new EmbeddedPostgres(
                server, dataDirectory, SampleDatabase.randomPassword(random), SampleDatabase.randomPassword(random));
        try {
            postgres.prepare(data);
            return postgres;
        } catch (SQLException | IOException | RuntimeException e) {
            postgres.close();
            throw new IllegalStateException("Cannot prepare the embedded PostgreSQL server: " + e.getMessage(), e);
        }
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return server.getPort();
    }

    public String database() {
        return SampleDatabase.DATABASE;
    }

    public String superuser() {
        return SUPERUSER;
    }

    public String superuserPassword() {
        return superuserPassword;
    }

    /** The gateway's own login role on this server. */
    public String gatewayUser() {
        return SampleDatabase.GATEWAY_USER;
    }

    public String gatewayPassword() {
        return gatewayPassword;
    }

    /** Where the server keeps its files; gone after {@link #close()}. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/custos_demo}, without credentials. */
    public String jdbcUrl() {
        return jdbcUrl(SampleDatabase.DATABASE);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port() + "/" + requireNonNull(database, "database is null");
    }

    /** A direct connection to {@code custos_demo}, authenticated with SCRAM-SHA-256 over TCP. */
    public Connection connect(String user, String password) throws SQLException {
        return connect(SampleDatabase.DATABASE, user, password);
    }

    public Connection connectAsSuperuser() throws SQLException {
        return connect(SUPERUSER, superuserPassword);
    }

    public Connection connectAsGateway() throws SQLException {
        return connect(SampleDatabase.GATEWAY_USER, gatewayPassword);
    }

    /** The server's data directory; gone after {@link #close()}. */
    public Path directory() {
        return dataDirectory;
    }

    /** Stops the server and deletes its data directory. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            log.warn("Stopping the embedded PostgreSQL server failed: {}", e.getMessage());
        }
        deleteRecursively(dataDirectory);
        log.info("Embedded PostgreSQL stopped, {} removed", dataDirectory);
    }

    @Override
    public String toString() {
        return "EmbeddedPostgres[" + HOST + ":" + port() + ", " + dataDirectory + "]";
    }

    private void prepare(SampleData data) throws SQLException, IOException {
        try (Connection connection = connect("postgres", SUPERUSER, null)) {
            SampleDatabase.setPassword(connection, SUPERUSER, superuserPassword);
            SampleDatabase.createDatabaseAndGatewayRole(connection, gatewayPassword);
        }
        try (Connection connection = connect(SampleDatabase.DATABASE, SUPERUSER, null)) {
            SampleDatabase.loadAndGrant(connection, data);
            requireScram(connection);
        }
        awaitPasswordRequired();
        log.info(
                "Embedded PostgreSQL listening on {}:{}, database {} with {} customers",
                HOST,
                port(),
                SampleDatabase.DATABASE,
                data.customers().size());
    }

    private void requireScram(Connection superuser) throws SQLException, IOException {
        Path hbaFile;
        try (Statement statement = superuser.createStatement();
                ResultSet result = statement.executeQuery("SHOW hba_file")) {
            result.next();
            hbaFile = Path.of(result.getString(1));
        }
        Files.writeString(hbaFile, SCRAM_HBA, StandardCharsets.UTF_8);
        try (Statement statement = superuser.createStatement();
                ResultSet result = statement.executeQuery("SELECT pg_reload_conf()")) {
            result.next();
            if (!result.getBoolean(1)) {
                throw new IllegalStateException("pg_reload_conf() returned false");
            }
        }
    }

    /**
     * The postmaster rereads {@code pg_hba.conf} when it handles the reload signal, a moment after
     * {@code pg_reload_conf()} returns; wait until a connection without a password is refused.
     */
    private void awaitPasswordRequired() {
        long deadline = System.nanoTime() + RELOAD_WAIT_NANOS;
        while (acceptsWithoutPassword()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("The server still trusts TCP connections after reloading");
            }
            LockSupport.parkNanos(RELOAD_POLL_NANOS);
        }
    }

    private boolean acceptsWithoutPassword() {
        try (Connection connection = connect("postgres", SUPERUSER, null)) {
            return connection.isValid(1);
        } catch (SQLException refused) {
            return false;
        }
    }

    private Connection connect(String database, String user, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        return DriverManager.getConnection(jdbcUrl(database), properties);
    }

    private static Path createDataDirectory() {
        try {
            return Files.createTempDirectory("custos-pg-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary data directory", e);
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("Cannot delete the data directory {}: {}", directory, e.getMessage());
        }
    }
}
