package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import io.custos.policy.AuditSettings;
import io.custos.policy.Backend;
import io.custos.policy.Listener;
import io.custos.policy.PolicyHolder;
import io.custos.proxy.CustosGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A gateway of a test's own, over the shared {@link TestPostgres} and {@link TestMariaDb}, started from a policy file
 * in a temporary directory (the demo policy with those databases, free ports and an admin listener), so a test can
 * rewrite and reload the file and call the admin API without disturbing the shared {@link GatewayFixture}.
 */
final class AdminGateway implements AutoCloseable {
    static final String PASSWORD = Demo.DEMO_PASSWORD;

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    final TestPostgres postgres = TestPostgres.get();
    final TestMariaDb mariaDb = TestMariaDb.get();
    final Path directory;
    final Path policyFile;
    final Path auditFile;
    final String token;
    final CustosGateway gateway;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String basePolicy;

    AdminGateway() {
        try {
            directory = Files.createTempDirectory("custos-admin");
            auditFile = directory.resolve("audit.jsonl");
            policyFile = directory.resolve("policy.yaml");
            Path pgPassword = Files.writeString(directory.resolve("pg-password"), postgres.gatewayPassword());
            Path mysqlPassword = Files.writeString(directory.resolve("mysql-password"), mariaDb.gatewayPassword());
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            token = HexFormat.of().formatHex(random);
            Path tokenFile = Files.writeString(directory.resolve("admin-token"), token + "\n");
            Path auditKey = Files.writeString(directory.resolve("audit-key"), Demo.DEMO_AUDIT_KEY);
            basePolicy = PolicyFileText.of(
                    GatewayFixture.demoPolicyText(),
                    List.of(
                            new PolicyFileText.BackendEntry(
                                    Backend.Protocol.POSTGRESQL,
                                    postgres.host(),
                                    postgres.port(),
                                    postgres.database(),
                                    postgres.gatewayUser(),
                                    pgPassword),
                            new PolicyFileText.BackendEntry(
                                    Backend.Protocol.MYSQL,
                                    mariaDb.host(),
                                    mariaDb.port(),
                                    mariaDb.database(),
                                    mariaDb.gatewayUser(),
                                    mysqlPassword)),
                    List.of(
                            new Listener(Backend.Protocol.POSTGRESQL, "127.0.0.1", 0),
                            new Listener(Backend.Protocol.MYSQL, "127.0.0.1", 0)),
                    new PolicyFileText.AuditEntry(auditFile, auditKey, AuditSettings.Durability.STRICT),
                    Optional.empty(),
                    Optional.of(new PolicyFileText.AdminEntry("127.0.0.1", 0, tokenFile)));
            Files.writeString(policyFile, basePolicy);
            gateway = CustosGateway.start(new PolicyHolder(policyFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The policy file the gateway started with. */
    String basePolicy() {
        return basePolicy;
    }

    void writePolicy(String text) throws IOException {
        Files.writeString(policyFile, text);
    }

    Connection connectPostgres(String user) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", PASSWORD);
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + gateway.postgresAddress().getPort() + "/custos_demo", properties);
    }

    Connection connectMySql(String user) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mariadb://127.0.0.1:"
                        + gateway.mysqlAddress().orElseThrow().getPort() + "/custos_demo",
                user,
                PASSWORD);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path, Optional.of(token));
    }

    HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return send("POST", path, Optional.of(token));
    }

    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return send("DELETE", path, Optional.of(token));
    }

    HttpResponse<String> send(String method, String path, Optional<String> bearer)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + gateway.adminAddress().orElseThrow().getPort() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        bearer.ifPresent(value -> request.header("Authorization", "Bearer " + value));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** {@code GET /sessions}: each session's fields as text ({@code null} for a JSON null). */
    List<Map<String, String>> sessions() throws IOException, InterruptedException {
        HttpResponse<String> response = get("/sessions");
        assertThat(response.statusCode()).isEqualTo(200);
        List<Map<String, String>> sessions = new ArrayList<>();
        try (JsonParser parser = new JsonFactory().createParser(response.body())) {
            Map<String, String> current = null;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.START_OBJECT
                        && parser.getParsingContext().getParent().inArray()) {
                    current = new LinkedHashMap<>();
                } else if (token == JsonToken.END_OBJECT && current != null) {
                    sessions.add(current);
                    current = null;
                } else if (current != null && token.isScalarValue()) {
                    current.put(parser.currentName(), token == JsonToken.VALUE_NULL ? null : parser.getText());
                }
            }
        }
        return sessions;
    }

    /** The open session of {@code user} on {@code protocol}; fails unless there is exactly one. */
    Map<String, String> session(String user, String protocol) throws IOException, InterruptedException {
        List<Map<String, String>> matching = sessions().stream()
                .filter(session -> user.equals(session.get("user")) && protocol.equals(session.get("protocol")))
                .toList();
        assertThat(matching).as("sessions of %s on %s", user, protocol).hasSize(1);
        return matching.get(0);
    }

    /** One scrape of {@code /metrics}: each sample's value by its name and labels as written. */
    Map<String, Double> scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : response.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher matcher = SAMPLE.matcher(line);
            assertThat(matcher.matches()).as("sample line %s", line).isTrue();
            List<String> labels = new ArrayList<>();
            if (matcher.group(2) != null) {
                Matcher label = LABEL.matcher(matcher.group(2));
                while (label.find()) {
                    labels.add(label.group(1) + "=" + label.group(2));
                }
            }
            samples.put(key(matcher.group(1), labels), Double.parseDouble(matcher.group(3)));
        }
        return samples;
    }

    /** The key {@link #scrape} gives a sample: {@code name{label=value,...}} with the labels sorted by name. */
    static String sample(String name, String... labelsAndValues) {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < labelsAndValues.length; i += 2) {
            labels.add(labelsAndValues[i] + "=" + labelsAndValues[i + 1]);
        }
        return key(name, labels);
    }

    private static String key(String name, List<String> labels) {
        return labels.isEmpty() ? name : name + labels.stream().sorted().collect(Collectors.joining(",", "{", "}"));
    }

    /** The audit lines matching {@code filter}, polled until at least {@code expected} are there or 10 s pass. */
    List<String> auditLines(Predicate<String> filter, int expected) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(auditFile)
                    ? new ArrayList<>(Files.readAllLines(auditFile, StandardCharsets.UTF_8).stream()
                            .filter(filter)
                            .toList())
                    : List.of();
            if (lines.size() >= expected) {
                return lines;
            }
            Thread.sleep(50);
        }
        return lines;
    }

    /** Polls {@code condition} every 50 ms for up to 10 s; true as soon as it holds. */
    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    @Override
    public void close() {
        gateway.close();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // Only temporary files are left behind.
        }
    }
}
