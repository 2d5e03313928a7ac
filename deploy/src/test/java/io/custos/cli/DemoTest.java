package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.cli.demo.EmbeddedMariaDb;
import io.custos.cli.demo.EmbeddedPostgres;
import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.BackendTls;
import io.custos.policy.Classification;
import io.custos.policy.Listener;
import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.policy.Role;
import io.custos.policy.ScramVerifier;
import io.custos.policy.SecretSource;
import io.custos.policy.StatementClass;
import io.custos.policy.TlsSettings;
import io.custos.policy.User;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {
    @Test
    void start_whenTheGatewayFails_reportsItAndLeavesNothingBehind(@TempDir Path temporary) throws IOException {
        Set<Path> whileRunning = new HashSet<>();
        AtomicReference<Policy> launched = new AtomicReference<>();
        List<Long> customersSeenByGatewayAccount = new ArrayList<>();
        StringWriter out = new StringWriter();
        Resources resources = new Resources();
        Path directory = temporary.resolve("custos-demo");
        Demo.Options options =
                new Demo.Options("127.0.0.1", 25432, false, 0, 50, Path.of("/tmp/demo-audit.jsonl"), 0, directory);
        List<String> passwords = new ArrayList<>();
        List<String> auditKeys = new ArrayList<>();

        assertThatThrownBy(() -> Demo.start(
                        options,
                        holder -> {
                            Policy policy = holder.current();
                            launched.set(policy);
                            whileRunning.addAll(databaseDirectories(resources));
                            passwords.add(policy.backends().get(0).password().read());
                            auditKeys.add(policy.audit().key().read());
                            customersSeenByGatewayAccount.add(
                                    countCustomersOrMinusOne(policy.backends().get(0)));
                            throw new IllegalStateException("port 25432 is in use");
                        },
                        resources,
                        new PrintWriter(out, true)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Cannot start the gateway: port 25432 is in use");
        resources.close();

        Policy policy = launched.get();
        Backend backend = policy.backends().get(0);
        assertThat(backend.host()).isEqualTo("127.0.0.1");
        assertThat(backend.database()).isEqualTo("custos_demo");
        assertThat(backend.user()).isEqualTo("custos_gateway");
        assertThat(backend.password()).isInstanceOf(SecretSource.File.class);
        assertThat(policy.admin())
                .hasValueSatisfying(admin -> assertThat(admin.host()).isEqualTo("127.0.0.1"));
        assertThat(customersSeenByGatewayAccount).containsExactly(50L);
        assertThat(policy.listeners()).containsExactly(new Listener(Backend.Protocol.POSTGRESQL, "127.0.0.1", 25432));
        assertThat(policy.audit().file()).isEqualTo(Path.of("/tmp/demo-audit.jsonl"));
        assertThat(policy.audit().key()).isEqualTo(new SecretSource.File(directory.resolve(Demo.AUDIT_KEY_SECRET)));
        assertThat(auditKeys).containsExactly(Demo.DEMO_AUDIT_KEY);
        assertThat(policy.audit().durability()).isEqualTo(AuditSettings.Durability.STRICT);
        assertThat(policy.clientTls()).isEmpty();
        assertThat(backend.tls().enabled()).isFalse();
        assertThat(out.toString()).contains("PostgreSQL is ready on 127.0.0.1:" + backend.port());
        assertThatThrownBy(() -> countCustomers(backend, passwords.get(0))).isInstanceOf(SQLException.class);
        assertThat(directory).doesNotExist();
        assertThatOwnDirectoriesRemoved(whileRunning, 1);
    }

    @Test
    void start_withTls_writesTheTlsSectionsAndTheDurabilityIntoThePolicyFile(@TempDir Path temporary)
            throws IOException {
        Set<Path> whileRunning = new HashSet<>();
        AtomicReference<Policy> launched = new AtomicReference<>();
        List<Path> certificateFiles = new ArrayList<>();
        List<String> policyTexts = new ArrayList<>();
        StringWriter out = new StringWriter();
        Resources resources = new Resources();
        Path directory = temporary.resolve("custos-demo");
        Demo.Options options = new Demo.Options(
                "127.0.0.1",
                25432,
                false,
                0,
                20,
                Path.of("/tmp/demo-audit.jsonl"),
                true,
                AuditSettings.Durability.RELAXED,
                0,
                directory);

        assertThatThrownBy(() -> Demo.start(
                        options,
                        holder -> {
                            Policy policy = holder.current();
                            launched.set(policy);
                            whileRunning.addAll(databaseDirectories(resources));
                            policyTexts.add(readUnchecked(holder.file()));
                            TlsSettings tls = policy.clientTls().orElseThrow();
                            certificateFiles.add(tls.certificate());
                            certificateFiles.add(tls.key());
                            certificateFiles.add(
                                    policy.backends().get(0).tls().caFile().orElseThrow());
                            throw new IllegalStateException("port 25432 is in use");
                        },
                        resources,
                        new PrintWriter(out, true)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Cannot start the gateway: port 25432 is in use");
        resources.close();

        Policy policy = launched.get();
        Backend backend = policy.backends().get(0);
        assertThat(backend.tls().mode()).isEqualTo(BackendTls.Mode.VERIFY_FULL);
        assertThat(policy.audit().durability()).isEqualTo(AuditSettings.Durability.RELAXED);
        assertThat(policyTexts)
                .singleElement()
                .asString()
                .contains("\ntls:\n  certificate: ", "    tls:\n      mode: verify-full\n      ca: ")
                .contains("  durability: relaxed\n", "  key_file: ");
        assertThat(certificateFiles).hasSize(3).noneMatch(Files::exists);
        assertThat(out.toString()).contains("Generating a throwaway CA");
        assertThat(directory).doesNotExist();
        assertThatOwnDirectoriesRemoved(whileRunning, 1);
    }

    @Test
    void start_withMySql_adaptsBothBackendsAndLeavesNothingBehindOnFailure(@TempDir Path temporary) throws IOException {
        Set<Path> whileRunning = new HashSet<>();
        AtomicReference<Policy> launched = new AtomicReference<>();
        List<Long> customersSeenByGatewayAccount = new ArrayList<>();
        StringWriter out = new StringWriter();
        Resources resources = new Resources();
        Path directory = temporary.resolve("custos-demo");
        Demo.Options options =
                new Demo.Options("127.0.0.1", 25432, true, 23306, 30, Path.of("/tmp/demo-audit.jsonl"), 0, directory);
        List<String> passwords = new ArrayList<>();

        assertThatThrownBy(() -> Demo.start(
                        options,
                        holder -> {
                            Policy policy = holder.current();
                            launched.set(policy);
                            whileRunning.addAll(databaseDirectories(resources));
                            policy.backends().forEach(backend -> {
                                passwords.add(backend.password().read());
                                customersSeenByGatewayAccount.add(countCustomersOrMinusOne(backend));
                            });
                            throw new IllegalStateException("port 23306 is in use");
                        },
                        resources,
                        new PrintWriter(out, true)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Cannot start the gateway: port 23306 is in use");
        resources.close();

        Policy policy = launched.get();
        Backend mysql = policy.backend(Backend.Protocol.MYSQL).orElseThrow();
        assertThat(mysql.host()).isEqualTo("127.0.0.1");
        assertThat(mysql.database()).isEqualTo("custos_demo");
        assertThat(mysql.user()).isEqualTo("custos_gateway");
        assertThat(mysql.password()).isInstanceOf(SecretSource.File.class);
        assertThat(policy.backend(Backend.Protocol.POSTGRESQL)).isPresent();
        assertThat(customersSeenByGatewayAccount).containsExactly(30L, 30L);
        assertThat(policy.listeners())
                .containsExactly(
                        new Listener(Backend.Protocol.POSTGRESQL, "127.0.0.1", 25432),
                        new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 23306));
        assertThat(out.toString()).contains("MariaDB is ready on 127.0.0.1:" + mysql.port());
        assertThatThrownBy(() -> countCustomers(mysql, passwords.get(1))).isInstanceOf(SQLException.class);
        assertThat(directory).doesNotExist();
        assertThatOwnDirectoriesRemoved(whileRunning, 2);
    }

    @Test
    void options_mysqlPortOutOfRange_isAUsageError() {
        assertThatThrownBy(() ->
                        new Demo.Options("127.0.0.1", 15432, true, 70000, 10, Path.of("a.jsonl"), 0, Path.of("d")))
                .isInstanceOf(CommandFailure.class)
                .hasMessage("custos: --mysql-port 70000 (expected: 0-65535)");
        assertThat(new Demo.Options("127.0.0.1", 15432, false, 70000, 10, Path.of("a.jsonl"), 0, Path.of("d")).mysql())
                .isFalse();
    }

    @Test
    void demoPolicy_namesBothBackendsAndClassifiesBothSchemas() throws IOException {
        Policy policy = PolicyLoader.parse(demoPolicyText(), Demo.POLICY_SOURCE_NAME, Path.of("."));

        assertThat(policy.backend(Backend.Protocol.MYSQL)).hasValueSatisfying(backend -> {
            assertThat(backend.port()).isEqualTo(3306);
            assertThat(backend.database()).isEqualTo("custos_demo");
            assertThat(backend.user()).isEqualTo("custos_gateway");
            assertThat(backend.password()).isEqualTo(new SecretSource.Environment("CUSTOS_MYSQL_PASSWORD"));
        });
        assertThat(policy.listener(Backend.Protocol.MYSQL))
                .contains(new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 13306));
        assertThat(policy.classification().rules())
                .filteredOn(rule -> rule.schema().equals("custos_demo"))
                .extracting(rule -> rule.table() + "." + rule.column() + " " + rule.level() + " " + rule.mask() + " "
                        + rule.filter())
                .containsExactlyInAnyOrderElementsOf(policy.classification().rules().stream()
                        .filter(rule -> rule.schema().equals("public"))
                        .map(rule -> rule.table() + "." + rule.column() + " " + rule.level() + " " + rule.mask() + " "
                                + rule.filter())
                        .toList())
                .hasSize(10);
    }

    @Test
    void demoPolicy_letsEveryDemoUserInOverMySqlWithTheDemoPassword() throws IOException {
        Policy policy = PolicyLoader.parse(demoPolicyText(), Demo.POLICY_SOURCE_NAME, Path.of("."));

        assertThat(Demo.demoUsers(policy)).allMatch(Demo::acceptsDemoPasswordOverMySql);
        assertThat(Demo.acceptsDemoPasswordOverMySql(user("someone", "role", Demo.DEMO_PASSWORD)))
                .isFalse();
    }

    @Test
    void demoPolicy_letsEveryDemoUserInWithTheDemoPassword() throws IOException {
        Policy policy = PolicyLoader.parse(demoPolicyText(), Demo.POLICY_SOURCE_NAME, Path.of("."));

        assertThat(Demo.demoUsers(policy))
                .extracting(User::name)
                .startsWith("it_admin", "clerk", "staff", "contractor");
        assertThat(Demo.demoUsers(policy)).allMatch(Demo::acceptsDemoPassword);
    }

    @Test
    void banner_showsHowEachDemoUserConnects() throws IOException {
        Policy policy = PolicyLoader.parse(demoPolicyText(), Demo.POLICY_SOURCE_NAME, Path.of("."));
        Demo.DirectAccess database = new Demo.DirectAccess("127.0.0.1", 40001, "custos_demo", "postgres", "Xyz123");

        String banner = Demo.banner(policy, new InetSocketAddress("0.0.0.0", 15432), database);

        assertThat(banner)
                .contains("PostgreSQL protocol on 0.0.0.0:15432")
                .contains("embedded PostgreSQL on 127.0.0.1:40001, database custos_demo")
                .contains("version " + policy.version())
                .contains("audit file  " + policy.audit().file())
                .contains("Demo users (password 'custos-demo')")
                .contains("staff       role staff, clearance 1\n")
                .contains("contractor  role contractor, clearance 0\n")
                .contains("PGPASSWORD=custos-demo psql \"host=127.0.0.1 port=15432 dbname=custos_demo user=staff\"")
                .contains("jdbc:postgresql://127.0.0.1:15432/custos_demo?user=it_admin&password=custos-demo")
                .contains("PGPASSWORD=Xyz123 psql \"host=127.0.0.1 port=40001 dbname=custos_demo user=postgres\"")
                .doesNotContain("its own password", "the gateway reads the same key", "TLS ");
        assertThat(banner.indexOf("it_admin")).isLessThan(banner.indexOf("clerk"));
    }

    @Test
    void banner_namesTheDurabilityAndWhereTheDemoKeyIs() throws IOException {
        Path directory = Path.of("/srv/custos-demo");
        String text = PolicyFileText.of(
                demoPolicyText(),
                List.of(new PolicyFileText.BackendEntry(
                        Backend.Protocol.POSTGRESQL,
                        "127.0.0.1",
                        40001,
                        "custos_demo",
                        "custos_gateway",
                        directory.resolve("postgresql-password"))),
                List.of(new Listener(Backend.Protocol.POSTGRESQL, "127.0.0.1", 15432)),
                new PolicyFileText.AuditEntry(
                        Path.of("/w/custos-audit.jsonl"),
                        directory.resolve(Demo.AUDIT_KEY_SECRET),
                        AuditSettings.Durability.RELAXED),
                Optional.empty(),
                Optional.empty());
        Policy policy = PolicyLoader.parse(text, Demo.POLICY_SOURCE_NAME, directory);
        Demo.DirectAccess database = new Demo.DirectAccess("127.0.0.1", 40001, "custos_demo", "postgres", "Xyz123");

        String banner = Demo.banner(policy, new InetSocketAddress("127.0.0.1", 15432), database);

        assertThat(banner)
                .contains("  audit file  /w/custos-audit.jsonl (durability relaxed)\n")
                .contains(
                        "  audit key   /w/custos-demo-audit.key (a DEMO key; check the trail with: custos audit verify"
                                + " --key-file /w/custos-demo-audit.key /w/custos-audit*)\n")
                .contains("the gateway reads the same key from /srv/custos-demo/audit-key, the policy's key_file\n");
    }

    @Test
    void banner_withMySqlListener_showsMySqlClientsAndBothDirectLines() throws IOException {
        Policy policy = PolicyLoader.parse(demoPolicyText(), Demo.POLICY_SOURCE_NAME, Path.of("."));
        Demo.DirectAccess postgres = new Demo.DirectAccess("127.0.0.1", 40001, "custos_demo", "postgres", "Xyz123");
        Demo.MySqlAccess mysql = new Demo.MySqlAccess(
                Optional.of(new InetSocketAddress("127.0.0.1", 13306)),
                new Demo.DirectAccess("127.0.0.1", 40002, "custos_demo", "root", "Abc789"));

        String banner = Demo.banner(policy, new InetSocketAddress("127.0.0.1", 15432), postgres, Optional.of(mysql));

        assertThat(banner)
                .contains("gateway     MySQL protocol on 127.0.0.1:13306")
                .contains("embedded MariaDB on 127.0.0.1:40002, database custos_demo")
                .contains("    mysql -h 127.0.0.1 -P 13306 -u staff -pcustos-demo custos_demo\n")
                .contains("    jdbc:mariadb://127.0.0.1:13306/custos_demo?user=staff&password=custos-demo\n")
                .contains("PGPASSWORD=Xyz123 psql \"host=127.0.0.1 port=40001 dbname=custos_demo user=postgres\"")
                .contains("    mysql -h 127.0.0.1 -P 40002 -u root -pAbc789 custos_demo\n")
                .contains("the databases and their files are removed on exit")
                .doesNotContain("not available", "cannot log in");
        assertThat(banner.indexOf("-u it_admin")).isLessThan(banner.indexOf("-u clerk"));
    }

    @Test
    void banner_withTls_printsTheCaAndVerifyingClientLines() throws IOException {
        Policy policy = PolicyLoader.parse(demoPolicyText(), Demo.POLICY_SOURCE_NAME, Path.of("."));
        Demo.DirectAccess postgres = new Demo.DirectAccess("127.0.0.1", 40001, "custos_demo", "postgres", "Xyz123");
        Demo.MySqlAccess mysql = new Demo.MySqlAccess(
                Optional.of(new InetSocketAddress("127.0.0.1", 13306)),
                new Demo.DirectAccess("127.0.0.1", 40002, "custos_demo", "root", "Abc789"));
        Path ca = Path.of("/tmp/custos-demo-tls-1/ca.crt");

        String banner = Demo.banner(
                policy, new InetSocketAddress("127.0.0.1", 15432), postgres, Optional.of(mysql), Optional.of(ca));

        assertThat(banner)
                .contains(
                        "  TLS         on both protocols; the gateway's and the databases' certificates are signed by\n")
                .contains("the throwaway CA /tmp/custos-demo-tls-1/ca.crt")
                .contains("PGPASSWORD=custos-demo psql \"host=127.0.0.1 port=15432 dbname=custos_demo user=staff"
                        + " sslmode=verify-full sslrootcert=/tmp/custos-demo-tls-1/ca.crt\"")
                .contains("jdbc:postgresql://127.0.0.1:15432/custos_demo?user=staff&password=custos-demo"
                        + "&sslmode=verify-full&sslrootcert=/tmp/custos-demo-tls-1/ca.crt\n")
                .contains("    mysql -h 127.0.0.1 -P 13306 -u staff -pcustos-demo --ssl-verify-server-cert"
                        + " --ssl-ca=/tmp/custos-demo-tls-1/ca.crt custos_demo\n")
                .contains("jdbc:mariadb://127.0.0.1:13306/custos_demo?user=staff&password=custos-demo"
                        + "&sslMode=verify-full&serverSslCert=/tmp/custos-demo-tls-1/ca.crt\n");
    }

    @Test
    void banner_withoutMySqlListener_saysSoAndKeepsTheDatabaseLines() throws IOException {
        Policy policy = PolicyLoader.parse(demoPolicyText(), Demo.POLICY_SOURCE_NAME, Path.of("."));
        Demo.DirectAccess postgres = new Demo.DirectAccess("127.0.0.1", 40001, "custos_demo", "postgres", "Xyz123");
        Demo.MySqlAccess mysql = new Demo.MySqlAccess(
                Optional.empty(), new Demo.DirectAccess("127.0.0.1", 40002, "custos_demo", "root", "Abc789"));

        String banner = Demo.banner(policy, new InetSocketAddress("127.0.0.1", 15432), postgres, Optional.of(mysql));

        assertThat(banner)
                .contains("MySQL protocol: listener not available")
                .contains("embedded MariaDB on 127.0.0.1:40002, database custos_demo")
                .contains("    mysql -h 127.0.0.1 -P 40002 -u root -pAbc789 custos_demo\n")
                .contains("PGPASSWORD=custos-demo psql \"host=127.0.0.1 port=15432 dbname=custos_demo user=staff\"")
                .doesNotContain("-u staff", "jdbc:mariadb:");
    }

    @Test
    void adminBanner_showsTheAdminApiWithItsTokenAndThePolicyCommands() {
        Demo.AdminAccess admin = new Demo.AdminAccess(
                new InetSocketAddress("127.0.0.1", 19090),
                "0123456789abcdef01234567",
                Path.of("/w/custos-demo/p.yaml"));

        String banner = Demo.adminBanner(admin);

        assertThat(banner)
                .contains("Custos admin API on http://127.0.0.1:19090, token 0123456789abcdef01234567")
                .contains("curl -H \"Authorization: Bearer 0123456789abcdef01234567\" http://127.0.0.1:19090/metrics")
                .contains("policy validate /w/custos-demo/p.yaml")
                .contains("policy explain --config /w/custos-demo/p.yaml --user contractor");
    }

    @Test
    void acceptsDemoPassword_rejectsAnotherPassword() {
        User user = user("someone", "role", "another password");

        assertThat(Demo.acceptsDemoPassword(user)).isFalse();
    }

    @Test
    void adapt_replacesBackendsListenersAndAudit() {
        Backend embedded = new Backend(
                Backend.Protocol.POSTGRESQL,
                "127.0.0.1",
                40001,
                "custos_demo",
                "custos_gateway",
                new SecretSource.Given("pw"));
        Listener listener = new Listener(Backend.Protocol.POSTGRESQL, "0.0.0.0", 15432);
        Policy original = new Policy(
                "v1",
                List.of(),
                Map.of("staff", new Role("staff", 1, Set.of(StatementClass.values()), false)),
                Map.of("staff", user("staff", "staff", Demo.DEMO_PASSWORD)),
                List.of(
                        new Backend(
                                Backend.Protocol.MYSQL,
                                "db",
                                3306,
                                "custos_demo",
                                "custos",
                                new SecretSource.Environment("X")),
                        new Backend(
                                Backend.Protocol.POSTGRESQL,
                                "db",
                                5432,
                                "custos_demo",
                                "custos",
                                new SecretSource.Environment("Y"))),
                List.of(new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 13306)),
                new Classification(List.of()),
                AuditSettings.of(Path.of("audit.jsonl"), new SecretSource.Environment("K")));

        Policy adapted = Demo.adapt(original, embedded, listener, Path.of("/var/audit.jsonl"));

        assertThat(adapted.version()).isEqualTo("v1");
        assertThat(adapted.users()).isEqualTo(original.users());
        assertThat(adapted.backends()).containsExactly(embedded);
        assertThat(adapted.listeners()).containsExactly(listener);
        assertThat(adapted.audit().file()).isEqualTo(Path.of("/var/audit.jsonl"));
        assertThat(adapted.audit().key()).isEqualTo(new SecretSource.Given(Demo.DEMO_AUDIT_KEY));
    }

    @Test
    void adapt_bothProtocols_replacesEachBackendAndListener() {
        Backend postgres = new Backend(
                Backend.Protocol.POSTGRESQL,
                "127.0.0.1",
                40001,
                "custos_demo",
                "custos_gateway",
                new SecretSource.Given("a"));
        Backend mysql = new Backend(
                Backend.Protocol.MYSQL,
                "127.0.0.1",
                40002,
                "custos_demo",
                "custos_gateway",
                new SecretSource.Given("b"));
        List<Listener> listeners = List.of(
                new Listener(Backend.Protocol.POSTGRESQL, "127.0.0.1", 15432),
                new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 13306));
        Policy original = PolicyLoader.parse(demoPolicyTextUnchecked(), Demo.POLICY_SOURCE_NAME, Path.of("."));

        Policy adapted = Demo.adapt(original, List.of(postgres, mysql), listeners, Path.of("/var/audit.jsonl"));

        assertThat(adapted.backends()).containsExactly(postgres, mysql);
        assertThat(adapted.listeners()).isEqualTo(listeners);
        assertThat(adapted.classification()).isEqualTo(original.classification());
        assertThat(adapted.users()).isEqualTo(original.users());
    }

    @Test
    void adapt_listenerWithoutBackend_isRejected() {
        Backend postgres = new Backend(
                Backend.Protocol.POSTGRESQL,
                "127.0.0.1",
                40001,
                "custos_demo",
                "custos_gateway",
                new SecretSource.Given("a"));
        Policy original = PolicyLoader.parse(demoPolicyTextUnchecked(), Demo.POLICY_SOURCE_NAME, Path.of("."));

        assertThatThrownBy(() -> Demo.adapt(
                        original,
                        List.of(postgres),
                        List.of(new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 13306)),
                        Path.of("audit.jsonl")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("listeners: MYSQL (expected: a backend of the same protocol)");
    }

    private static User user(String name, String role, String password) {
        return new User(name, role, true, ScramVerifier.create(password, new SecureRandom()));
    }

    private static String demoPolicyText() throws IOException {
        try (InputStream in = DemoTest.class.getResourceAsStream(Demo.POLICY_RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String demoPolicyTextUnchecked() {
        try {
            return demoPolicyText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readUnchecked(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long countCustomers(Backend backend) throws SQLException {
        return countCustomers(backend, backend.password().read());
    }

    private static long countCustomers(Backend backend, String password) throws SQLException {
        String scheme = backend.protocol() == Backend.Protocol.MYSQL ? "mariadb" : "postgresql";
        String url = "jdbc:" + scheme + "://" + backend.host() + ":" + backend.port() + "/" + backend.database();
        try (Connection connection = DriverManager.getConnection(url, backend.user(), password);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT count(*) FROM customer")) {
            result.next();
            return result.getLong(1);
        }
    }

    private static long countCustomersOrMinusOne(Backend backend) {
        try {
            return countCustomers(backend);
        } catch (SQLException e) {
            return -1;
        }
    }

    /** The directories of the databases the demo has started so far, as its resources hold them. */
    private static Set<Path> databaseDirectories(Resources resources) {
        Set<Path> directories = new HashSet<>();
        for (AutoCloseable resource : resources.open()) {
            if (resource instanceof EmbeddedPostgres postgres) {
                directories.add(postgres.directory());
            } else if (resource instanceof EmbeddedMariaDb mariaDb) {
                directories.add(mariaDb.directory());
            }
        }
        return directories;
    }

    /** The demo started as many databases as expected, each in a directory of its own, and none is left. */
    private static void assertThatOwnDirectoriesRemoved(Set<Path> whileRunning, int databases) {
        assertThat(whileRunning)
                .hasSize(databases)
                .allMatch(path -> path.getFileName().toString().matches("custos-(pg|mariadb)-\\d+"));
        assertThat(whileRunning).noneMatch(Files::exists);
    }
}
