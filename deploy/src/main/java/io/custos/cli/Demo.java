package io.custos.cli;

import static java.util.Objects.requireNonNull;

import io.custos.cli.demo.EmbeddedPostgres;
import io.custos.cli.demo.SampleData;
import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.Listener;
import io.custos.policy.Policy;
import io.custos.policy.PolicyLoader;
import io.custos.policy.Role;
import io.custos.policy.ScramVerifier;
import io.custos.policy.SecretSource;
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
import java.util.function.Function;

/**
 * The demo: the embedded PostgreSQL server with the sample data, and the gateway in front of it under the demo
 * policy from the classpath. The policy's PostgreSQL backend is replaced by the embedded server and its PostgreSQL
 * listener by the requested address. Only PostgreSQL is served: MySQL backends and listeners are dropped until an
 * embedded MySQL server joins the demo.
 */
final class Demo {
    static final String DEMO_PASSWORD = "custos-demo";
    static final String POLICY_RESOURCE = "/io/custos/cli/demo-policy.yaml";
    static final String POLICY_SOURCE_NAME = "demo-policy.yaml";
    private static final List<String> FEATURED_USERS = List.of("it_admin", "clerk", "staff", "contractor");

    private final Policy policy;
    private final EmbeddedPostgres database;
    private final InetSocketAddress gatewayAddress;

    private Demo(Policy policy, EmbeddedPostgres database, InetSocketAddress gatewayAddress) {
        this.policy = policy;
        this.database = database;
        this.gatewayAddress = gatewayAddress;
    }

    record Options(String host, int gatewayPort, int customers, Path auditFile) {
        Options {
            requireNonNull(host, "host is null");
            requireNonNull(auditFile, "auditFile is null");
            if (gatewayPort < 0 || gatewayPort > 65535) {
                throw CommandFailure.usage("custos: --pg-port " + gatewayPort + " (expected: 0-65535)");
            }
            if (customers < 1) {
                throw CommandFailure.usage("custos: --customers " + customers + " (expected: > 0)");
            }
        }
    }

    /**
     * Starts the database, then the gateway through {@code launcher}. Both are added to {@code resources} as they
     * start, so whoever closes it (the shutdown hook, or the caller on failure) stops them in the right order and
     * removes the database's files. Progress goes to {@code out}.
     */
    static Demo start(Options options, Function<Policy, CustosGateway> launcher, Resources resources, PrintWriter out) {
        Policy demoPolicy =
                PolicyLoader.parse(readPolicy(), POLICY_SOURCE_NAME, Path.of("").toAbsolutePath());

        out.printf("Starting the embedded PostgreSQL server with %d sample customers...%n", options.customers());
        out.flush();
        EmbeddedPostgres database = resources.add(EmbeddedPostgres.start(0, SampleData.generate(options.customers())));
        out.printf(
                "PostgreSQL is ready on %s:%d, database %s%n", database.host(), database.port(), database.database());
        out.flush();

        Policy policy = adapt(
                demoPolicy,
                new Backend(
                        Backend.Protocol.POSTGRESQL,
                        database.host(),
                        database.port(),
                        database.database(),
                        database.gatewayUser(),
                        new SecretSource.Given(database.gatewayPassword())),
                new Listener(Backend.Protocol.POSTGRESQL, options.host(), options.gatewayPort()),
                options.auditFile());
        CustosGateway gateway;
        try {
            gateway = resources.add(launcher.apply(policy));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot start the gateway: " + e.getMessage(), e);
        }
        return new Demo(policy, database, gateway.postgresAddress());
    }

    /** {@code policy} with {@code backend} and {@code listener} as its only ones, auditing to {@code auditFile}. */
    static Policy adapt(Policy policy, Backend backend, Listener listener, Path auditFile) {
        return new Policy(
                policy.version(),
                policy.levels(),
                policy.roles(),
                policy.users(),
                List.of(backend),
                List.of(listener),
                policy.classification(),
                new AuditSettings(auditFile));
    }

    Policy policy() {
        return policy;
    }

    /** What is running and how to connect, for the console. */
    String banner() {
        return banner(
                policy,
                gatewayAddress,
                new DirectAccess(
                        database.host(),
                        database.port(),
                        database.database(),
                        database.superuser(),
                        database.superuserPassword()));
    }

    /** The database as reached without the gateway, for the comparison line of the banner. */
    record DirectAccess(String host, int port, String database, String superuser, String superuserPassword) {}

    static String banner(Policy policy, InetSocketAddress gatewayAddress, DirectAccess database) {
        String host = Addresses.clientHost(gatewayAddress);
        int port = gatewayAddress.getPort();
        StringBuilder banner = new StringBuilder();
        banner.append(String.format("%nCustos demo is running%n"))
                .append(String.format("  gateway     PostgreSQL protocol on %s%n", Addresses.display(gatewayAddress)))
                .append(String.format(
                        "  database    embedded PostgreSQL on %s:%d, database %s%n",
                        database.host(), database.port(), database.database()))
                .append(String.format("  policy      %s, version %s%n", POLICY_SOURCE_NAME, policy.version()))
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
        }
        banner.append(String.format("%nStraight to the database, bypassing the gateway (superuser, for comparison):%n"))
                .append(String.format(
                        "    PGPASSWORD=%s psql \"host=%s port=%d dbname=%s user=%s\"%n",
                        database.superuserPassword(),
                        database.host(),
                        database.port(),
                        database.database(),
                        database.superuser()))
                .append(String.format("%nPress Ctrl-C to stop; the database and its files are removed on exit.%n"));
        return banner.toString();
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
