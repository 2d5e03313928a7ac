package io.custos.cli;

import static java.util.Objects.requireNonNull;

import io.custos.cli.demo.DemoCertificates;
import io.custos.cli.demo.EmbeddedMariaDb;
import io.custos.cli.demo.EmbeddedPostgres;
import io.custos.cli.demo.SampleData;
import io.custos.cli.demo.ServerTls;
import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.BackendTls;
import io.custos.policy.Listener;
import io.custos.policy.MySqlNativeVerifier;
import io.custos.policy.Policy;
import io.custos.policy.PolicyHolder;
import io.custos.policy.Role;
import io.custos.policy.ScramVerifier;
import io.custos.policy.SecretSource;
import io.custos.policy.TlsSettings;
import io.custos.policy.User;
import io.custos.proxy.CustosGateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The demo: the embedded PostgreSQL and MariaDB servers with the sample data, and the gateway in front of them under
 * the demo policy from the classpath. The policy's backend of each protocol is replaced by the embedded server of
 * that protocol and its listener by the requested address. Without MariaDB ({@code --no-mysql}) the policy's MySQL
 * backend and listener are dropped.
 *
 * <p>The policy is written to a file in the demo's directory, with the embedded servers' passwords, the audit key and
 * the admin token in files beside it, and the gateway serves that file: DBAs can edit it (the gateway reloads it),
 * validate it and explain statements against it as against any policy file. The directory is removed when the demo
 * stops. The file's {@code audit} section seals the trail with the published demo key and the chosen durability.
 *
 * <p>With TLS ({@code --tls}) a throwaway CA signs a certificate for the gateway and one for the databases, in a
 * temporary directory removed on exit; both databases serve TLS with theirs, and the policy file's {@code tls} section
 * and each backend's {@code tls} make the gateway offer TLS on both protocols and reach the databases with
 * {@code verify-full} against the CA.
 */
final class Demo {
    static final String DEMO_PASSWORD = "custos-demo";
    static final String POLICY_RESOURCE = "/io/custos/cli/demo-policy.yaml";
    static final String POLICY_SOURCE_NAME = "demo-policy.yaml";

    /**
     * The key that seals the demo's audit trail. A DEMO KEY, published in this source: anyone can forge a trail
     * sealed with it. A real deployment creates its own with {@code custos audit new-key} and keeps it out of reach of
     * whoever can write the trail.
     */
    static final String DEMO_AUDIT_KEY = "custos-demo-audit-key-DEMO-ONLY-never-use-in-production";

    /**
     * Where the demo leaves a copy of its audit key, next to the trail, so that {@code custos audit verify} can check
     * the trail after the demo and its directory are gone.
     */
    static final String DEMO_KEY_FILE = "custos-demo-audit.key";

    /** The file in the demo's directory that the policy's {@code audit.key_file} names. */
    static final String AUDIT_KEY_SECRET = "audit-key";

    private static final List<String> FEATURED_USERS = List.of("it_admin", "clerk", "staff", "contractor");
    /** The admin API ends sessions and disables users: the demo keeps it on the loopback interface. */
    private static final String ADMIN_HOST = "127.0.0.1";

    private final Policy policy;
    private final EmbeddedPostgres database;
    private final InetSocketAddress gatewayAddress;
    private final Optional<MySqlAccess> mysql;
    private final Optional<Path> tlsCa;
    private final Optional<AdminAccess> admin;
    private final CustosGateway gateway;

    private Demo(
            Policy policy,
            EmbeddedPostgres database,
            InetSocketAddress gatewayAddress,
            Optional<MySqlAccess> mysql,
            Optional<Path> tlsCa,
            Optional<AdminAccess> admin,
            CustosGateway gateway) {
        this.policy = policy;
        this.database = database;
        this.gatewayAddress = gatewayAddress;
        this.mysql = mysql;
        this.tlsCa = tlsCa;
        this.admin = admin;
        this.gateway = gateway;
    }

    /** Reloads the demo's policy file, as a change of the file or the admin API does. */
    void reloadPolicy(String trigger) {
        gateway.reloadPolicy(trigger);
    }

