package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.custos.cli.demo.DemoCertificates;
import io.custos.cli.support.RoguePostgresRelay;
import io.custos.cli.support.TestCertificates;
import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import io.custos.policy.Backend;
import io.custos.policy.BackendTls;
import io.custos.policy.ClientCertificate;
import io.custos.policy.Policy;
import io.custos.policy.Role;
import io.custos.policy.TlsSettings;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TLS on both sides through the real drivers: clients verify the gateway's certificate in full (pgjdbc {@code
 * sslmode=verify-full}, MariaDB Connector/J {@code sslMode=verify-full}, MySQL Connector/J {@code
 * sslMode=VERIFY_IDENTITY}), the gateway verifies the databases' in full against the test CA. Roles and users that
 * require TLS or a client certificate, SCRAM channel binding, caching_sha2_password full authentication over TLS, and a
 * database whose certificate the gateway must not trust.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsEndToEndTest {
    private static final String TLS_ROLE = "tls_staff";
    private static final String TLS_USER = "tls_only";
    private static final String CERT_USER = "cert_user";

    private static TestCertificates certificates;
    private static TestGateway gateway;
    private static String pgTls;
    private static String mariaDbTls;

    @BeforeAll
    static void start() {
        assumeTrue(TestPostgres.get().servesTls() && TestMariaDb.get().servesTls(), "embedded databases serve TLS");
        certificates = TestCertificates.get();
        gateway = TestGateway.start(TlsEndToEndTest::tlsPolicy);
        pgTls = "sslmode=verify-full&sslrootcert=" + certificates.ca();
        mariaDbTls = "sslMode=verify-full&serverSslCert=" + certificates.ca();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** TLS towards clients with client certificates from the test CA; both databases verify-full against it. */
    private static Policy tlsPolicy(Policy demo) {
        Policy policy = TestGateway.withBackends(
                Demo.withClientTls(
                        demo,
                        new TlsSettings(
                                certificates.gatewayCertificate(),
                                certificates.gatewayKey(),
                                certificates.ca(),
                                false)),
                backend -> backend.withTls(new BackendTls(BackendTls.Mode.VERIFY_FULL, certificates.ca())));
        Role staff = policy.roles().get("staff");
        policy = TestGateway.withRole(policy, new Role(TLS_ROLE, staff.clearance(), staff.statements(), false, true));
        policy = TestGateway.withUser(policy, TLS_USER, TLS_ROLE, null);
        return TestGateway.withUser(policy, CERT_USER, "it_engineer", new ClientCertificate(CERT_USER, null));
    }

    @Test
    void pgjdbc_verifyFull_bothSidesEncrypted() throws SQLException {
        try (Connection connection = gateway.connect("it_admin", pgTls);
                Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getBoolean(1)).as("gateway to database over TLS").isTrue();
            assertThat(rows.getString(2)).isIn("TLSv1.2", "TLSv1.3");
        }
    }

    @Test
    void pgjdbc_verifyFull_masksAsWithoutTls() throws SQLException {
        try (Connection connection = gateway.connect("contractor", pgTls);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT mobile FROM customer ORDER BY id LIMIT 1")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).matches("\\d{3}\\*{4}\\d{4}");
        }
    }

    @Test
    void pgjdbc_channelBindingRequired_bindsToTheGatewaysCertificate() throws Exception {
        try (Connection connection = gateway.connect("staff", pgTls + "&channelBinding=require");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT 1")) {
            assertThat(rows.next()).isTrue();
        }
        assertThat(gateway.auditLines(line -> line.contains("\"auth_ok\"") && line.contains("\"staff\""), 1))
                .isNotEmpty();
    }

    @Test
    void tlsRequiredEverywhere_plainClientsRefused_bothProtocols() throws SQLException {
        try (TestGateway strict = TestGateway.start(demo -> Demo.withClientTls(
                demo, new TlsSettings(certificates.gatewayCertificate(), certificates.gatewayKey(), null, true)))) {
            assertThatThrownBy(() -> strict.connect("staff", "sslmode=disable").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("28000");
                        assertThat(e.getMessage()).contains("the gateway accepts only TLS connections");
                    });
            assertThatThrownBy(() ->
                            strict.connectMariaDb("staff", "sslMode=disable").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(3159);
                        assertThat(e.getMessage()).contains("the gateway accepts only TLS connections");
                    });
            try (Connection postgres = strict.connect("staff", pgTls);
                    Connection mariadb = strict.connectMariaDb("staff", mariaDbTls)) {
                assertThat(postgres.isValid(5)).isTrue();
                assertThat(mariadb.isValid(5)).isTrue();
            }
        }
    }

    @Test
    void pgjdbc_roleRequiringTls_plainRefusedTlsAccepted() throws SQLException {
        assertThatThrownBy(() -> gateway.connect(TLS_USER, "sslmode=disable").close())
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28000");
                    assertThat(e.getMessage()).contains("role " + TLS_ROLE + " must connect with TLS");
                });
        try (Connection connection = gateway.connect(TLS_USER, pgTls)) {
            assertThat(connection.isValid(5)).isTrue();
        }
    }

    @Test
    void pgjdbc_clientCertificate_requiredAndMatched() throws SQLException {
        DemoCertificates.Issued matching = certificates.client(CERT_USER);
        DemoCertificates.Issued other = certificates.client("someone_else");

        try (Connection connection = gateway.connect(CERT_USER, pgTls + clientCertificate(matching))) {
            assertThat(connection.isValid(5)).isTrue();
        }
        assertThatThrownBy(() -> gateway.connect(CERT_USER, pgTls).close())
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("certificate authentication failed for user \"cert_user\"");
                });
        assertThatThrownBy(() -> gateway.connect(CERT_USER, pgTls + clientCertificate(other))
                        .close())
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    private static String clientCertificate(DemoCertificates.Issued issued) {
        return "&sslcert=" + issued.certificateFile() + "&sslkey=" + issued.derKey();
    }

    @Test
    void mariaDbConnectorJ_verifyFull_bothSidesEncrypted() throws SQLException {
        try (Connection connection = gateway.connectMariaDb("it_admin", mariaDbTls);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_version'")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(2)).as("gateway to database over TLS").isIn("TLSv1.2", "TLSv1.3");
        }
    }

    @Test
    void mariaDbConnectorJ_roleRequiringTls_plainRefused() throws SQLException {
        assertThatThrownBy(() ->
                        gateway.connectMariaDb(TLS_USER, "sslMode=disable").close())
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getErrorCode()).isEqualTo(1045);
                    assertThat(e.getMessage()).contains("role " + TLS_ROLE + " must connect with TLS");
                });
        try (Connection connection = gateway.connectMariaDb(TLS_USER, mariaDbTls)) {
            assertThat(connection.isValid(5)).isTrue();
        }
    }

    @Test
    void mariaDbConnectorJ_clientCertificate_requiredAndMatched() throws SQLException {
        DemoCertificates.Issued matching = certificates.client(CERT_USER);
        String keyStore = "&keyStore=file:" + matching.keyStore() + "&keyStorePassword="
                + TestCertificates.STORE_PASSWORD + "&keyStoreType=PKCS12";

        try (Connection connection = gateway.connectMariaDb(CERT_USER, mariaDbTls + keyStore)) {
            assertThat(connection.isValid(5)).isTrue();
        }
        assertThatThrownBy(() -> gateway.connectMariaDb(CERT_USER, mariaDbTls).close())
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1045));
    }

    @Test
    void mysqlConnectorJ_verifyIdentity_cachingSha2FullAuthenticationWithoutRsa() throws SQLException {
        String parameters = "sslMode=VERIFY_IDENTITY&trustCertificateKeyStoreUrl=file:" + certificates.caTrustStore()
                + "&trustCertificateKeyStoreType=PKCS12&trustCertificateKeyStorePassword="
                + TestCertificates.STORE_PASSWORD + "&defaultAuthenticationPlugin=caching_sha2_password";
        try (Connection connection = gateway.connectMySql("staff", parameters);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT name FROM customer ORDER BY id LIMIT 1")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isNotBlank();
        }
        // Without TLS the same login needs the RSA key, which the driver may not fetch unless allowed.
        assertThatThrownBy(() -> gateway.connectMySql(
                                "staff", "sslMode=DISABLED&defaultAuthenticationPlugin=caching_sha2_password")
                        .close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("Public Key Retrieval is not allowed");
    }

    @Test
    void backendTurnedRogue_sessionRefusedWithItsReason() throws Exception {
        TestPostgres postgres = TestPostgres.get();
        try (RoguePostgresRelay relay =
                        new RoguePostgresRelay(postgres.host(), postgres.port(), certificates.rogueServer());
                TestGateway relayed = TestGateway.start(demo -> TestGateway.withBackends(
                        demo,
                        backend -> backend.protocol() != Backend.Protocol.POSTGRESQL
                                ? backend
                                : new Backend(
                                        backend.protocol(),
                                        backend.host(),
                                        relay.port(),
                                        backend.database(),
                                        backend.user(),
                                        backend.password(),
                                        new BackendTls(BackendTls.Mode.VERIFY_FULL, certificates.ca()))))) {
            try (Connection connection = relayed.connect("it_admin", "sslmode=disable")) {
                assertThat(connection.isValid(5))
                        .as("through the relay before it turns")
                        .isTrue();
            }

            relay.turnRogue();

            assertThatThrownBy(
                            () -> relayed.connect("it_admin", "sslmode=disable").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("08006");
                        assertThat(e.getMessage())
                                .contains("custos: cannot connect to the database: the database's TLS certificate is"
                                        + " not signed by the CA in the policy");
                    });
        }
    }

    @Test
    void backendWithUntrustedCertificate_gatewayDoesNotStart() {
        assertThatThrownBy(() -> TestGateway.start(demo -> TestGateway.withBackends(
                                demo,
                                backend -> backend.withTls(
                                        new BackendTls(BackendTls.Mode.VERIFY_FULL, certificates.rogueCa()))))
                        .close())
                .isInstanceOf(RuntimeException.class)
                .hasMessageContaining("certification path");
    }
}
