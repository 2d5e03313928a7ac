package io.custos.cli;

import static io.custos.cli.AdminGateway.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The admin HTTP listener of a running gateway: its token, health, metrics and sessions, on both protocols. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AdminApiEndToEndTest {
    private static final String MASKED_SELECT = "SELECT id, mobile FROM customer WHERE id = 1";
    private static final String PLAIN_SELECT = "SELECT count(*) FROM project";
    private static final String REFUSED_UPDATE = "UPDATE customer SET mobile = '13800000000' WHERE id = 1";

    private static final Pattern METRIC_NAME = Pattern.compile("\\b(?:custos|jvm|process)_[a-z_]+");

    private static AdminGateway gateway;

    @BeforeAll
    static void start() {
        gateway = new AdminGateway();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void request_withoutToken_isUnauthorized() throws Exception {
        for (String path : new String[] {"/metrics", "/healthz", "/readyz", "/sessions", "/policy"}) {
            HttpResponse<String> response = gateway.send("GET", path, Optional.empty());

            assertThat(response.statusCode()).as(path).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"custos\"");
            assertThat(response.body()).doesNotContain("custos_");
        }
    }

    @Test
    void request_withWrongToken_isUnauthorized() throws Exception {
        HttpResponse<String> response = gateway.send("GET", "/metrics", Optional.of(gateway.token.substring(1) + "x"));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"invalid_token\"");
        assertThat(response.body()).doesNotContain("custos_statements");
        assertThat(gateway.send("POST", "/users/staff/disable", Optional.of("x".repeat(32)))
                        .statusCode())
                .isEqualTo(401);
        assertThat(gateway.get("/users/disabled").body()).doesNotContain("staff");
    }

    @Test
    void healthAndReadiness_withToken_reportEachCheck() throws Exception {
        HttpResponse<String> health = gateway.get("/healthz");
        HttpResponse<String> ready = gateway.get("/readyz");

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok\n");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body())
                .contains("\"ready\" : true")
                .contains("\"policy\" : \"ok\"")
                .contains("\"audit\" : \"ok\"")
                .contains("\"backend_postgresql\" : \"ok\"")
                .contains("\"backend_mysql\" : \"ok\"");
    }

    @Test
    void unknownPathAndWrongMethod_areReported() throws Exception {
        assertThat(gateway.get("/nothing").statusCode()).isEqualTo(404);
        HttpResponse<String> wrongMethod = gateway.post("/metrics");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void metrics_afterKnownWorkload_countEachStatementOnce() throws Exception {
        try (Connection postgres = gateway.connectPostgres("contractor");
                Connection mysql = gateway.connectMySql("contractor")) {
            Map<String, Double> before = gateway.scrape();

            workload(postgres);
            workload(mysql);
            failLogin("jdbc:postgresql://127.0.0.1:"
                    + gateway.gateway.postgresAddress().getPort() + "/custos_demo");
            failLogin("jdbc:mariadb://127.0.0.1:"
                    + gateway.gateway.mysqlAddress().orElseThrow().getPort() + "/custos_demo");

            Map<String, Double> after = gateway.scrape();
            for (String protocol : new String[] {"postgresql", "mysql"}) {
                assertThat(delta(before, after, statements(protocol, "read", "rewritten")))
                        .as(protocol)
                        .isEqualTo(2);
                assertThat(delta(before, after, statements(protocol, "read", "allowed")))
                        .as(protocol)
                        .isEqualTo(1);
                assertThat(delta(before, after, statements(protocol, "update", "refused")))
                        .as(protocol)
                        .isEqualTo(1);
                assertThat(delta(
                                before,
                                after,
                                sample("custos_refusals_total", "protocol", protocol, "rule", "role-permission")))
                        .as(protocol)
                        .isEqualTo(1);
                assertThat(delta(before, after, sample("custos_authentication_failures_total", "protocol", protocol)))
                        .as(protocol)
                        .isEqualTo(1);
                assertThat(delta(before, after, sample("custos_connections_total", "protocol", protocol)))
                        .as(protocol)
                        .isEqualTo(1);
                // Four statement messages went through the gate; the three that ran have a duration.
                assertThat(delta(before, after, sample("custos_gateway_added_seconds_count", "protocol", protocol)))
                        .as(protocol)
                        .isEqualTo(4);
                assertThat(delta(
                                before, after, sample("custos_statement_duration_seconds_count", "protocol", protocol)))
                        .as(protocol)
                        .isEqualTo(3);
                // The masked SELECT ran twice: analysed once, then taken from the cache.
                assertThat(delta(before, after, sample("custos_analysis_cache_hits_total", "protocol", protocol)))
                        .as(protocol)
                        .isEqualTo(1);
                assertThat(delta(before, after, sample("custos_analysis_cache_misses_total", "protocol", protocol)))
                        .as(protocol)
                        .isEqualTo(3);
                assertThat(after.get(sample("custos_sessions_open", "protocol", protocol)))
                        .as(protocol)
                        .isEqualTo(1);
                assertThat(after.get(sample("custos_backend_connection_errors_total", "protocol", protocol)))
                        .as(protocol)
                        .isEqualTo(0);
            }
            assertThat(after.get("custos_audit_queue_depth")).isNotNull();
            assertThat(after.get("custos_audit_writable")).isEqualTo(1);
            assertThat(after.get("custos_audit_write_errors_total")).isEqualTo(0);
            assertThat(after.get(sample("custos_audit_write_seconds_count", "operation", "write")))
                    .isGreaterThan(0);
            assertThat(after.get(sample("jvm_memory_bytes_used", "area", "heap")))
                    .isGreaterThan(0);
            assertThat(after).containsKey("process_cpu_seconds_total");
        }

        assertThat(AdminGateway.eventually(() -> openSessions("postgresql") == 0 && openSessions("mysql") == 0))
                .isTrue();
    }

    private static void workload(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (int i = 0; i < 2; i++) {
                try (ResultSet rows = statement.executeQuery(MASKED_SELECT)) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getString(2)).contains("****");
                }
            }
            assertThatThrownBy(() -> statement.executeUpdate(REFUSED_UPDATE))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("custos: role contractor may not run UPDATE");
            try (ResultSet rows = statement.executeQuery(PLAIN_SELECT)) {
                assertThat(rows.next()).isTrue();
            }
        }
    }

    private static void failLogin(String url) {
        assertThatThrownBy(() -> DriverManager.getConnection(url, "contractor", "wrong-password")
                        .close())
                .isInstanceOf(SQLException.class);
    }

    private static String statements(String protocol, String statementClass, String decision) {
        return sample(
                "custos_statements_total",
                "protocol",
                protocol,
                "role",
                "contractor",
                "statement_class",
                statementClass,
                "decision",
                decision);
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String key) {
        assertThat(after).as("scraped samples").containsKey(key);
        return after.get(key) - before.getOrDefault(key, 0.0);
    }

    private static double openSessions(String protocol) {
        try {
            return gateway.scrape().get(sample("custos_sessions_open", "protocol", protocol));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void sessions_listsEachOpenSessionWithItsUserAndStatements() throws Exception {
        try (Connection postgres = gateway.connectPostgres("clerk");
                Connection mysql = gateway.connectMySql("clerk")) {
            workload(postgres, 3);
            workload(mysql, 2);

            Map<String, String> postgresSession = gateway.session("clerk", "postgresql");
            Map<String, String> mysqlSession = gateway.session("clerk", "mysql");

            // Drivers send statements of their own (pgjdbc sets application_name): the count is what was audited.
            assertThat(postgresSession)
                    .containsEntry("role", "info_clerk")
                    .containsEntry("statements", String.valueOf(auditedStatements(postgresSession)))
                    .containsEntry("statement_class", "read");
            assertThat(Integer.parseInt(postgresSession.get("statements"))).isGreaterThanOrEqualTo(3);
            assertThat(Integer.parseInt(mysqlSession.get("statements"))).isGreaterThanOrEqualTo(2);
            assertThat(postgresSession.get("client")).startsWith("127.0.0.1:");
            assertThat(Instant.parse(postgresSession.get("since"))).isBefore(Instant.now());
            assertThat(mysqlSession)
                    .containsEntry("role", "info_clerk")
                    .containsEntry("statements", String.valueOf(auditedStatements(mysqlSession)))
                    .containsEntry("statement_class", "read");
            assertThat(mysqlSession.get("id")).isNotEqualTo(postgresSession.get("id"));
        }
    }

    @Test
    void endSession_endsThatSessionOnly() throws Exception {
        try (Connection ended = gateway.connectPostgres("clerk");
                Connection kept = gateway.connectPostgres("clerk");
                Connection endedMySql = gateway.connectMySql("clerk")) {
            workload(ended, 1);
            List<String> before = ids("clerk", "postgresql");
            assertThat(before).hasSize(2);
            String id = before.get(0);
            String mysqlId = gateway.session("clerk", "mysql").get("id");

            HttpResponse<String> response = gateway.delete("/sessions/" + id);
            HttpResponse<String> mysqlResponse = gateway.delete("/sessions/" + mysqlId);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"id\" : " + id).contains("\"user\" : \"clerk\"");
            assertThat(mysqlResponse.statusCode()).isEqualTo(200);
            assertThat(AdminGateway.eventually(
                            () -> !safeIds("clerk", "postgresql").contains(id)))
                    .isTrue();
            assertThat(safeIds("clerk", "postgresql")).hasSize(1);
            // Sessions are listed by id: the first connection opened is the one ended.
            assertThat(fails(ended)).isTrue();
            assertThat(fails(kept)).isFalse();
            assertThatThrownBy(() -> workload(endedMySql, 1)).isInstanceOf(SQLException.class);
            assertThat(gateway.auditLines(
                            line -> line.contains("\"event\":\"admin\"")
                                    && line.contains("\"normalized\":\"end session " + id + "\""),
                            1))
                    .singleElement()
                    .asString()
                    .contains("\"reason\":\"ended\"")
                    .contains("\"user\":\"clerk\"");
        }
        assertThat(gateway.delete("/sessions/999999").statusCode()).isEqualTo(404);
    }

    @Test
    void disableUser_endsTheirSessionsOnBothProtocolsUntilEnabled() throws Exception {
        try (Connection postgres = gateway.connectPostgres("staff");
                Connection postgresToo = gateway.connectPostgres("staff");
                Connection mysql = gateway.connectMySql("staff");
                Connection other = gateway.connectPostgres("clerk")) {
            workload(postgres, 1);
            Map<String, Double> before = gateway.scrape();

            HttpResponse<String> response = gateway.post("/users/staff/disable");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"enabled\" : false");
            assertThat(response.body()).containsPattern("\"ended_sessions\" : \\[ \\d+, \\d+, \\d+ \\]");
            assertThatThrownBy(() -> workload(postgres, 1))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("custos: user 'staff' has been disabled");
            assertThatThrownBy(() -> workload(postgresToo, 1)).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> workload(mysql, 1))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("custos: user 'staff' has been disabled");
            assertThatThrownBy(() -> gateway.connectPostgres("staff")).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> gateway.connectMySql("staff")).isInstanceOf(SQLException.class);
            workload(other, 1);
            assertThat(gateway.get("/users/disabled").body()).contains("\"staff\"");
            Map<String, Double> after = gateway.scrape();
            assertThat(delta(before, after, sample("custos_authentication_failures_total", "protocol", "postgresql")))
                    .isEqualTo(1);
            assertThat(delta(before, after, sample("custos_authentication_failures_total", "protocol", "mysql")))
                    .isEqualTo(1);
            assertThat(delta(before, after, sample("custos_admin_actions_total", "action", "disable_user")))
                    .isEqualTo(1);
        }

        assertThat(gateway.post("/users/staff/enable").statusCode()).isEqualTo(200);

        try (Connection postgres = gateway.connectPostgres("staff");
                Connection mysql = gateway.connectMySql("staff")) {
            workload(postgres, 1);
            workload(mysql, 1);
        }
        assertThat(gateway.get("/users/disabled").body()).doesNotContain("staff");
        assertThat(gateway.auditLines(line -> line.contains("\"event\":\"admin\"") && line.contains("user staff"), 2))
                .hasSize(2)
                .anySatisfy(line -> assertThat(line)
                        .contains("\"normalized\":\"disable user staff\"")
                        .contains("3 session(s) ended"))
                .anySatisfy(line -> assertThat(line).contains("\"normalized\":\"enable user staff\""));
    }

    @Test
    void disableUser_unknownUser_isNotFound() throws Exception {
        HttpResponse<String> response = gateway.post("/users/nobody/disable");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("no user 'nobody' in the policy");
    }

    @Test
    void grafanaDashboard_showsEveryGatewayMetricAndQueriesNoOther() throws Exception {
        try (Connection postgres = gateway.connectPostgres("contractor");
                Statement statement = postgres.createStatement()) {
            // Counters labelled by role and rule show from their first statement on; other texts than the metrics
            // test's, whose cache counts start cold.
            assertThatThrownBy(() -> statement.executeUpdate("DELETE FROM project WHERE id < 0"))
                    .isInstanceOf(SQLException.class);
        }
        Set<String> exported = gateway.scrape().keySet().stream()
                .map(key -> key.contains("{") ? key.substring(0, key.indexOf('{')) : key)
                .collect(Collectors.toSet());
        Set<String> queried = new TreeSet<>();
        try (JsonParser parser =
                new JsonFactory().createParser(Path.of("grafana", "custos.json").toFile())) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.VALUE_STRING && "expr".equals(parser.currentName())) {
                    Matcher metric = METRIC_NAME.matcher(parser.getText());
                    while (metric.find()) {
                        queried.add(metric.group());
                    }
                }
            }
        }

        assertThat(exported).containsAll(queried);
        Set<String> shown = queried.stream().map(AdminApiEndToEndTest::family).collect(Collectors.toSet());
        assertThat(shown)
                .containsAll(exported.stream()
                        .filter(name -> name.startsWith("custos_") && !name.endsWith("_created"))
                        .map(AdminApiEndToEndTest::family)
                        .toList());
    }

    /** A metric family's name: a histogram's or summary's series share it. */
    private static String family(String series) {
        return series.replaceFirst("_(bucket|sum|count)$", "");
    }

    /** The statements the trail holds for {@code session}, once it holds as many as the session counted. */
    private static int auditedStatements(Map<String, String> session) throws Exception {
        String id = "\"session_id\":" + session.get("id") + ",";
        int counted = Integer.parseInt(session.get("statements"));
        return gateway.auditLines(line -> line.contains(id) && line.contains("\"event\":\"statement\""), counted)
                .size();
    }

    /** {@code count} reads of a table without classified columns. */
    private static void workload(Connection connection, int count) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (int i = 0; i < count; i++) {
                try (ResultSet rows = statement.executeQuery(PLAIN_SELECT)) {
                    assertThat(rows.next()).isTrue();
                }
            }
        }
    }

    private static boolean fails(Connection connection) {
        try {
            workload(connection, 1);
            return false;
        } catch (SQLException e) {
            return true;
        }
    }

    private static List<String> ids(String user, String protocol) throws Exception {
        return gateway.sessions().stream()
                .filter(session -> user.equals(session.get("user")) && protocol.equals(session.get("protocol")))
                .map(session -> session.get("id"))
                .toList();
    }

    private static List<String> safeIds(String user, String protocol) {
        try {
            return ids(user, protocol);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