    /**
     * {@code mysqlGatewayPort} is ignored when {@code mysql} is false; {@code tls} serves TLS with a throwaway CA;
     * {@code durability} is the trail's; {@code directory} receives the policy file and its secrets, and is removed
     * when the demo stops.
     */
    record Options(
            String host,
            int gatewayPort,
            boolean mysql,
            int mysqlGatewayPort,
            int customers,
            Path auditFile,
            boolean tls,
            AuditSettings.Durability durability,
            int adminPort,
            Path directory) {
        Options {
            requireNonNull(host, "host is null");
            requireNonNull(auditFile, "auditFile is null");
            requireNonNull(durability, "durability is null");
            requireNonNull(directory, "directory is null");
            if (adminPort < 0 || adminPort > 65535) {
                throw CommandFailure.usage("custos: --admin-port " + adminPort + " (expected: 0-65535)");
            }
            if (gatewayPort < 0 || gatewayPort > 65535) {
                throw CommandFailure.usage("custos: --pg-port " + gatewayPort + " (expected: 0-65535)");
            }
            if (mysql && (mysqlGatewayPort < 0 || mysqlGatewayPort > 65535)) {
                throw CommandFailure.usage("custos: --mysql-port " + mysqlGatewayPort + " (expected: 0-65535)");
            }
            if (customers < 1) {
                throw CommandFailure.usage("custos: --customers " + customers + " (expected: > 0)");
            }
        }

        /** Without TLS, with the demo policy's durability, {@code strict}. */
        Options(
                String host,
                int gatewayPort,
                boolean mysql,
                int mysqlGatewayPort,
                int customers,
                Path auditFile,
                int adminPort,
                Path directory) {
            this(
                    host,
                    gatewayPort,
                    mysql,
                    mysqlGatewayPort,
                    customers,
                    auditFile,
                    false,
                    AuditSettings.Durability.STRICT,
                    adminPort,
                    directory);
        }
    }

    /**
     * Starts the databases, then the gateway through {@code launcher}. All are added to {@code resources} as they
     * start, so whoever closes it (the shutdown hook, or the caller on failure) stops them in the right order and
     * removes the databases' files. Progress goes to {@code out}.
     */
    static Demo start(
            Options options, Function<PolicyHolder, CustosGateway> launcher, Resources resources, PrintWriter out) {
        SampleData data = SampleData.generate(options.customers());
        Optional<DemoTls> tls =
                options.tls() ? Optional.of(DemoTls.create(options.host(), resources, out)) : Optional.empty();
        ServerTls databaseTls = tls.map(DemoTls::database).orElse(null);
        BackendTls backendTls = tls.map(DemoTls::backend).orElse(BackendTls.DISABLED);

        out.printf("Starting the embedded PostgreSQL server with %d sample customers...%n", options.customers());
        out.flush();
        EmbeddedPostgres database = resources.add(EmbeddedPostgres.start(0, data, databaseTls));
        out.printf(
                "PostgreSQL is ready on %s:%d, database %s%n", database.host(), database.port(), database.database());
        out.flush();
        DemoDirectory directory = resources.add(DemoDirectory.create(options.directory()));
        List<PolicyFileText.BackendEntry> backends = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        backends.add(new PolicyFileText.BackendEntry(
                Backend.Protocol.POSTGRESQL,
                database.host(),
                database.port(),
                database.database(),
                database.gatewayUser(),
                directory.writeSecret("postgresql-password", database.gatewayPassword()),
                backendTls));
        listeners.add(new Listener(Backend.Protocol.POSTGRESQL, options.host(), options.gatewayPort()));

        EmbeddedMariaDb mariadb = null;
        if (options.mysql()) {
            out.printf("Starting the embedded MariaDB server with %d sample customers...%n", options.customers());
            out.flush();
            mariadb = resources.add(EmbeddedMariaDb.start(0, data, databaseTls));
            out.printf("MariaDB is ready on %s:%d, database %s%n", mariadb.host(), mariadb.port(), mariadb.database());
            out.flush();
            backends.add(new PolicyFileText.BackendEntry(
                    Backend.Protocol.MYSQL,
                    mariadb.host(),
                    mariadb.port(),
                    mariadb.database(),
                    mariadb.gatewayUser(),
                    directory.writeSecret("mysql-password", mariadb.gatewayPassword()),
                    backendTls));
            listeners.add(new Listener(Backend.Protocol.MYSQL, options.host(), options.mysqlGatewayPort()));
        }

        Path auditKey = directory.writeSecret(AUDIT_KEY_SECRET, DEMO_AUDIT_KEY);
        String token = DemoDirectory.newToken();
        Path tokenFile = directory.writeSecret("admin-token", token);
        Path policyFile = directory.write(
                POLICY_SOURCE_NAME,
                PolicyFileText.of(
                        readPolicy(),
                        backends,
                        listeners,
                        new PolicyFileText.AuditEntry(options.auditFile(), auditKey, options.durability()),
                        tls.map(DemoTls::gateway),
                        Optional.of(new PolicyFileText.AdminEntry(ADMIN_HOST, options.adminPort(), tokenFile))));
        PolicyHolder holder = new PolicyHolder(policyFile);
        Policy policy = holder.current();
        CustosGateway gateway;
        try {
            gateway = resources.add(launcher.apply(holder));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot start the gateway: " + e.getMessage(), e);
        }
        Optional<MySqlAccess> mysql = Optional.ofNullable(mariadb)
                .map(server -> new MySqlAccess(
                        gateway.mysqlAddress(),
                        new DirectAccess(
                                server.host(),
                                server.port(),
                                server.database(),
                                server.superuser(),
                                server.superuserPassword())));
        Optional<AdminAccess> admin =
                gateway.adminAddress().map(address -> new AdminAccess(address, token, policyFile));
        return new Demo(policy, database, gateway.postgresAddress(), mysql, tls.map(DemoTls::ca), admin, gateway);
    }

