package io.custos.cli;

import static java.util.Objects.requireNonNull;

import io.custos.cli.demo.EmbeddedMariaDb;
import io.custos.cli.demo.EmbeddedPostgres;
import io.custos.cli.demo.SampleData;
import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.Listener;
import io.custos.policy.MySqlNativeVerifier;
import io.custos.policy.Policy;
import io.custos.policy.PolicyHolder;
import io.custos.policy.Role;
import io.custos.policy.ScramVerifier;
import io.custos.policy.User;
import io.custos.proxy.CustosGateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
 * <p>The policy is written to a file in the demo's directory, with the embedded servers' passwords and the admin
 * token in files beside it, and the gateway serves that file: DBAs can edit it (the gateway reloads it), validate it
 * and explain statements against it as against any policy file. The directory is removed when the demo stops.
 */
final class Demo {
    static final String DEMO_PASSWORD = "custos-demo";
    static final String POLICY_RESOURCE = "/io/custos/cli/demo-policy.yaml";
    static final String POLICY_SOURCE_NAME = "demo-policy.yaml";
    private static final List<String> FEATURED_USERS = List.of("it_admin", "clerk", "staff", "contractor");
    /** The admin API ends sessions and disables users: the demo keeps it on the loopback interface. */
    private static final String ADMIN_HOST = "127.0.0.1";

    private final Policy policy;
    private final EmbeddedPostgres database;
    private final InetSocketAddress gatewayAddress;
    private final Optional<MySqlAccess> mysql;
    private final Optional<AdminAccess> admin;
    private final CustosGateway gateway;

    private Demo(
            Policy policy,
            EmbeddedPostgres database,
            InetSocketAddress gatewayAddress,
            Optional<MySqlAccess> mysql,
            Optional<AdminAccess> admin,
            CustosGateway gateway) {
        this.policy = policy;
        this.database = database;
        this.gatewayAddress = gatewayAddress;
        this.mysql = mysql;
        this.admin = admin;
        this.gateway = gateway;
    }

    /** Reloads the demo's policy file, as a change of the file or the admin API does. */
    void reloadPolicy(String trigger) {
        gateway.reloadPolicy(trigger);
    }

    /**
     * {@code mysqlGatewayPort} is ignored when {@code mysql} is false; {@code directory} receives the policy file and
     * its secrets, and is removed when the demo stops.
     */
    record Options(
            String host,
            int gatewayPort,
            boolean mysql,
            int mysqlGatewayPort,
            int customers,
            Path auditFile,
            int adminPort,
            Path directory) {
        Options {
            requireNonNull(host, "host is null");
            requireNonNull(auditFile, "auditFile is null");
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
    }

    /**
     * Starts the databases, then the gateway through {@code launcher}. All are added to {@code resources} as they
     * start, so whoever closes it (the shutdown hook, or the caller on failure) stops them in the right order and
     * removes the databases' files. Progress goes to {@code out}.
     */
    static Demo start(
            Options options, Function<PolicyHolder, CustosGateway> launcher, Resources resources, PrintWriter out) {
        SampleData data = SampleData.generate(options.customers());

        out.printf("Starting the embedded PostgreSQL server with %d sample customers...%n", options.customers());
        out.flush();
        EmbeddedPostgres database = resources.add(EmbeddedPostgres.start(0, data));
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
                directory.writeSecret("postgresql-password", database.gatewayPassword())));
        listeners.add(new Listener(Backend.Protocol.POSTGRESQL, options.host(), options.gatewayPort()));

        EmbeddedMariaDb mariadb = null;
        if (options.mysql()) {
            out.printf("Starting the embedded MariaDB server with %d sample customers...%n", options.customers());
            out.flush();
            mariadb = resources.add(EmbeddedMariaDb.start(0, data));
            out.printf("MariaDB is ready on %s:%d, database %s%n", mariadb.host(), mariadb.port(), mariadb.database());
            out.flush();
            backends.add(new PolicyFileText.BackendEntry(
                    Backend.Protocol.MYSQL,
                    mariadb.host(),
                    mariadb.port(),
                    mariadb.database(),
                    mariadb.gatewayUser(),
                    directory.writeSecret("mysql-password", mariadb.gatewayPassword())));
            listeners.add(new Listener(Backend.Protocol.MYSQL, options.host(), options.mysqlGatewayPort()));
        }

        String token = DemoDirectory.newToken();
        Path tokenFile = directory.writeSecret("admin-token", token);
        Path policyFile = directory.write(
                POLICY_SOURCE_NAME,
                PolicyFileText.of(
                        readPolicy(),
                        backends,
                        listeners,
                        options.auditFile(),
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
        return new Demo(policy, database, gateway.postgresAddress(), mysql, admin, gateway);
    }

    /** {@code policy} with {@code backend} and {@code listener} as its only ones, auditing to {@code auditFile}. */
    static Policy adapt(Policy policy, Backend backend, Listener listener, Path auditFile) {
        return adapt(policy, List.of(backend), List.of(listener), auditFile);
    }

    /**
     * {@code policy} with {@code backends} and {@code listeners} as its only ones, auditing to {@code auditFile}: the
     * policy's backend and listener of each protocol given are replaced, those of a protocol not given are dropped.
     * Each listener needs a backend of its protocol.
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
                new AuditSettings(auditFile));
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
                mysql);
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
                        "Policy file %s: edit it and the gateway reloads it; check it first with%n", admin.policyFile())
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
        banner.append(String.format("  policy      %s, version %s%n", POLICY_SOURCE_NAME, policy.version()))
                .append(String.format("  audit file  %s%n", policy.audit().file()))
                .append(String.format("%nDemo users (password '%s'):%n", DEMO_PASSWORD));
        for (User user : demoUsers(policy)) {
            Role role = policy.role(user);
            banner.append(String.format(
                            "%n  %-11s role %s, clearance %d%s%n",
                            user.name(),
                            role.name(),
                            role.clearance(),
                            acceptsDemoPassword(user) ? "" : " (its own password, not the demo one)"))
                    .append(String.format(
                            "    PGPASSWORD=%s psql \"host=%s port=%d dbname=%s user=%s\"%n",
                            DEMO_PASSWORD, host, port, database.database(), user.name()))
                    .append(String.format(
                            "    jdbc:postgresql://%s:%d/%s?user=%s&password=%s%n",
                            host, port, database.database(), user.name(), DEMO_PASSWORD));
            if (mysqlGateway.isPresent()) {
                appendMySqlLines(
                        banner, user, mysqlGateway.get(), mysql.get().database().database());
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

    private static void appendMySqlLines(StringBuilder banner, User user, InetSocketAddress gateway, String database) {
        String host = Addresses.clientHost(gateway);
        int port = gateway.getPort();
        if (!acceptsDemoPasswordOverMySql(user)) {
            banner.append(String.format(
                    "    (no mysql_native_password verifier for the demo password: MySQL clients cannot log in)%n"));
            return;
        }
        banner.append(String.format(
                        "    mysql -h %s -P %d -u %s -p%s %s%n", host, port, user.name(), DEMO_PASSWORD, database))
                .append(String.format(
                        "    jdbc:mariadb://%s:%d/%s?user=%s&password=%s%n",
                        host, port, database, user.name(), DEMO_PASSWORD));
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
