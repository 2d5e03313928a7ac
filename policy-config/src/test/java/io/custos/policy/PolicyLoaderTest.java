package io.custos.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyLoaderTest {
    private static final String SOURCE = "test.yaml";
    private static final Path BASE = Path.of("/etc/custos");
    static final String VERIFIER = "SCRAM-SHA-256$4096:mlLp2xy4qbnu004xeswOBA==$"
            + "m8Ajy2l8P3w5q4ddBYvCAgoAoyzjWcFIOW5C9KNgr/I=:nrm3kLopKudFO4l/ctW06Uhg9/ejeS/EiKP+epMIDns=";

    /** A small valid policy, one section per line, so a case replaces one line and the others keep their numbers. */
    static final String MINIMAL =
            """
            levels: [{rank: 1, name: basic}, {rank: 2, name: property}]
            roles: {clerk: {clearance: 2, statements: [read, insert]}, staff: {clearance: 1, statements: [read]}}
            users: [{name: bob, role: staff, password: "VERIFIER"}]
            backends: {postgresql: {host: localhost, port: 5432, database: demo, user: custos, password_env: PG}}
            listeners: {postgresql: {host: localhost, port: 15432}}
            audit: {file: audit.jsonl, key_env: AUDIT_KEY}
            classification: [{schema: public, table: customer, columns: {name: {level: 1, mask: full}}}]
            """
                    .replace("VERIFIER", VERIFIER);

    /** {@link #MINIMAL} with the line of {@code section} replaced. */
    static String policyWith(String section, String line) {
        return MINIMAL.lines()
                .map(original -> original.startsWith(section + ":") ? line : original)
                .collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    void parse_adminSection_defaultsToLoopback() {
        Policy withoutAdmin = PolicyLoader.parse(MINIMAL, SOURCE, BASE);
        Policy policy = PolicyLoader.parse(MINIMAL + "admin: {port: 9187, token_file: admin-token}\n", SOURCE, BASE);

        assertThat(withoutAdmin.admin()).isEmpty();
        assertThat(policy.admin())
                .hasValue(new AdminSettings("127.0.0.1", 9187, new SecretSource.File(BASE.resolve("admin-token"))));
    }

    @Test
    void parse_adminSectionWithHostAndEnvironmentToken() {
        Policy policy = PolicyLoader.parse(
                MINIMAL + "admin: {host: 0.0.0.0, port: 0, token_env: CUSTOS_ADMIN_TOKEN}\n", SOURCE, BASE);

        assertThat(policy.admin())
                .hasValue(new AdminSettings("0.0.0.0", 0, new SecretSource.Environment("CUSTOS_ADMIN_TOKEN")));
    }

    @ParameterizedTest
    @MethodSource
    void parse_badAdminSection_reportsEveryProblem(String section, List<String> expected) {
        assertThatThrownBy(() -> PolicyLoader.parse(MINIMAL + section + "\n", SOURCE, BASE))
                .isInstanceOfSatisfying(PolicyException.class, e -> assertThat(e.problems())
                        .extracting(Problem::format)
                        .containsExactlyElementsOf(expected));
    }

    static Stream<Arguments> parse_badAdminSection_reportsEveryProblem() {
        return Stream.of(
                arguments(
                        "admin: {port: 70000, token_env: T, token_file: t}",
                        List.of(
                                "test.yaml:8:8: 'admin' needs exactly one of 'token_env' or 'token_file', found both",
                                "test.yaml:8:15: port 70000 of 'admin' is out of range (expected: 0..65535)")),
                arguments(
                        "admin: {host: localhost, tokn: x}",
                        List.of(
                                "test.yaml:8:8: missing key 'port' in 'admin'",
                                "test.yaml:8:8: 'admin' needs exactly one of 'token_env' or 'token_file', found neither",
                                "test.yaml:8:26: unknown key 'tokn' in 'admin' (allowed: host, port, token_env,"
                                        + " token_file)")));
    }

    @Test
    void parse_minimalPolicy() {
        Policy policy = PolicyLoader.parse(MINIMAL, SOURCE, BASE);

        assertThat(policy.levels()).containsExactly(new Level(1, "basic"), new Level(2, "property"));
        assertThat(policy.roles()).containsOnlyKeys("clerk", "staff");
        assertThat(policy.roles().get("clerk").statements())
                .containsExactlyInAnyOrder(StatementClass.READ, StatementClass.INSERT);
        assertThat(policy.roles().get("clerk").importExport()).isFalse();
        assertThat(policy.user("bob")).hasValueSatisfying(user -> {
            assertThat(user.role()).isEqualTo("staff");
            assertThat(user.enabled()).isTrue();
            assertThat(user.verifier().format()).isEqualTo(VERIFIER);
        });
        assertThat(policy.backend(Backend.Protocol.POSTGRESQL)).hasValueSatisfying(backend -> {
            assertThat(backend.host()).isEqualTo("localhost");
            assertThat(backend.port()).isEqualTo(5432);
            assertThat(backend.password()).isEqualTo(new SecretSource.Environment("PG"));
        });
        assertThat(policy.listener(Backend.Protocol.POSTGRESQL))
                .contains(new Listener(Backend.Protocol.POSTGRESQL, "localhost", 15432));
        assertThat(policy.audit().file()).isEqualTo(Path.of("/etc/custos/audit.jsonl"));
        assertThat(policy.classification().rule("public", "customer", "name"))
                .contains(new ColumnRule("public", "customer", "name", 1, new Mask.Full("****"), Filter.DENY));
    }

    @Test
    void parse_auditDefaults() {
        AuditSettings audit = PolicyLoader.parse(MINIMAL, SOURCE, BASE).audit();

        assertThat(audit.key()).isEqualTo(new SecretSource.Environment("AUDIT_KEY"));
        assertThat(audit.durability()).isEqualTo(AuditSettings.Durability.STRICT);
        assertThat(audit.flushInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(audit.rotateBytes()).isEqualTo(100L * 1024 * 1024);
        assertThat(audit.rotateDaily()).isTrue();
        assertThat(audit.sink()).isEmpty();
    }

    @Test
    void parse_auditSettings() {
        String text = policyWith(
                "audit",
                "audit: {file: a.jsonl, key_file: keys/audit.key, durability: relaxed, flush_interval_ms: 50,"
                        + " rotate_size_mb: 8, rotate_daily: false, sink: {url: 'jdbc:mariadb://db:3306/audit',"
                        + " user: collector, password_file: sink-password, table: central.trail, batch_size: 20}}");

        AuditSettings audit = PolicyLoader.parse(text, SOURCE, BASE).audit();

        assertThat(audit.key()).isEqualTo(new SecretSource.File(Path.of("/etc/custos/keys/audit.key")));
        assertThat(audit.durability()).isEqualTo(AuditSettings.Durability.RELAXED);
        assertThat(audit.flushInterval()).isEqualTo(Duration.ofMillis(50));
        assertThat(audit.rotateBytes()).isEqualTo(8L * 1024 * 1024);
        assertThat(audit.rotateDaily()).isFalse();
        assertThat(audit.sink())
                .contains(new AuditSettings.AuditSink(
                        "jdbc:mariadb://db:3306/audit",
                        "collector",
                        new SecretSource.File(Path.of("/etc/custos/sink-password")),
                        "central.trail",
                        20));
    }

    @Test
    void parse_versionIsDigestOfText() throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(MINIMAL.getBytes(StandardCharsets.UTF_8));

        Policy policy = PolicyLoader.parse(MINIMAL, SOURCE, BASE);

        assertThat(policy.version()).isEqualTo(HexFormat.of().formatHex(digest).substring(0, 12));
        assertThat(PolicyLoader.parse(
                                policyWith("audit", "audit: {file: other.jsonl, key_env: AUDIT_KEY}"), SOURCE, BASE)
                        .version())
                .isNotEqualTo(policy.version());
    }

    static Stream<Arguments> badPolicies() {
        return Stream.of(
                arguments(
                        "listeners",
                        "listener: {postgresql: {host: localhost, port: 15432}}",
                        "5:1: unknown key 'listener' in the policy (allowed: levels, roles, users, backends, listeners,"
                                + " audit, admin, classification, tls, limits, analysis)"),
                arguments("levels", "# no levels", "2:1: missing key 'levels' in the policy"),
                arguments(
                        "levels",
                        "levels: [{rank: 1, name: basic}, {rank: 1, name: property}]",
                        "1:41: duplicate level rank 1 (first at line 1)"),
                arguments(
                        "levels",
                        "levels: [{rank: 1, name: basic}, {rank: 3, name: property}]",
                        "1:41: level rank 3 is out of range (expected: 1..2, each rank once)"),
                arguments(
                        "levels",
                        "levels: [{rank: 1, name: basic}, {rank: two, name: property}]",
                        "1:41: expected an integer for 'rank' in entry 2 of 'levels', found 'two'"),
                arguments(
                        "roles",
                        "roles: {clerk: {clearance: 2, statements: [read]}, staff: {clearence: 1, statements: [read]}}",
                        "2:59: missing key 'clearance' in role 'staff'\n"
                                + "test.yaml:2:60: unknown key 'clearence' in role 'staff' (allowed: clearance,"
                                + " statements, import_export, require_tls, routines)"),
                arguments(
                        "roles",
                        "roles: {clerk: {clearance: 2, statements: [read], routines: [month_end, Month_End, a.b]},"
                                + " staff: {clearance: 1, statements: [read]}}",
                        "2:73: routine 'Month_End' listed twice in role 'clerk'\n"
                                + "test.yaml:2:84: routine 'a.b' in role 'clerk' must be a plain name (letters, digits,"
                                + " _ and $, not starting with a digit)"),
                arguments(
                        "roles",
                        "roles: {clerk: {clearance: 3, statements: [read]}, staff: {clearance: 1, statements: [read]}}",
                        "2:28: clearance 3 of role 'clerk' is out of range (expected: 0..2)"),
                arguments(
                        "roles",
                        "roles: {clerk: {clearance: 2, statements: [read]}, staff: {clearance: 1, statements: [selekt]}}",
                        "2:87: unknown statement class 'selekt' in role 'staff' (classes: read, insert, update, delete,"
                                + " ddl, transaction, session, other)"),
                arguments(
                        "roles",
                        "roles: {clerk: {clearance: 2, statements: [read, import_export]}, staff: {clearance: 1,"
                                + " statements: [read]}}",
                        "2:50: 'import_export' is not a statement class (in role 'clerk'); write 'import_export: true'"
                                + " on the role instead"),
                arguments(
                        "roles",
                        "roles: {clerk: {clearance: 2, statements: read}, staff: {clearance: 1, statements: [read]}}",
                        "2:43: expected a list for 'statements' in role 'clerk', found 'read'"),
                arguments(
                        "roles",
                        "roles: {clerk: {clearance: 2, statements: [read]}, staff: {clearance: 1, statements: [read]},"
                                + " clerk: {clearance: 1, statements: [read]}}",
                        "2:95: duplicate key 'clerk' in 'roles' (first at line 2)"),
                arguments(
                        "users",
                        "users: [{name: bob, role: clrk, password: \"" + VERIFIER + "\"}]",
                        "3:27: unknown role 'clrk' for user 'bob' (roles: clerk, staff)"),
                arguments(
                        "users",
                        "users: [{name: bob, role: staff, password: \"" + VERIFIER + "\"}, {name: bob, role: clerk,"
                                + " password: \"" + VERIFIER + "\"}]",
                        "3:189: duplicate user 'bob' (first at line 3)"),
                arguments(
                        "users",
                        "users: [{name: bob, role: staff, password: hunter2}]",
                        "3:44: malformed password verifier for user 'bob': expected"
                                + " 'SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>' (create one with"
                                + " 'custos policy hash-password')"),
                arguments(
                        "users",
                        "users: [{name: bob, role: staff, enabled: yes, password: \"" + VERIFIER + "\"}]",
                        "3:43: expected true or false for 'enabled' in entry 1 of 'users', found 'yes'"),
                arguments(
                        "users",
                        "users: [{name: bob, role: staff}]",
                        "3:9: missing key 'password' in entry 1 of 'users'"),
                arguments(
                        "backends",
                        "backends: {postgresql: {port: 5432, database: demo, user: custos, password_env: PG}}",
                        "4:24: missing key 'host' in backend 'postgresql'"),
                arguments(
                        "backends",
                        "backends: {postgresql: {host: localhost, port: abc, database: demo, user: custos,"
                                + " password_env: PG}}",
                        "4:48: expected an integer for 'port' in backend 'postgresql', found 'abc'"),
                arguments(
                        "backends",
                        "backends: {postgresql: {host: localhost, port: 70000, database: demo, user: custos,"
                                + " password_env: PG}}",
                        "4:48: port 70000 of backend 'postgresql' is out of range (expected: 1..65535)"),
                arguments(
                        "backends",
                        "backends: {postgresql: {host: localhost, port: 5432, database: demo, user: custos,"
                                + " password_env: PG, password_file: pg.txt}}",
                        "4:24: backend 'postgresql' needs exactly one of 'password_env' or 'password_file', found"
                                + " both"),
                arguments(
                        "backends",
                        "backends: {postgresql: {host: localhost, port: 5432, database: demo, user: custos}}",
                        "4:24: backend 'postgresql' needs exactly one of 'password_env' or 'password_file', found"
                                + " neither"),
                arguments(
                        "backends",
                        "backends: {}",
                        "4:11: at least one backend is required (postgresql or mysql)\n"
                                + "test.yaml:5:13: listener 'postgresql' has no backend 'postgresql' to relay to; add"
                                + " one under 'backends' or remove the listener"),
                arguments(
                        "backends",
                        "backends: {oracle: {host: localhost}, postgresql: {host: localhost, port: 5432, database:"
                                + " demo, user: custos, password_env: PG}}",
                        "4:12: unknown key 'oracle' in 'backends' (allowed: postgresql, mysql)"),
                arguments(
                        "listeners",
                        "listeners: {postgresql: {host: localhost, port: 15432}, mysql: {host: localhost, port:"
                                + " 13306}}",
                        "5:57: listener 'mysql' has no backend 'mysql' to relay to; add one under 'backends' or remove"
                                + " the listener"),
                arguments(
                        "audit",
                        "audit: {path: audit.jsonl, key_env: AUDIT_KEY}",
                        "6:8: missing key 'file' in 'audit'\n"
                                + "test.yaml:6:9: unknown key 'path' in 'audit' (allowed: file, key_env, key_file,"
                                + " durability, flush_interval_ms, rotate_size_mb, rotate_daily, sink)"),
                arguments(
                        "audit",
                        "audit: {file: audit.jsonl}",
                        "6:8: 'audit' needs exactly one of 'key_env' or 'key_file', found neither (the key that"
                                + " seals the trail; create one with 'custos audit new-key')"),
                arguments(
                        "audit",
                        "audit: {file: audit.jsonl, key_env: K, durability: fast}",
                        "6:52: unknown durability 'fast' in 'audit' (expected: strict, relaxed)"),
                arguments(
                        "audit",
                        "audit: {file: audit.jsonl, key_env: K, flush_interval_ms: 0}",
                        "6:59: 'flush_interval_ms' in 'audit' is 0, out of range (expected: 1..60000)"),
                arguments(
                        "audit",
                        "audit: {file: audit.jsonl, key_env: K, rotate_daily: yes}",
                        "6:54: expected true or false for 'rotate_daily' in 'audit', found 'yes'"),
                arguments(
                        "audit",
                        "audit: {file: audit.jsonl, key_env: K, sink: {url: 'jdbc:oracle:thin:@x', user: u,"
                                + " password_env: P}}",
                        "6:52: 'url' in 'sink' in 'audit' must be a JDBC URL starting with jdbc:postgresql:,"
                                + " jdbc:mariadb:, jdbc:mysql:, found 'jdbc:oracle:thin:@x'"),
                arguments(
                        "audit",
                        "audit: {file: audit.jsonl, key_env: K, sink: {url: 'jdbc:postgresql://h/db', user: u,"
                                + " password_env: P, table: 'a; drop'}}",
                        "6:111: 'table' in 'sink' in 'audit' must be a plain name or schema.name (letters, digits,"
                                + " _), found 'a; drop'"),
                arguments(
                        "audit", "audit: file: audit.jsonl", "6:12: invalid YAML: mapping values are not allowed here"),
                arguments(
                        "classification",
                        "classification: [{schema: public, table: customer, columns: {name: {level: 3, mask: full}}}]",
                        "7:76: level 3 of column 'public.customer.name' is not a declared level (expected: 1..2)"),
                arguments(
                        "classification",
                        "classification: [{schema: public, table: customer, columns: {name: {level: 1, mask: partal}}}]",
                        "7:85: unknown mask type 'partal' for column 'public.customer.name' (types: full, partial,"
                                + " email, hash, null)"),
                arguments(
                        "classification",
                        "classification: [{schema: public, table: customer, columns: {name: {level: 1, mask: {type:"
                                + " partial, keep_first: -1}}}}]",
                        "7:113: 'keep_first' in the mask of column 'public.customer.name' must be >= 0, found -1"),
                arguments(
                        "classification",
                        "classification: [{schema: public, table: customer, columns: {name: {level: 1, mask: {type:"
                                + " partial, fill: \"**\"}}}}]",
                        "7:107: 'fill' in the mask of column 'public.customer.name' must be one character, found"
                                + " '**'"),
                arguments(
                        "classification",
                        "classification: [{schema: public, table: customer, columns: {name: {level: 1, mask: {type:"
                                + " email, keep_first: 1}}}}]",
                        "7:99: unknown key 'keep_first' in the mask of column 'public.customer.name' (allowed:"
                                + " type)"),
                arguments(
                        "classification",
                        "classification: [{schema: public, table: customer, columns: {name: {level: 1, mask: full,"
                                + " filter: eq}}}]",
                        "7:99: unknown filter 'eq' for column 'public.customer.name' (filters: deny, equality,"
                                + " allow)"),
                arguments(
                        "classification",
                        "classification: [{schema: public, table: customer, columns: {name: {level: 1, mask: full}}},"
                                + " {schema: public, table: customer, columns: {name: {level: 2, mask: full}}}]",
                        "7:138: column 'public.customer.name' is classified twice (first at line 7)"),
                arguments(
                        "classification",
                        "classification: [{schema: public, table: customer, columns: {name: {level: 1, mask: full},"
                                + " name: {level: 2, mask: hash}}}]",
                        "7:92: column 'public.customer.name' is classified twice (first at line 7)"),
                arguments(
                        "classification",
                        "classification: [{schema: public, table: customer, columns: {name: {level: high, mask:"
                                + " full}}}]",
                        "7:76: expected an integer for 'level' in column 'public.customer.name', found 'high'"));
    }

    @ParameterizedTest
    @MethodSource("badPolicies")
    void parse_badPolicy_reportsProblemAtPosition(String section, String line, String expected) {
        String text = policyWith(section, line);

        assertThatThrownBy(() -> PolicyLoader.parse(text, SOURCE, BASE))
                .isInstanceOf(PolicyException.class)
                .hasMessage(SOURCE + ":" + expected);
    }

    @Test
    void parse_plaintextPassword_isNotEchoed() {
        String text = policyWith("users", "users: [{name: bob, role: staff, password: hunter2}]");

        assertThatThrownBy(() -> PolicyLoader.parse(text, SOURCE, BASE))
                .isInstanceOf(PolicyException.class)
                .message()
                .doesNotContain("hunter2");
    }

    @Test
    void parse_severalMistakes_reportsAllInFileOrder() {
        String text =
                """
                levels:
                  - {rank: 1, name: basic}
                roles:
                  staff: {clearance: 2, statements: [read, selekt]}
                users:
                  - {name: bob, role: clrk, password: "VERIFIER"}
                  - {name: bob, role: staff, password: "VERIFIER"}
                backends:
                  postgresql: {host: localhost, port: 0, database: demo, user: custos, password_env: PG}
                audit: {file: audit.jsonl, key_env: AUDIT_KEY}
                classification:
                  - schema: public
                    table: customer
                    columns:
                      mobile: {level: 2, mask: {type: partial, keep_last: -4}, filter: like}
                """
                        .replace("VERIFIER", VERIFIER);

        assertThatThrownBy(() -> PolicyLoader.parse(text, SOURCE, BASE))
                .isInstanceOfSatisfying(PolicyException.class, e -> assertThat(e.problems())
                        .extracting(Problem::format)
                        .containsExactly(
                                "test.yaml:4:22: clearance 2 of role 'staff' is out of range (expected: 0..1)",
                                "test.yaml:4:44: unknown statement class 'selekt' in role 'staff' (classes: read,"
                                        + " insert, update, delete, ddl, transaction, session, other)",
                                "test.yaml:6:23: unknown role 'clrk' for user 'bob' (roles: staff)",
                                "test.yaml:7:12: duplicate user 'bob' (first at line 6)",
                                "test.yaml:9:39: port 0 of backend 'postgresql' is out of range (expected: 1..65535)",
                                "test.yaml:15:23: level 2 of column 'public.customer.mobile' is not a declared level"
                                        + " (expected: 1..1)",
                                "test.yaml:15:59: 'keep_last' in the mask of column 'public.customer.mobile' must be"
                                        + " >= 0, found -4",
                                "test.yaml:15:72: unknown filter 'like' for column 'public.customer.mobile' (filters:"
                                        + " deny, equality, allow)"));
    }

    @Test
    void parse_emptyText_isAProblem() {
        assertThatThrownBy(() -> PolicyLoader.parse("# nothing here\n", SOURCE, BASE))
                .isInstanceOf(PolicyException.class)
                .hasMessage("test.yaml: policy file is empty");
    }

    @Test
    void parse_topLevelList_isAProblem() {
        assertThatThrownBy(() -> PolicyLoader.parse("- levels\n- roles\n", SOURCE, BASE))
                .isInstanceOf(PolicyException.class)
                .hasMessage("test.yaml:1:1: expected a mapping for the policy, found a list");
    }

    @Test
    void parse_controlCharacter_isPositioned() {
        String text = policyWith("audit", "audit: {file: a\u0007b}");

        assertThatThrownBy(() -> PolicyLoader.parse(text, SOURCE, BASE))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("test.yaml:6:16: invalid YAML: ");
    }

    @Test
    void parse_maskShorthandsAndParameters() {
        String text = policyWith(
                "classification",
                """
                classification:
                  - schema: public
                    table: customer
                    columns:
                      a: {level: 1, mask: full}
                      b: {level: 1, mask: {type: full, text: "[hidden]"}}
                      c: {level: 1, mask: partial}
                      d: {level: 1, mask: {type: partial, keep_first: 3, keep_last: 4, fill: "#"}}
                      e: {level: 1, mask: email, filter: allow}
                      f: {level: 2, mask: hash, filter: equality}
                      g: {level: 2, mask: null}
                      h: {level: 2, mask: "null"}
                      i: {level: 2, mask: {type: "null"}}
                """);

        Classification classification = PolicyLoader.parse(text, SOURCE, BASE).classification();

        assertThat(classification.rules()).hasSize(9);
        assertThat(mask(classification, "a")).isEqualTo(new Mask.Full("****"));
        assertThat(mask(classification, "b")).isEqualTo(new Mask.Full("[hidden]"));
        assertThat(mask(classification, "c")).isEqualTo(new Mask.Partial(0, 0, "*"));
        assertThat(mask(classification, "d")).isEqualTo(new Mask.Partial(3, 4, "#"));
        assertThat(mask(classification, "e")).isEqualTo(new Mask.Email());
        assertThat(mask(classification, "f")).isEqualTo(new Mask.Hash());
        assertThat(mask(classification, "g")).isEqualTo(new Mask.Null());
        assertThat(mask(classification, "h")).isEqualTo(new Mask.Null());
        assertThat(mask(classification, "i")).isEqualTo(new Mask.Null());
        assertThat(classification.rule("public", "customer", "e").orElseThrow().filter())
                .isEqualTo(Filter.ALLOW);
        assertThat(classification.rule("public", "customer", "f").orElseThrow().filter())
                .isEqualTo(Filter.EQUALITY);
        assertThat(classification.maxLevel()).isEqualTo(2);
    }

    @Test
    void parse_namesStoredAsWritten() {
        String text = policyWith(
                "classification",
                "classification: [{schema: Sales, table: \"Customer\", columns: {Mobile: {level: 1, mask: hash}}}]");

        Classification classification = PolicyLoader.parse(text, SOURCE, BASE).classification();

        assertThat(classification.rule("Sales", "Customer", "Mobile")).isPresent();
        assertThat(classification.rule("sales", "customer", "mobile")).isEmpty();
    }

    @Test
    void parse_analysisSettings_defaultsForWhatIsLeftOut() {
        Policy given = PolicyLoader.parse(MINIMAL + "analysis: {max_terms: 500, max_depth: 20}\n", SOURCE, BASE);
        Policy absent = PolicyLoader.parse(MINIMAL, SOURCE, BASE);

        assertThat(given.analysis().maxTerms()).isEqualTo(500);
        assertThat(given.analysis().maxDepth()).isEqualTo(20);
        assertThat(given.analysis().maxStatementLength()).isEqualTo(AnalysisSettings.DEFAULT.maxStatementLength());
        assertThat(given.analysis().cacheEntries()).isEqualTo(AnalysisSettings.DEFAULT.cacheEntries());
        assertThat(absent.analysis()).isEqualTo(AnalysisSettings.DEFAULT);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '#',
            value = {
                "analysis: {max_depth: 0}                 # 8:23: 'max_depth' in 'analysis' must be >= 1, found 0",
                "analysis: {max_terms: lots}              # 8:23: expected an integer for 'max_terms' in 'analysis', found 'lots'",
                "analysis: {catalog_refresh_seconds: -5}  # 8:37: 'catalog_refresh_seconds' in 'analysis' must be >= 1, found -5",
                "analysis: {max_trems: 5}                 # 8:12: unknown key 'max_trems' in 'analysis' (allowed: max_message_length, max_statement_length, max_terms, max_depth, max_set_operations, cache_entries, catalog_refresh_seconds)",
                "analysis: [1]                            # 8:11: expected a mapping for 'analysis', found a list",
            })
    void parse_badAnalysisSettings_reportsProblemAtPosition(String line, String expected) {
        assertThatThrownBy(() -> PolicyLoader.parse(MINIMAL + line.strip() + "\n", SOURCE, BASE))
                .isInstanceOf(PolicyException.class)
                .hasMessage(SOURCE + ":" + expected);
    }

    @Test
    void parse_optionalSectionsMayBeLeftOut() {
        String text = policyWith("listeners", "# no listeners").replace("classification:", "# classification:");

        Policy policy = PolicyLoader.parse(text, SOURCE, BASE);

        assertThat(policy.listeners()).isEmpty();
        assertThat(policy.classification().rules()).isEmpty();
    }

    @Test
    void parse_disabledUserAndImportExport() {
        String text = policyWith(
                        "users", "users: [{name: bob, role: clerk, enabled: false, password: \"" + VERIFIER + "\"}]")
                .replace("clerk: {clearance: 2,", "clerk: {import_export: true, clearance: 2,");

        Policy policy = PolicyLoader.parse(text, SOURCE, BASE);

        User bob = policy.user("bob").orElseThrow();
        assertThat(bob.enabled()).isFalse();
        assertThat(policy.role(bob).may(StatementClass.IMPORT_EXPORT)).isTrue();
        assertThat(policy.role(bob).may(StatementClass.UPDATE)).isFalse();
    }

    @Test
    void parse_routinesListedForARole_matchWithoutRegardToCase() {
        String text = MINIMAL.replace(
                "clerk: {clearance: 2, statements: [read, insert]}",
                "clerk: {clearance: 2, statements: [read, insert, other], routines: [Month_End, close_total]}");

        Policy policy = PolicyLoader.parse(text, SOURCE, BASE);

        Role clerk = policy.roles().get("clerk");
        assertThat(clerk.routines()).containsExactlyInAnyOrder("month_end", "close_total");
        assertThat(clerk.mayCall("MONTH_END")).isTrue();
        assertThat(clerk.mayCall("year_end")).isFalse();
        assertThat(policy.roles().get("staff").routines()).isEmpty();
    }

    @Test
    void problem_formatsLikeACompiler() {
        Problem problem = new Problem(
                "demo-policy.yaml", 14, 7, "unknown role 'clrk' for user 'bob' (roles: it_engineer, info_clerk)");

        assertThat(problem.format())
                .isEqualTo(
                        "demo-policy.yaml:14:7: unknown role 'clrk' for user 'bob' (roles: it_engineer, info_clerk)");
        assertThat(Problem.unpositioned("demo-policy.yaml", "policy file is empty")
                        .format())
                .isEqualTo("demo-policy.yaml: policy file is empty");
        assertThat(new PolicyException(List.of(problem, problem)).getMessage())
                .isEqualTo(problem.format() + "\n" + problem.format());
    }

    private static Mask mask(Classification classification, String column) {
        return classification.rule("public", "customer", column).orElseThrow().mask();
    }
}