    /** {@code policy} with {@code backend} and {@code listener} as its only ones, auditing to {@code auditFile}. */
    static Policy adapt(Policy policy, Backend backend, Listener listener, Path auditFile) {
        return adapt(policy, List.of(backend), List.of(listener), auditFile);
    }

    /**
     * {@code policy} with {@code backends} and {@code listeners} as its only ones, auditing to {@code auditFile}: the
     * policy's backend and listener of each protocol given are replaced, those of a protocol not given are dropped.
     * Each listener needs a backend of its protocol. The trail is sealed with the demo key. The tests' gateways run
     * the demo policy so, in memory; the demo itself writes its policy file with {@link PolicyFileText}.
     */
    static Policy adapt(Policy policy, List<Backend> backends, List<Listener> listeners, Path auditFile) {
        for (Listener listener : listeners) {
            if (backends.stream().noneMatch(backend -> backend.protocol() == listener.protocol())) {
                throw new IllegalArgumentException(
                        "listeners: " + listener.protocol() + " (expected: a backend of the same protocol)");
            }
        }
        return new Policy(
                policy.version(),
                policy.levels(),
                policy.roles(),
                policy.users(),
                backends,
                listeners,
                policy.classification(),
                policy.audit().withFile(auditFile).withKey(new SecretSource.Given(DEMO_AUDIT_KEY)),
                policy.tls(),
                policy.limits(),
                policy.analysis(),
                policy.admin());
    }

    /** {@code policy} with {@code tls} towards clients ({@code null}: none). */
    static Policy withClientTls(Policy policy, TlsSettings tls) {
        return withClientTls(policy, policy.audit(), tls);
    }

    /** {@code policy} with {@code audit} settings and {@code tls} towards clients ({@code null}: none). */
    static Policy withClientTls(Policy policy, AuditSettings audit, TlsSettings tls) {
        return new Policy(
                policy.version(),
                policy.levels(),
                policy.roles(),
                policy.users(),
                policy.backends(),
                policy.listeners(),
                policy.classification(),
                audit,
                tls,
                policy.limits(),
                policy.analysis(),
                policy.admin());
    }

