package io.custos.cli.support;

import io.custos.cli.demo.EmbeddedPostgres;
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
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * One PostgreSQL 17 server for every test in the JVM, holding {@code custos_demo} with {@link SampleData#generate()
 * the default sample data} and the gateway's backend role. It runs in a container ({@code postgres:17}) when a
 * Docker engine answers, and embedded otherwise; the system property {@code custos.test.postgres} set to {@code
 * embedded} or {@code docker} forces the choice. Started on first use, stopped when the JVM exits. The embedded server
 * also serves TLS with a certificate of {@link TestCertificates}' CA ({@link #servesTls()}).
 *
 * <p>Tests share the data: a test that writes must undo its writes or touch only rows it created.
 */
public final class TestPostgres {
    private static final String KIND_PROPERTY = "custos.test.postgres";
    private static final String IMAGE = "postgres:17";

    private static TestPostgres instance;

    private final String kind;
    private final String host;
    private final int port;
    private final String superuser;
    private final String superuserPassword;
    private final String gatewayPassword;
    private final SampleData data;

    private TestPostgres(
            String kind,
            String host,
            int port,
            String superuser,
            String superuserPassword,
            String gatewayPassword,
            SampleData data) {
        this.kind = kind;
        this.host = host;
        this.port = port;
        this.superuser = superuser;
        this.superuserPassword = superuserPassword;
        this.gatewayPassword = gatewayPassword;
        this.data = data;
    }

    /** The server, started on the first call. */
    public static synchronized TestPostgres get() {
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
        return "jdbc:postgresql://" + host + ":" + port + "/" + SampleDatabase.DATABASE;
    }

    public String superuser() {
        return superuser;
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
                Backend.Protocol.POSTGRESQL,
                host,
                port,
                SampleDatabase.DATABASE,
                SampleDatabase.GATEWAY_USER,
                new SecretSource.Given(gatewayPassword));
    }

    public Connection connectAsSuperuser() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), superuser, superuserPassword);
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

    private static TestPostgres startEmbedded() {
        SampleData data = SampleData.generate();
        EmbeddedPostgres postgres =
                EmbeddedPostgres.start(0, data, TestCertificates.get().database());
        Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "test-postgres-stop"));
        return new TestPostgres(
                "embedded",
                postgres.host(),
                postgres.port(),
                postgres.superuser(),
                postgres.superuserPassword(),
                postgres.gatewayPassword(),
                data);
    }

    @SuppressWarnings("resource") // stopped by the shutdown hook
    private static TestPostgres startContainer() {
        SecureRandom random = new SecureRandom();
        String superuserPassword = SampleDatabase.randomPassword(random);
        String gatewayPassword = SampleDatabase.randomPassword(random);
        PostgreSQLContainer<?> container = new PostgreSQLContainer<>(DockerImageName.parse(IMAGE))
                .withDatabaseName("postgres")
                .withUsername("postgres")
                .withPassword(superuserPassword);
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-postgres-stop"));

        SampleData data = SampleData.generate();
        String host = container.getHost();
        int port = container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
        try {
            try (Connection connection = container.createConnection("")) {
                SampleDatabase.createDatabaseAndGatewayRole(connection, gatewayPassword);
            }
            String url = "jdbc:postgresql://" + host + ":" + port + "/" + SampleDatabase.DATABASE;
            try (Connection connection = DriverManager.getConnection(url, "postgres", superuserPassword)) {
                SampleDatabase.loadAndGrant(connection, data);
            }
        } catch (SQLException e) {
            container.stop();
            throw new IllegalStateException("Cannot prepare the PostgreSQL container: " + e.getMessage(), e);
        }
        return new TestPostgres("docker", host, port, "postgres", superuserPassword, gatewayPassword, data);
    }
}
