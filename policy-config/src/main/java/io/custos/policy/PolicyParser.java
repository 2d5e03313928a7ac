package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Turns the composed YAML of one policy file into a {@link Policy}, reporting every problem on the way.
 *
 * <p>The sections are read in a fixed order whatever their order in the file: levels, roles, users, backends,
 * listeners, audit, classification. What a section declares (the number of levels, the role names, the backend
 * protocols) is remembered even when its entries have problems, so a later section is checked against it and one
 * mistake is reported once. A section that cannot be read at all switches those cross-checks off.
 */
final class PolicyParser {
    static final List<String> TOP_LEVEL_KEYS = List.of(
            "levels",
            "roles",
            "users",
            "backends",
            "listeners",
            "audit",
            "admin",
            "classification",
            "tls",
            "limits",
            "analysis");
    static final List<String> LEVEL_KEYS = List.of("rank", "name");
    static final List<String> ROLE_KEYS =
            List.of("clearance", "statements", "import_export", "require_tls", "routines");
    static final List<String> USER_KEYS =
            List.of("name", "role", "enabled", "password", "mysql_native_password", "client_certificate");
    static final List<String> CLIENT_CERTIFICATE_KEYS = List.of("cn", "subject");
    static final List<String> BACKEND_KEYS =
            List.of("host", "port", "database", "user", "password_env", "password_file", "tls");
    static final List<String> BACKEND_TLS_KEYS = List.of("mode", "ca");
    private static final Pattern ROUTINE_NAME = Pattern.compile("[\\p{L}_][\\p{L}\\p{N}_$]*");