    /** The demo's throwaway CA and the certificates it signed, in a directory removed when the demo stops. */
    record DemoTls(Path ca, TlsSettings gateway, ServerTls database) {
        static DemoTls create(String host, Resources resources, PrintWriter out) {
            Path directory;
            try {
                directory = Files.createTempDirectory("custos-demo-tls-");
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create a directory for the demo certificates", e);
            }
            resources.add(() -> deleteDirectory(directory));
            out.printf("Generating a throwaway CA and TLS certificates in %s...%n", directory);
            out.flush();
            DemoCertificates authority = DemoCertificates.createAuthority(directory, "demo");
            List<String> names = host.equals("0.0.0.0") || host.equals("::") ? List.of() : List.of(host);
            DemoCertificates.Issued gateway = authority.server("gateway", names);
            DemoCertificates.Issued database = authority.server("database", List.of());
            return new DemoTls(
                    authority.caCertificate(),
                    new TlsSettings(gateway.certificateFile(), gateway.keyFile(), null, false),
                    ServerTls.of(database));
        }

        /** The embedded databases serve TLS with a certificate of the same CA, checked in full. */
        BackendTls backend() {
            return new BackendTls(BackendTls.Mode.VERIFY_FULL, ca);
        }

        private static void deleteDirectory(Path directory) throws IOException {
            try (var files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(directory);
        }
    }

    /** Where the demo leaves its key for a trail in {@code auditFile}. */
    static Path keyFile(Path auditFile) {
        return auditFile.toAbsolutePath().resolveSibling(DEMO_KEY_FILE);
    }

