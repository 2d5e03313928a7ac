package io.custos.cli.support;

import io.custos.cli.demo.EmbeddedMariaDb;
import io.custos.cli.demo.SampleData;
import io.custos.cli.demo.SampleDatabase;
import io.custos.policy.Backend;
import io.custos.policy.SecretSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MariaDBContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * One MariaDB 11.4 server for every test in the JVM, holding {@code custos_demo} with {@link SampleData#generate()
 * the default sample data} and the gateway's backend login. It runs in a container ({@code mariadb:11.4}) when a
 * Docker engine answers, and embedded otherwise; the system property {@code custos.test.mariadb} set to {@code
 * embedded} or {@code docker} forces the choice. Started on first use, stopped when the JVM exits. The embedded server
 * also serves TLS with a certificate of {@link TestCertificates}' CA ({@link #servesTls()}).
 *
 * <p>Root logs in over TCP with {@link #superuserPassword()}, for reading the data without the gateway. Tests share
 * the data: a test that writes must undo its writes or touch only rows it created.
 */
public final class TestMariaDb {
    private static final String KIND_PROPERTY = "custos.test.mariadb";
    private static final String IMAGE = "mariadb:11.4";
    private static final int MARIADB_PORT = 3306;

    private static TestMariaDb instance;

    private final String kind;
    private final String host;
    private final int port;
    private final String superuserPassword;
    private final String gatewayPassword;
    private final SampleData data;

    private TestMariaDb(
            String kind, String host, int port, String superuserPassword, String gatewayPassword, SampleData data) {
        this.kind = kind;
        this.host = host;
        this.port = port;
        this.superuserPassword = superuserPassword;
        this.gatewayPassword = gatewayPassword;
        this.data = data;
    }

    /** The server, started on the first call. */
    public static synchronized TestMariaDb get() {
        if (instance == null) {
            instance = useDocker() ? startContainer() : startEmbedded();
        }
        return instance;
    }

    /** Whether the server serves TLS with a certificate of {@link TestCertificates}' CA (the embedded one does). */
    public boolean servesTls() {
        return kind.equals("embedded");
    }

    /** {@code "docker"} or {@code "embedded"}. */
    public String kind() {
        return kind;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String database() {
        return SampleDatabase.DATABASE;
    }

    /** The direct URL of {@code custos_demo}, without credentials. */
    public String jdbcUrl() {
        return "jdbc:mariadb://" + host + ":" + port + "/" + SampleDatabase.DATABASE;
    }

    public String superuser() {
        return EmbeddedMariaDb.SUPERUSER;
    }

    public String superuserPassword() {
        return superuserPassword;
    }

    public String gatewayUser() {
        return SampleDatabase.GATEWAY_USER;
    }

    public String gatewayPassword() {
        return gatewayPassword;
    }

    /** The rows that were loaded. */
    public SampleData data() {
        return data;
    }

    /** The gateway's backend entry for a policy, pointing at this server. */
    public Backend backend() {
        return new Backend(
                Backend.Protocol.MYSQL,
                host,
                port,
                SampleDatabase.DATABASE,
                SampleDatabase.GATEWAY_USER,
                new SecretSource.Given(gatewayPassword));
    }

    public Connection connectAsSuperuser() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), EmbeddedMariaDb.SUPERUSER, superuserPassword);
    }

    public Connection connectAsGateway() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), SampleDatabase.GATEWAY_USER, gatewayPassword);
    }

    private static boolean useDocker() {
        String forced = System.getProperty(KIND_PROPERTY, "");
        if (forced.equals("embedded")) {
            return false;
        }
        if (forced.equals("docker")) {
            return true;
        }
        // Asking Testcontainers when nothing can answer costs seconds and a page of warnings; look for a socket first.
        boolean engineConfigured = System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!engineConfigured) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static TestMariaDb startEmbedded() {
        SampleData data = SampleData.generate();
        EmbeddedMariaDb mariadb =
                EmbeddedMariaDb.start(0, data, TestCertificates.get().database());
        Runtime.getRuntime().addShutdownHook(new Thread(mariadb::close, "test-mariadb-stop"));
        return new TestMariaDb(
                "embedded",
                mariadb.host(),
                mariadb.port(),
                mariadb.superuserPassword(),
                mariadb.gatewayPassword(),
                data);
    }

    @SuppressWarnings("resource") // stopped by the shutdown hook
    private static TestMariaDb startContainer() {
        SecureRandom random = new SecureRandom();
        String superuserPassword = SampleDatabase.randomPassword(random);
        String gatewayPassword = SampleDatabase.randomPassword(random);
        // As user root the container sets root's password and creates no other account.
        MariaDBContainer<?> container = new MariaDBContainer<>(DockerImageName.parse(IMAGE))
                .withDatabaseName("mysql")
                .withUsername(EmbeddedMariaDb.SUPERUSER)
                .withPassword(superuserPassword)
                // As the embedded server: room for the 20 MiB value the end-to-end tests round-trip.
                .withCommand("--max-allowed-packet=64M");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-mariadb-stop"));

        SampleData data = SampleData.generate();
        String host = container.getHost();
        int port = container.getMappedPort(MARIADB_PORT);
        String url = "jdbc:mariadb://" + host + ":" + port + "/";
        try (Connection connection = DriverManager.getConnection(url, EmbeddedMariaDb.SUPERUSER, superuserPassword)) {
            // Clients reach the container through its network, never from its own loopback address.
            SampleDatabase.createMySqlDatabaseAndGatewayUser(connection, gatewayPassword, List.of("%"));
            SampleDatabase.loadMySql(connection, data);
        } catch (SQLException e) {
            container.stop();
            throw new IllegalStateException("Cannot prepare the MariaDB container: " + e.getMessage(), e);
        }
        return new TestMariaDb("docker", host, port, superuserPassword, gatewayPassword, data);
    }
}