    static final List<String> TLS_KEYS = List.of("certificate", "key", "client_ca", "require_tls");
    static final List<String> LISTENER_KEYS = List.of("host", "port");
    static final List<String> PROTOCOL_KEYS = List.of("postgresql", "mysql");
    static final List<String> AUDIT_KEYS = List.of(
            "file", "key_env", "key_file", "durability", "flush_interval_ms", "rotate_size_mb", "rotate_daily", "sink");
    static final List<String> SINK_KEYS =
            List.of("url", "user", "password_env", "password_file", "table", "batch_size");
    static final List<String> SINK_URL_PREFIXES = List.of("jdbc:postgresql:", "jdbc:mariadb:", "jdbc:mysql:");
    private static final int MAX_FLUSH_INTERVAL_MS = 60_000;
    private static final int MAX_ROTATE_SIZE_MB = 1024 * 1024;
    private static final int MAX_SINK_BATCH_SIZE = 10_000;
    private static final Pattern SINK_TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)?");
    static final List<String> ANALYSIS_KEYS = List.of(
            "max_message_length",
            "max_statement_length",
            "max_terms",
            "max_depth",
            "max_set_operations",
            "cache_entries",
            "catalog_refresh_seconds");
    static final List<String> ADMIN_KEYS = List.of("host", "port", "token_env", "token_file");
    static final List<String> TABLE_KEYS = List.of("schema", "table", "columns");
    static final List<String> COLUMN_KEYS = List.of("level", "mask", "filter");
    static final List<String> MASK_TYPES = List.of("full", "partial", "email", "hash", "null");
    static final String DEFAULT_FULL_TEXT = "****";
    static final String DEFAULT_FILL = "*";
    private static final String VERIFIER_HINT = "expected 'SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>'"
            + " (create one with 'custos policy hash-password')";
    private static final int MAX_PORT = 65535;
    private static final Map<String, StatementClass> STATEMENT_CLASSES = Arrays.stream(StatementClass.values())
            .filter(statementClass -> statementClass != StatementClass.IMPORT_EXPORT)
            .collect(Collectors.toMap(
                    StatementClass::policyName, statementClass -> statementClass, (a, b) -> a, LinkedHashMap::new));

    private final Problems problems;
    private final Path baseDirectory;

    /** The number of entries under {@code levels}; -1 when the section could not be read. */
    private int levelCount = -1;

    private boolean rolesReadable;
    private final Set<String> declaredRoles = new LinkedHashSet<>();

    /** The protocols under {@code backends}; null when the section could not be read. */
    private Set<Backend.Protocol> declaredBackends;

    /** Where TLS towards clients is asked for (a role's or a user's key), checked once the {@code tls} section is read. */
    private final List<Node> tlsRequirements = new ArrayList<>();

    private final List<Node> clientCertificateRules = new ArrayList<>();

    PolicyParser(Problems problems, Path baseDirectory) {
        this.problems = requireNonNull(problems, "problems is null");
        this.baseDirectory = requireNonNull(baseDirectory, "baseDirectory is null");
    }

    /** The policy, or empty when there were problems (all of them reported). */
    Optional<Policy> parse(Node root, String version) {
        Optional<MappingReader> top = MappingReader.read(root, "the policy", TOP_LEVEL_KEYS, problems);
        if (top.isEmpty()) {
            return Optional.empty();
        }
        MappingReader policy = top.get();

        List<Level> levels = policy.required("levels").map(this::levels).orElse(List.of());
        Map<String, Role> roles = policy.required("roles").map(this::roles).orElse(Map.of());
        Map<String, User> users = policy.required("users").map(this::users).orElse(Map.of());
        List<Backend> backends = policy.required("backends").map(this::backends).orElse(List.of());
        List<Listener> listeners = policy.optional("listeners")
                .filter(node -> !Nodes.isNull(node))
                .map(this::listeners)
                .orElse(List.of());
        Optional<AuditSettings> audit = policy.required("audit").flatMap(this::audit);
        Optional<AdminSettings> admin =
                policy.optional("admin").filter(node -> !Nodes.isNull(node)).flatMap(this::admin);
        List<ColumnRule> rules = policy.optional("classification")
                .filter(node -> !Nodes.isNull(node))
                .map(this::classification)
                .orElse(List.of());
        boolean tlsGiven =
                policy.has("tls") && !Nodes.isNull(policy.optional("tls").orElseThrow());
        Optional<TlsSettings> tls = tlsGiven ? policy.optional("tls").flatMap(this::tls) : Optional.empty();
        Limits limits = policy.optional("limits")
                .filter(node -> !Nodes.isNull(node))
                .map(node -> new LimitsParser(problems).limits(node))
                .orElse(Limits.DEFAULTS);
        checkTlsRequirements(tlsGiven, tls);

        AnalysisSettings analysis = policy.optional("analysis")
                .filter(node -> !Nodes.isNull(node))
                .flatMap(this::analysis)
                .orElse(AnalysisSettings.DEFAULT);

        if (!problems.isEmpty() || audit.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Policy(
                version,
                levels,
                roles,
                users,
                backends,
                listeners,
                new Classification(rules),
                audit.get(),
                tls.orElse(null),
                limits,
                analysis,
                admin));
    }

    private Optional<TlsSettings> tls(Node node) {
        Optional<MappingReader> found = MappingReader.read(node, "'tls'", TLS_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();

        Optional<Path> certificate = reader.requiredName("certificate")
                .flatMap(file -> resolve(file, reader.optional("certificate").orElseThrow()));
        Optional<Path> key = reader.requiredName("key")
                .flatMap(file -> resolve(file, reader.optional("key").orElseThrow()));
        Optional<Path> clientCa = reader.optionalName("client_ca")
                .flatMap(file -> resolve(file, reader.optional("client_ca").orElseThrow()));
        boolean requireTls = reader.optionalBoolean("require_tls").orElse(false);
        if (certificate.isEmpty() || key.isEmpty() || (reader.has("client_ca") && clientCa.isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new TlsSettings(certificate.get(), key.get(), clientCa.orElse(null), requireTls));
    }

    /** A role's {@code require_tls} needs the {@code tls} section; a user's client certificate, its {@code client_ca}. */
    private void checkTlsRequirements(boolean tlsGiven, Optional<TlsSettings> tls) {
        if (!tlsGiven) {
            for (Node node : tlsRequirements) {
                problems.add(
                        node,
                        "'require_tls' needs TLS towards clients; add a 'tls' section with the gateway's certificate"
                                + " and key");
            }
        }
        if (tlsGiven && tls.isEmpty()) {
            return;
        }
        boolean clientCaGiven = tls.flatMap(TlsSettings::clientCaFile).isPresent();
        if (!clientCaGiven) {
            for (Node node : clientCertificateRules) {
                problems.add(
                        node,
                        "'client_certificate' needs a CA to verify client certificates with; add 'client_ca' to the"
                                + " 'tls' section");
            }
        }
    }

    private List<Level> levels(Node node) {
        Optional<List<Node>> items = Nodes.sequence(node, "'levels'", problems);
        if (items.isEmpty()) {
            return List.of();
        }
        levelCount = items.get().size();
        if (levelCount == 0) {
            problems.add(node, "at least one level is required");
        }

        Map<Integer, Node> ranks = new HashMap<>();
        Map<String, Node> names = new HashMap<>();
        List<Level> levels = new ArrayList<>();
        for (int i = 0; i < items.get().size(); i++) {
            Optional<MappingReader> reader =
                    MappingReader.read(items.get().get(i), "entry " + (i + 1) + " of 'levels'", LEVEL_KEYS, problems);
            if (reader.isEmpty()) {
                continue;
            }
            Optional<Integer> rank = reader.get().requiredInteger("rank").filter(value -> {
                Node rankNode = reader.get().optional("rank").orElseThrow();
                return checkRank(value, rankNode, ranks);
            });
            Optional<String> name = reader.get().requiredName("name").filter(value -> {
                Node nameNode = reader.get().optional("name").orElseThrow();
                return checkUnique(names, value, nameNode, "duplicate level name " + Nodes.quote(value));
            });
            if (rank.isPresent() && name.isPresent()) {
                levels.add(new Level(rank.get(), name.get()));
            }
        }
        levels.sort(Comparator.comparingInt(Level::rank));
        return levels;
    }

    private boolean checkRank(int rank, Node rankNode, Map<Integer, Node> ranks) {
        if (rank < 1 || rank > levelCount) {
            problems.add(
                    rankNode,
                    "level rank " + rank + " is out of range (expected: 1.." + levelCount + ", each rank once)");
            return false;
        }
        return checkUnique(ranks, rank, rankNode, "duplicate level rank " + rank);
    }

    private Map<String, Role> roles(Node node) {
        Optional<MappingNode> mapping = Nodes.mapping(node, "'roles'", problems);
        if (mapping.isEmpty()) {
            return Map.of();
        }
        rolesReadable = true;

        Map<String, Role> roles = new LinkedHashMap<>();
        MappingReader.entries(mapping.get(), "'roles'", problems).forEach((name, tuple) -> {
            declaredRoles.add(name);
            role(name, tuple.getValueNode()).ifPresent(role -> roles.put(name, role));
        });
        return roles;
    }

    private Optional<Role> role(String name, Node node) {
        String subject = "role " + Nodes.quote(name);
        Optional<MappingReader> found = MappingReader.read(node, subject, ROLE_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();

        Optional<Integer> clearance = reader.requiredInteger("clearance");
        if (clearance.isPresent() && levelCount >= 0 && (clearance.get() < 0 || clearance.get() > levelCount)) {
            problems.add(
                    reader.optional("clearance").orElseThrow(),
                    "clearance " + clearance.get() + " of " + subject + " is out of range (expected: 0.." + levelCount
                            + ")");
        }
        Optional<Set<StatementClass>> statements =
                reader.required("statements").flatMap(value -> statements(value, subject));
        boolean importExport = reader.optionalBoolean("import_export").orElse(false);
        boolean requireTls = reader.optionalBoolean("require_tls").orElse(false);
        if (requireTls) {
            tlsRequirements.add(reader.optional("require_tls").orElseThrow());
        }

        Set<String> routines = reader.optional("routines")
                .map(value -> routines(value, subject))
                .orElse(Set.of());

        if (clearance.isEmpty() || statements.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Role(name, clearance.get(), statements.get(), importExport, requireTls, routines));
    }

    /**
     * The routines a role may call below full clearance: unqualified names, compared without regard to case. A
     * name the database does not define is not a problem here; the catalog is not read when the policy is.
     */
    private Set<String> routines(Node node, String role) {
        Optional<List<Node>> items = Nodes.sequence(node, "'routines' in " + role, problems);
        if (items.isEmpty()) {
            return Set.of();
        }
        Set<String> routines = new LinkedHashSet<>();
        for (Node item : items.get()) {
            Optional<String> name = Nodes.name(item, "a routine in " + role, problems);
            if (name.isEmpty()) {
                continue;
            }
            if (!ROUTINE_NAME.matcher(name.get()).matches()) {
                problems.add(
                        item,
                        "routine " + Nodes.quote(name.get()) + " in " + role
                                + " must be a plain name (letters, digits, _ and $, not starting with a digit)");
                continue;
            }
            if (!routines.add(name.get().toLowerCase(Locale.ROOT))) {
                problems.add(item, "routine " + Nodes.quote(name.get()) + " listed twice in " + role);
            }
        }
        return routines;
    }

    private Optional<Set<StatementClass>> statements(Node node, String role) {
        Optional<List<Node>> items = Nodes.sequence(node, "'statements' in " + role, problems);
        if (items.isEmpty()) {
            return Optional.empty();
        }

        Set<StatementClass> statements = EnumSet.noneOf(StatementClass.class);
        for (Node item : items.get()) {
            Optional<String> name = Nodes.name(item, "a statement class in " + role, problems);
            if (name.isEmpty()) {
                continue;
            }
            if (name.get().equals(StatementClass.IMPORT_EXPORT.policyName())) {
                problems.add(
                        item,
                        "'import_export' is not a statement class (in " + role
                                + "); write 'import_export: true' on the role instead");
                continue;
            }
            StatementClass statementClass = STATEMENT_CLASSES.get(name.get());
            if (statementClass == null) {
                problems.add(
                        item,
                        "unknown statement class " + Nodes.quote(name.get()) + " in " + role + " (classes: "
                                + String.join(", ", STATEMENT_CLASSES.keySet()) + ")");
                continue;
            }
            if (!statements.add(statementClass)) {
                problems.add(item, "statement class " + Nodes.quote(name.get()) + " listed twice in " + role);
            }
        }
        return Optional.of(statements);
    }

    private Map<String, User> users(Node node) {
        Optional<List<Node>> items = Nodes.sequence(node, "'users'", problems);
        if (items.isEmpty()) {
            return Map.of();
        }

        Map<String, Node> names = new HashMap<>();
        Map<String, User> users = new LinkedHashMap<>();
        for (int i = 0; i < items.get().size(); i++) {
            Optional<MappingReader> found =
                    MappingReader.read(items.get().get(i), "entry " + (i + 1) + " of 'users'", USER_KEYS, problems);
            if (found.isEmpty()) {
                continue;
            }
            MappingReader reader = found.get();

            Optional<String> name = reader.requiredName("name");
            boolean unique = name.map(value -> checkUnique(
                            names,
                            value,
                            reader.optional("name").orElseThrow(),
                            "duplicate user " + Nodes.quote(value)))
                    .orElse(false);
            String subject = name.map(value -> "user " + Nodes.quote(value)).orElse("entry " + (i + 1) + " of 'users'");
            Optional<String> role = reader.requiredName("role").filter(value -> checkRole(value, reader, subject));
            boolean enabled = reader.optionalBoolean("enabled").orElse(true);
            Optional<ScramVerifier> verifier = reader.required("password").flatMap(value -> verifier(value, subject));
            boolean nativeGiven = reader.has("mysql_native_password");
            Optional<MySqlNativeVerifier> mysqlNative =
                    reader.optional("mysql_native_password").flatMap(value -> mysqlNative(value, subject));
            boolean certificateGiven = reader.has("client_certificate");
            Optional<ClientCertificate> certificate =
                    reader.optional("client_certificate").flatMap(value -> clientCertificate(value, subject));

            if (unique
                    && role.isPresent()
                    && verifier.isPresent()
                    && (!nativeGiven || mysqlNative.isPresent())
                    && (!certificateGiven || certificate.isPresent())) {
                users.put(
                        name.get(),
                        new User(
                                name.get(),
                                role.get(),
                                enabled,
                                verifier.get(),
                                mysqlNative.orElse(null),
                                certificate.orElse(null)));
            }
        }
        return users;
    }

    private boolean checkRole(String role, MappingReader user, String subject) {
        if (!rolesReadable || declaredRoles.contains(role)) {
            return true;
        }
        String known = declaredRoles.isEmpty() ? "none declared" : String.join(", ", declaredRoles);
        problems.add(
                user.optional("role").orElseThrow(),
                "unknown role " + Nodes.quote(role) + " for " + subject + " (roles: " + known + ")");
        return false;
    }

    private Optional<ScramVerifier> verifier(Node node, String user) {
        // The value is never echoed: a DBA may have written the password itself here.
        if (!(node instanceof ScalarNode scalar) || Nodes.isNull(node)) {
            problems.add(node, "missing password verifier for " + user + ": " + VERIFIER_HINT);
            return Optional.empty();
        }
        try {
            return Optional.of(ScramVerifier.parse(scalar.getValue()));
        } catch (IllegalArgumentException e) {
            problems.add(node, "malformed password verifier for " + user + ": " + VERIFIER_HINT);
            return Optional.empty();
        }
    }

    private Optional<MySqlNativeVerifier> mysqlNative(Node node, String user) {
        // As for SCRAM verifiers, the value is never echoed.
        if (!(node instanceof ScalarNode scalar) || Nodes.isNull(node)) {
            problems.add(node, "missing mysql_native_password verifier for " + user);
            return Optional.empty();
        }
        try {
            return Optional.of(MySqlNativeVerifier.parse(scalar.getValue()));
        } catch (IllegalArgumentException e) {
            problems.add(
                    node,
                    "malformed mysql_native_password verifier for " + user
                            + ": expected '*' and 40 hex digits (create one with 'custos policy hash-password --mysql-native')");
            return Optional.empty();
        }
    }

    /** {@code client_certificate: {cn: NAME}} or {@code client_certificate: {subject: "CN=…,O=…"}}. */
    private Optional<ClientCertificate> clientCertificate(Node node, String user) {
        String subject = "'client_certificate' of " + user;
        Optional<MappingReader> found = MappingReader.read(node, subject, CLIENT_CERTIFICATE_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();
        clientCertificateRules.add(node);
        if (reader.has("cn") == reader.has("subject")) {
            problems.add(
                    node,
                    subject + " needs exactly one of 'cn' or 'subject', found "
                            + (reader.has("cn") ? "both" : "neither"));
            return Optional.empty();
        }
        if (reader.has("cn")) {
            return reader.optionalName("cn").map(cn -> new ClientCertificate(cn, null));
        }
        Optional<String> name = reader.optionalName("subject");
        if (name.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ClientCertificate(null, new X500Principal(name.get())));
        } catch (IllegalArgumentException e) {
            problems.add(
                    reader.optional("subject").orElseThrow(),
                    "'subject' of " + user + " is not a distinguished name (expected, for example: 'CN=bob,O=Example'),"
                            + " found " + Nodes.quote(name.get()));
            return Optional.empty();
        }
    }

    private List<Backend> backends(Node node) {
        Optional<MappingReader> found = MappingReader.read(node, "'backends'", PROTOCOL_KEYS, problems);
        if (found.isEmpty()) {
            return List.of();
        }
        MappingReader reader = found.get();

        declaredBackends = EnumSet.noneOf(Backend.Protocol.class);
        if (reader.keys().isEmpty()) {
            problems.add(node, "at least one backend is required (" + String.join(" or ", PROTOCOL_KEYS) + ")");
        }
        List<Backend> backends = new ArrayList<>();
        for (String key : reader.keys()) {
            Backend.Protocol protocol = protocol(key);
            declaredBackends.add(protocol);
            backend(protocol, reader.optional(key).orElseThrow()).ifPresent(backends::add);
        }
        return backends;
    }

    private Optional<Backend> backend(Backend.Protocol protocol, Node node) {
        String subject = "backend " + Nodes.quote(protocolName(protocol));
        Optional<MappingReader> found = MappingReader.read(node, subject, BACKEND_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();

        Optional<String> host = reader.requiredName("host");
        Optional<Integer> port = reader.requiredInteger("port").filter(value -> checkPort(value, 1, reader, subject));
        Optional<String> database = reader.requiredName("database");
        Optional<String> user = reader.requiredName("user");
        Optional<SecretSource> password = password(reader, subject);
        Optional<BackendTls> tls = reader.optional("tls")
                .map(value -> Nodes.isNull(value) ? Optional.of(BackendTls.DISABLED) : backendTls(value, subject))
                .orElse(Optional.of(BackendTls.DISABLED));

        if (host.isEmpty()
                || port.isEmpty()
                || database.isEmpty()
                || user.isEmpty()
                || password.isEmpty()
                || tls.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(
                new Backend(protocol, host.get(), port.get(), database.get(), user.get(), password.get(), tls.get()));
    }

    /** {@code tls: {mode: verify-full, ca: FILE}}; the mode is verify-full unless given. */
    private Optional<BackendTls> backendTls(Node node, String backend) {
        String subject = "'tls' of " + backend;
        Optional<MappingReader> found = MappingReader.read(node, subject, BACKEND_TLS_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();

        Optional<BackendTls.Mode> mode = reader.optionalName("mode")
                .map(name -> tlsMode(name, reader.optional("mode").orElseThrow(), subject))
                .orElse(Optional.of(BackendTls.Mode.VERIFY_FULL));
        Optional<Path> ca = reader.optionalName("ca")
                .flatMap(file -> resolve(file, reader.optional("ca").orElseThrow()));
        if (mode.isEmpty() || (reader.has("ca") && ca.isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new BackendTls(mode.get(), ca.orElse(null)));
    }

    private Optional<BackendTls.Mode> tlsMode(String name, Node node, String subject) {
        for (BackendTls.Mode mode : BackendTls.Mode.values()) {
            if (mode.policyName().equals(name)) {
                return Optional.of(mode);
            }
        }
        String modes = Arrays.stream(BackendTls.Mode.values())
                .map(BackendTls.Mode::policyName)
                .collect(Collectors.joining(", "));
        problems.add(node, "unknown TLS mode " + Nodes.quote(name) + " in " + subject + " (modes: " + modes + ")");
        return Optional.empty();
    }

    private Optional<SecretSource> password(MappingReader reader, String subject) {
        return secret(reader, subject, "password_env", "password_file", "");
    }

    private Optional<SecretSource> secret(MappingReader reader, String subject, String environmentKey, String fileKey) {
        return secret(reader, subject, environmentKey, fileKey, "");
    }

    /** Exactly one of {@code environmentKey} and {@code fileKey}; a file is resolved against the policy's directory. */
    private Optional<SecretSource> secret(
            MappingReader reader, String subject, String environmentKey, String fileKey, String hint) {
        boolean fromEnvironment = reader.has(environmentKey);
        boolean fromFile = reader.has(fileKey);
        if (fromEnvironment == fromFile) {
            problems.add(
                    reader.node(),
                    subject + " needs exactly one of " + Nodes.quote(environmentKey) + " or " + Nodes.quote(fileKey)
                            + ", found " + (fromEnvironment ? "both" : "neither") + hint);
            return Optional.empty();
        }
        if (fromEnvironment) {
            return reader.optionalName(environmentKey).map(SecretSource.Environment::new);
        }
        return reader.optionalName(fileKey)
                .flatMap(file -> resolve(file, reader.optional(fileKey).orElseThrow()))
                .map(SecretSource.File::new);
    }

    private boolean checkPort(int port, int lowest, MappingReader reader, String subject) {
        if (port >= lowest && port <= MAX_PORT) {
            return true;
        }
        problems.add(
                reader.optional("port").orElseThrow(),
                "port " + port + " of " + subject + " is out of range (expected: " + lowest + ".." + MAX_PORT + ")");
        return false;
    }

    private List<Listener> listeners(Node node) {
        Optional<MappingReader> found = MappingReader.read(node, "'listeners'", PROTOCOL_KEYS, problems);
        if (found.isEmpty()) {
            return List.of();
        }
        MappingReader reader = found.get();

        List<Listener> listeners = new ArrayList<>();
        for (String key : reader.keys()) {
            Backend.Protocol protocol = protocol(key);
            if (declaredBackends != null && !declaredBackends.contains(protocol)) {
                problems.add(
                        reader.keyNode(key).orElseThrow(),
                        "listener " + Nodes.quote(key) + " has no backend " + Nodes.quote(key)
                                + " to relay to; add one under 'backends' or remove the listener");
            }
            listener(protocol, reader.optional(key).orElseThrow()).ifPresent(listeners::add);
        }
        return listeners;
    }

    private Optional<Listener> listener(Backend.Protocol protocol, Node node) {
        String subject = "listener " + Nodes.quote(protocolName(protocol));
        Optional<MappingReader> found = MappingReader.read(node, subject, LISTENER_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();

        Optional<String> host = reader.requiredName("host");
        // Port 0 asks the operating system for a free port, which tests use.
        Optional<Integer> port = reader.requiredInteger("port").filter(value -> checkPort(value, 0, reader, subject));
        if (host.isEmpty() || port.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Listener(protocol, host.get(), port.get()));
    }

    private Optional<AuditSettings> audit(Node node) {
        Optional<MappingReader> found = MappingReader.read(node, "'audit'", AUDIT_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();

        Optional<Path> file = reader.requiredName("file")
                .flatMap(name -> resolve(name, reader.optional("file").orElseThrow()));
        Optional<SecretSource> key = secret(
                reader,
                "'audit'",
                "key_env",
                "key_file",
                " (the key that seals the trail; create one with 'custos audit new-key')");
        AuditSettings.Durability durability =
                reader.optional("durability").flatMap(this::durability).orElse(AuditSettings.DEFAULT_DURABILITY);
        Optional<Integer> flushMillis = bounded(reader, "flush_interval_ms", 1, MAX_FLUSH_INTERVAL_MS);
        Optional<Integer> rotateMegabytes = bounded(reader, "rotate_size_mb", 1, MAX_ROTATE_SIZE_MB);
        boolean rotateDaily = reader.optionalBoolean("rotate_daily").orElse(AuditSettings.DEFAULT_ROTATE_DAILY);
        Optional<AuditSettings.AuditSink> sink =
                reader.optional("sink").filter(value -> !Nodes.isNull(value)).flatMap(this::sink);
        if (file.isEmpty() || key.isEmpty() || (reader.has("sink") && sink.isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new AuditSettings(
                file.get(),
                key.get(),
                durability,
                flushMillis.map(Duration::ofMillis).orElse(AuditSettings.DEFAULT_FLUSH_INTERVAL),
                rotateMegabytes.map(megabytes -> megabytes * 1024L * 1024L).orElse(AuditSettings.DEFAULT_ROTATE_BYTES),
                rotateDaily,
                sink));
    }

    private Optional<AuditSettings.Durability> durability(Node node) {
        Optional<String> name = Nodes.name(node, "'durability' in 'audit'", problems);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        for (AuditSettings.Durability durability : AuditSettings.Durability.values()) {
            if (durability.policyName().equals(name.get())) {
                return Optional.of(durability);
            }
        }
        problems.add(node, "unknown durability " + Nodes.quote(name.get()) + " in 'audit' (expected: strict, relaxed)");
        return Optional.empty();
    }

    /** An optional integer key of {@code reader} within {@code lowest..highest}, reported when outside. */
    private Optional<Integer> bounded(MappingReader reader, String key, int lowest, int highest) {
        return reader.optionalInteger(key).filter(value -> {
            if (value >= lowest && value <= highest) {
                return true;
            }
            problems.add(
                    reader.optional(key).orElseThrow(),
                    reader.label(key) + " is " + value + ", out of range (expected: " + lowest + ".." + highest + ")");
            return false;
        });
    }

    private Optional<AuditSettings.AuditSink> sink(Node node) {
        String subject = "'sink' in 'audit'";
        Optional<MappingReader> found = MappingReader.read(node, subject, SINK_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();

        Optional<String> url = reader.requiredName("url").filter(value -> {
            if (SINK_URL_PREFIXES.stream().anyMatch(value::startsWith)) {
                return true;
            }
            problems.add(
                    reader.optional("url").orElseThrow(),
                    "'url' in " + subject + " must be a JDBC URL starting with " + String.join(", ", SINK_URL_PREFIXES)
                            + ", found " + Nodes.quote(value));
            return false;
        });
        Optional<String> user = reader.requiredName("user");
        Optional<SecretSource> password = secret(reader, subject, "password_env", "password_file", "");
        String table = reader.optionalName("table")
                .filter(value -> {
                    if (SINK_TABLE.matcher(value).matches()) {
                        return true;
                    }
                    problems.add(
                            reader.optional("table").orElseThrow(),
                            "'table' in " + subject + " must be a plain name or schema.name (letters, digits, _),"
                                    + " found " + Nodes.quote(value));
                    return false;
                })
                .orElse(AuditSettings.AuditSink.DEFAULT_TABLE);
        int batchSize = bounded(reader, "batch_size", 1, MAX_SINK_BATCH_SIZE)
                .orElse(AuditSettings.AuditSink.DEFAULT_BATCH_SIZE);
        if (url.isEmpty() || user.isEmpty() || password.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new AuditSettings.AuditSink(url.get(), user.get(), password.get(), table, batchSize));
    }

    private Optional<AnalysisSettings> analysis(Node node) {
        Optional<MappingReader> found = MappingReader.read(node, "'analysis'", ANALYSIS_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();
        AnalysisSettings defaults = AnalysisSettings.DEFAULT;
        Optional<Integer> message = bound(reader, "max_message_length", defaults.maxMessageLength());
        Optional<Integer> length = bound(reader, "max_statement_length", defaults.maxStatementLength());
        Optional<Integer> terms = bound(reader, "max_terms", defaults.maxTerms());
        Optional<Integer> depth = bound(reader, "max_depth", defaults.maxDepth());
        Optional<Integer> setOperations = bound(reader, "max_set_operations", defaults.maxSetOperations());
        Optional<Integer> cacheEntries = bound(reader, "cache_entries", defaults.cacheEntries());
        Optional<Integer> refresh = bound(reader, "catalog_refresh_seconds", defaults.catalogRefreshSeconds());
        if (message.isEmpty()
                || length.isEmpty()
                || terms.isEmpty()
                || depth.isEmpty()
                || setOperations.isEmpty()
                || cacheEntries.isEmpty()
                || refresh.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new AnalysisSettings(
                message.get(),
                length.get(),
                terms.get(),
                depth.get(),
                setOperations.get(),
                cacheEntries.get(),
                refresh.get()));
    }

    /** An optional positive integer setting of 'analysis'; empty when it is given but not valid (reported). */
    private Optional<Integer> bound(MappingReader reader, String key, int defaultValue) {
        Optional<Node> node = reader.optional(key);
        if (node.isEmpty()) {
            return Optional.of(defaultValue);
        }
        Optional<Integer> value = reader.optionalInteger(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get() < 1) {
            problems.add(node.get(), Nodes.quote(key) + " in 'analysis' must be >= 1, found " + value.get());
            return Optional.empty();
        }
        return value;
    }

    private Optional<AdminSettings> admin(Node node) {
        String subject = "'admin'";
        Optional<MappingReader> found = MappingReader.read(node, subject, ADMIN_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();

        Optional<String> host =
                reader.has("host") ? reader.optionalName("host") : Optional.of(AdminSettings.DEFAULT_HOST);
        Optional<Integer> port = reader.requiredInteger("port").filter(value -> checkPort(value, 0, reader, subject));
        Optional<SecretSource> token = secret(reader, subject, "token_env", "token_file");
        if (host.isEmpty() || port.isEmpty() || token.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new AdminSettings(host.get(), port.get(), token.get()));
    }

    private List<ColumnRule> classification(Node node) {
        Optional<List<Node>> items = Nodes.sequence(node, "'classification'", problems);
        if (items.isEmpty()) {
            return List.of();
        }

        Map<String, Node> classified = new HashMap<>();
        List<ColumnRule> rules = new ArrayList<>();
        for (int i = 0; i < items.get().size(); i++) {
            Optional<MappingReader> found = MappingReader.read(
                    items.get().get(i), "entry " + (i + 1) + " of 'classification'", TABLE_KEYS, problems);
            if (found.isEmpty()) {
                continue;
            }
            MappingReader reader = found.get();

            Optional<String> schema = reader.requiredName("schema");
            Optional<String> table = reader.requiredName("table");
            String qualifiedTable = schema.orElse("?") + "." + table.orElse("?");
            Optional<MappingNode> columns = reader.required("columns")
                    .flatMap(value -> Nodes.mapping(value, reader.label("columns"), problems));
            if (columns.isEmpty()) {
                continue;
            }
            if (columns.get().getValue().isEmpty()) {
                problems.add(columns.get(), "no columns listed for table " + Nodes.quote(qualifiedTable));
            }

            for (NodeTuple tuple : columns.get().getValue()) {
                Optional<String> column = Nodes.name(tuple.getKeyNode(), "a column of " + qualifiedTable, problems);
                if (column.isEmpty()) {
                    continue;
                }
                String qualifiedColumn = qualifiedTable + "." + column.get();
                if (!checkUnique(
                        classified,
                        qualifiedColumn,
                        tuple.getKeyNode(),
                        "column " + Nodes.quote(qualifiedColumn) + " is classified twice")) {
                    continue;
                }
                Optional<ColumnRule> rule = column(qualifiedColumn, tuple.getValueNode())
                        .filter(ignored -> schema.isPresent() && table.isPresent())
                        .map(parts -> new ColumnRule(
                                schema.get(), table.get(), column.get(), parts.level(), parts.mask(), parts.filter()));
                rule.ifPresent(rules::add);
            }
        }
        return rules;
    }

    private Optional<ColumnParts> column(String qualifiedColumn, Node node) {
        String subject = "column " + Nodes.quote(qualifiedColumn);
        Optional<MappingReader> found = MappingReader.read(node, subject, COLUMN_KEYS, problems);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        MappingReader reader = found.get();

        Optional<Integer> level = reader.requiredInteger("level").filter(value -> checkLevel(value, reader, subject));
        Optional<Mask> mask = reader.required("mask").flatMap(value -> mask(value, subject));
        Optional<Filter> filter =
                reader.optional("filter").map(value -> filter(value, subject)).orElse(Optional.of(Filter.DENY));
        if (level.isEmpty() || mask.isEmpty() || filter.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ColumnParts(level.get(), mask.get(), filter.get()));
    }

    private boolean checkLevel(int level, MappingReader reader, String subject) {
        if (levelCount < 0 || (level >= 1 && level <= levelCount)) {
            return true;
        }
        String expected = levelCount == 0 ? "no levels are declared" : "expected: 1.." + levelCount;
        problems.add(
                reader.optional("level").orElseThrow(),
                "level " + level + " of " + subject + " is not a declared level (" + expected + ")");
        return false;
    }

    private Optional<Mask> mask(Node node, String column) {
        if (node instanceof ScalarNode scalar && !scalar.getValue().isEmpty()) {
            // The raw text, not the resolved value: a bare `null` names the null mask.
            return maskType(scalar.getValue(), node, column).map(PolicyParser::defaultMask);
        }
        if (!(node instanceof MappingNode mapping)) {
            problems.add(
                    node,
                    "expected a mask name or a mapping for 'mask' in " + column + ", found " + Nodes.describe(node));
            return Optional.empty();
        }

        String subject = "the mask of " + column;
        Optional<NodeTuple> typeEntry = mapping.getValue().stream()
                .filter(tuple -> tuple.getKeyNode() instanceof ScalarNode key
                        && key.getValue().equals("type"))
                .findFirst();
        if (typeEntry.isEmpty()) {
            problems.add(node, "missing key 'type' in " + subject + " (types: " + String.join(", ", MASK_TYPES) + ")");
            return Optional.empty();
        }
        Node typeNode = typeEntry.get().getValueNode();
        if (!(typeNode instanceof ScalarNode typeScalar)
                || typeScalar.getValue().isEmpty()) {
            problems.add(
                    typeNode, "expected a mask type for 'type' in " + subject + ", found " + Nodes.describe(typeNode));
            return Optional.empty();
        }
        Optional<String> type = maskType(typeScalar.getValue(), typeNode, column);
        if (type.isEmpty()) {
            return Optional.empty();
        }
        return MappingReader.read(mapping, subject, maskKeys(type.get()), problems)
                .flatMap(reader -> maskWithParameters(type.get(), reader, subject));
    }

    private Optional<String> maskType(String type, Node node, String column) {
        if (MASK_TYPES.contains(type)) {
            return Optional.of(type);
        }
        problems.add(
                node,
                "unknown mask type " + Nodes.quote(type) + " for " + column + " (types: "
                        + String.join(", ", MASK_TYPES) + ")");
        return Optional.empty();
    }

    private static List<String> maskKeys(String type) {
        return switch (type) {
            case "full" -> List.of("type", "text");
            case "partial" -> List.of("type", "keep_first", "keep_last", "fill");
            default -> List.of("type");
        };
    }

    private static Mask defaultMask(String type) {
        return switch (type) {
            case "full" -> new Mask.Full(DEFAULT_FULL_TEXT);
            case "partial" -> new Mask.Partial(0, 0, DEFAULT_FILL);
            case "email" -> new Mask.Email();
            case "hash" -> new Mask.Hash();
            case "null" -> new Mask.Null();
            default -> throw new IllegalArgumentException("mask type: " + type);
        };
    }

    private Optional<Mask> maskWithParameters(String type, MappingReader reader, String subject) {
        if (type.equals("full")) {
            return Optional.of(new Mask.Full(reader.optionalString("text").orElse(DEFAULT_FULL_TEXT)));
        }
        if (!type.equals("partial")) {
            return Optional.of(defaultMask(type));
        }

        Optional<Integer> keepFirst = nonNegative(reader, "keep_first", subject);
        Optional<Integer> keepLast = nonNegative(reader, "keep_last", subject);
        Optional<String> fill = reader.has("fill")
                ? reader.optionalString("fill").filter(value -> checkFill(value, reader, subject))
                : Optional.of(DEFAULT_FILL);
        if (keepFirst.isEmpty() || keepLast.isEmpty() || fill.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Mask.Partial(keepFirst.get(), keepLast.get(), fill.get()));
    }

    private Optional<Integer> nonNegative(MappingReader reader, String key, String subject) {
        if (!reader.has(key)) {
            return Optional.of(0);
        }
        return reader.optionalInteger(key).filter(value -> {
            if (value >= 0) {
                return true;
            }
            problems.add(
                    reader.optional(key).orElseThrow(),
                    Nodes.quote(key) + " in " + subject + " must be >= 0, found " + value);
            return false;
        });
    }

    private boolean checkFill(String fill, MappingReader reader, String subject) {
        if (fill.codePointCount(0, fill.length()) == 1) {
            return true;
        }
        problems.add(
                reader.optional("fill").orElseThrow(),
                "'fill' in " + subject + " must be one character, found " + Nodes.quote(fill));
        return false;
    }

    private Optional<Filter> filter(Node node, String column) {
        Optional<String> name = Nodes.name(node, "'filter' in " + column, problems);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        for (Filter filter : Filter.values()) {
            if (filter.name().toLowerCase(Locale.ROOT).equals(name.get())) {
                return Optional.of(filter);
            }
        }
        String filters = Arrays.stream(Filter.values())
                .map(filter -> filter.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        problems.add(
                node, "unknown filter " + Nodes.quote(name.get()) + " for " + column + " (filters: " + filters + ")");
        return Optional.empty();
    }

    /** A path from the policy file, relative to the file's directory unless absolute. */
    private Optional<Path> resolve(String path, Node node) {
        try {
            return Optional.of(baseDirectory.resolve(path).normalize());
        } catch (InvalidPathException e) {
            problems.add(node, "invalid path " + Nodes.quote(path) + ": " + e.getReason());
            return Optional.empty();
        }
    }

    /** Records the first occurrence of {@code key}; reports later ones with the line of the first. */
    private <K> boolean checkUnique(Map<K, Node> seen, K key, Node node, String message) {
        Node first = seen.putIfAbsent(key, node);
        if (first == null) {
            return true;
        }
        problems.add(node, message + " (first at line " + Problems.line(first) + ")");
        return false;
    }

    private static Backend.Protocol protocol(String key) {
        return Backend.Protocol.valueOf(key.toUpperCase(Locale.ROOT));
    }

    private static String protocolName(Backend.Protocol protocol) {
        return protocol.name().toLowerCase(Locale.ROOT);
    }

    private record ColumnParts(int level, Mask mask, Filter filter) {}
}