    /** Leaves the demo key next to the trail, so that auditors can check it. */
    static Path writeDemoKey(Path auditFile) {
        Path keyFile = keyFile(auditFile);
        try {
            Files.createDirectories(keyFile.getParent());
            Files.writeString(keyFile, DEMO_AUDIT_KEY + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the demo audit key '" + keyFile + "': " + e.getMessage(), e);
        }
        return keyFile;
    }

    Policy policy() {
        return policy;
    }

    /** What is running and how to connect, for the console. */
    String banner() {
        String banner = banner(
                policy,
                gatewayAddress,
                new DirectAccess(
                        database.host(),
                        database.port(),
                        database.database(),
                        database.superuser(),
                        database.superuserPassword()),
                mysql,
                tlsCa);
        if (admin.isEmpty()) {
            return banner;
        }
        int end = banner.lastIndexOf("\nPress Ctrl-C");
        return banner.substring(0, end) + adminBanner(admin.get()) + banner.substring(end);
    }

    /** The admin listener, its token and the policy file the gateway serves and reloads. */
    record AdminAccess(InetSocketAddress address, String token, Path policyFile) {
        AdminAccess {
            requireNonNull(address, "address is null");
            requireNonNull(token, "token is null");
            requireNonNull(policyFile, "policyFile is null");
        }
    }

    /** The lines for operators and DBAs, shown before the users'. */
    static String adminBanner(AdminAccess admin) {
        String url = "http://" + Addresses.clientHost(admin.address()) + ":"
                + admin.address().getPort();
        return String.format("%nCustos admin API on %s, token %s%n", url, admin.token())
                + String.format("    curl -H \"Authorization: Bearer %s\" %s/metrics%n", admin.token(), url)
                + String.format("    curl -H \"Authorization: Bearer %s\" %s/sessions%n", admin.token(), url)
                + String.format(
                        "Policy file %s (removed on exit): edit it and the gateway reloads it;"
                                + " check it first with%n",
                        admin.policyFile())
                + String.format("    java -jar custos.jar policy validate %s%n", admin.policyFile())
                + String.format(
                        "    java -jar custos.jar policy explain --config %s --user contractor \"SELECT * FROM customer"
                                + " LIMIT 1\"%n",
                        admin.policyFile());
    }

    /** A database as reached without the gateway, for the comparison lines of the banner. */
    record DirectAccess(String host, int port, String database, String superuser, String superuserPassword) {}

    /** The MySQL side of the demo: the gateway's MySQL listener if it serves one, and the MariaDB server. */
    record MySqlAccess(Optional<InetSocketAddress> gatewayAddress, DirectAccess database) {
        MySqlAccess {
            requireNonNull(gatewayAddress, "gatewayAddress is null");
            requireNonNull(database, "database is null");
        }
    }

    static String banner(Policy policy, InetSocketAddress gatewayAddress, DirectAccess database) {
        return banner(policy, gatewayAddress, database, Optional.empty());
    }

    static String banner(
            Policy policy, InetSocketAddress gatewayAddress, DirectAccess database, Optional<MySqlAccess> mysql) {
        return banner(policy, gatewayAddress, database, mysql, Optional.empty());
    }

    /** With {@code tlsCa}, the lines connect over TLS and verify the gateway's certificate against that CA. */
    static String banner(
            Policy policy,
            InetSocketAddress gatewayAddress,
            DirectAccess database,
            Optional<MySqlAccess> mysql,
            Optional<Path> tlsCa) {
        String host = Addresses.clientHost(gatewayAddress);
        int port = gatewayAddress.getPort();
        Optional<InetSocketAddress> mysqlGateway = mysql.flatMap(MySqlAccess::gatewayAddress);
        StringBuilder banner = new StringBuilder();
        banner.append(String.format("%nCustos demo is running%n"))
                .append(String.format("  gateway     PostgreSQL protocol on %s%n", Addresses.display(gatewayAddress)));
        if (mysqlGateway.isPresent()) {
            banner.append(String.format("  gateway     MySQL protocol on %s%n", Addresses.display(mysqlGateway.get())));
        } else if (mysql.isPresent()) {
            banner.append(String.format(
                    "  gateway     MySQL protocol: listener not available; MariaDB is reachable directly only%n"));
        }
        banner.append(String.format(
                "  database    embedded PostgreSQL on %s:%d, database %s%n",
                database.host(), database.port(), database.database()));
        mysql.ifPresent(access -> banner.append(String.format(
                "  database    embedded MariaDB on %s:%d, database %s%n",
                access.database().host(),
                access.database().port(),
                access.database().database())));
        tlsCa.ifPresent(ca -> banner.append(String.format(
                        "  TLS         %s; the gateway's and the %s certificates are signed by%n",
                        mysql.isPresent() ? "on both protocols" : "towards clients and the database",
                        mysql.isPresent() ? "databases'" : "database's"))
                .append(String.format("              the throwaway CA %s%n", ca)));
        Path auditFile = policy.audit().file();
        banner.append(String.format("  policy      %s, version %s%n", POLICY_SOURCE_NAME, policy.version()))
                .append(String.format(
                        "  audit file  %s (durability %s)%n",
                        auditFile, policy.audit().durability().policyName()))
                .append(String.format(
                        "  audit key   %s (a DEMO key; check the trail with: custos audit verify --key-file %s %s*)%n",
                        keyFile(auditFile),
                        keyFile(auditFile),
                        auditFile.toAbsolutePath().resolveSibling(stem(auditFile))));
        if (policy.audit().key() instanceof SecretSource.File policyKey
                && !policyKey.path().equals(keyFile(auditFile))) {
            banner.append(String.format(
                    "              the gateway reads the same key from %s, the policy's key_file%n", policyKey.path()));
        }
        banner.append(String.format("%nDemo users (password '%s'):%n", DEMO_PASSWORD));
        for (User user : demoUsers(policy)) {
            Role role = policy.role(user);
            banner.append(String.format(
                            "%n  %-11s role %s, clearance %d%s%n",
                            user.name(),
                            role.name(),
                            role.clearance(),
                            acceptsDemoPassword(user) ? "" : " (its own password, not the demo one)"))
                    .append(String.format(
                            "    PGPASSWORD=%s psql \"host=%s port=%d dbname=%s user=%s%s\"%n",
                            DEMO_PASSWORD,
                            host,
                            port,
                            database.database(),
                            user.name(),
                            tlsCa.map(ca -> " sslmode=verify-full sslrootcert=" + ca)
                                    .orElse("")))
                    .append(String.format(
                            "    jdbc:postgresql://%s:%d/%s?user=%s&password=%s%s%n",
                            host,
                            port,
                            database.database(),
                            user.name(),
                            DEMO_PASSWORD,
                            tlsCa.map(ca -> "&sslmode=verify-full&sslrootcert=" + ca)
                                    .orElse("")));
            if (mysqlGateway.isPresent()) {
                appendMySqlLines(
                        banner, user, mysqlGateway.get(), mysql.get().database().database(), tlsCa);
            }
        }
        banner.append(String.format(
                        "%nStraight to the %s, bypassing the gateway (superuser, for comparison):%n",
                        mysql.isPresent() ? "databases" : "database"))
                .append(String.format(
                        "    PGPASSWORD=%s psql \"host=%s port=%d dbname=%s user=%s\"%n",
                        database.superuserPassword(),
                        database.host(),
                        database.port(),
                        database.database(),
                        database.superuser()));
        mysql.map(MySqlAccess::database)
                .ifPresent(direct -> banner.append(String.format(
                        "    mysql -h %s -P %d -u %s -p%s %s%n",
                        direct.host(),
                        direct.port(),
                        direct.superuser(),
                        direct.superuserPassword(),
                        direct.database())));
        banner.append(String.format(
                "%nPress Ctrl-C to stop; the %s removed on exit.%n",
                mysql.isPresent() ? "databases and their files are" : "database and its files are"));
        return banner.toString();
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static void appendMySqlLines(
            StringBuilder banner, User user, InetSocketAddress gateway, String database, Optional<Path> tlsCa) {
        String host = Addresses.clientHost(gateway);
        int port = gateway.getPort();
        if (!acceptsDemoPasswordOverMySql(user)) {
            banner.append(String.format(
                    "    (no mysql_native_password verifier for the demo password: MySQL clients cannot log in)%n"));
            return;
        }
        banner.append(String.format(
                        "    mysql -h %s -P %d -u %s -p%s%s %s%n",
                        host,
                        port,
                        user.name(),
                        DEMO_PASSWORD,
                        tlsCa.map(ca -> " --ssl-verify-server-cert --ssl-ca=" + ca)
                                .orElse(""),
                        database))
                .append(String.format(
                        "    jdbc:mariadb://%s:%d/%s?user=%s&password=%s%s%n",
                        host,
                        port,
                        database,
                        user.name(),
                        DEMO_PASSWORD,
                        tlsCa.map(ca -> "&sslMode=verify-full&serverSslCert=" + ca)
                                .orElse("")));
    }

    /** The four users of the brief first, in its order, then any others by name; enabled users only. */
    static List<User> demoUsers(Policy policy) {
        List<User> users = new ArrayList<>();
        for (String name : FEATURED_USERS) {
            policy.user(name).filter(User::enabled).ifPresent(users::add);
        }
        policy.users().values().stream()
                .filter(User::enabled)
                .filter(user -> !FEATURED_USERS.contains(user.name()))
                .sorted(Comparator.comparing(User::name))
                .forEach(users::add);
        return users;
    }

    static boolean acceptsDemoPassword(User user) {
        ScramVerifier verifier = user.verifier();
        ScramVerifier candidate = ScramVerifier.create(DEMO_PASSWORD, verifier.salt(), verifier.iterations());
        return MessageDigest.isEqual(candidate.storedKey(), verifier.storedKey());
    }

    /** Whether the user's mysql_native_password verifier, if any, is that of the demo password. */
    static boolean acceptsDemoPasswordOverMySql(User user) {
        return user.mysqlNativeVerifier()
                .map(verifier -> MessageDigest.isEqual(
                        verifier.stage2(),
                        MySqlNativeVerifier.create(DEMO_PASSWORD).stage2()))
                .orElse(false);
    }

    private static String readPolicy() {
        try (InputStream in = Demo.class.getResourceAsStream(POLICY_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The demo policy '" + POLICY_RESOURCE + "' is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the demo policy", e);
        }
    }
}
