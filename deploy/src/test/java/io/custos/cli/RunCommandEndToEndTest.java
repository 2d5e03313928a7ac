package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.cli.support.TestMariaDb;
import io.custos.cli.support.TestPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code custos run --config FILE} as an operator runs it: a separate process, a policy file naming an existing
 * PostgreSQL whose password is in a file, stopped with SIGTERM.
 */
class RunCommandEndToEndTest {
    private static final Pattern SERVING =
            Pattern.compile("Serving (PostgreSQL|MySQL) clients on 127\\.0\\.0\\.1:(\\d+)");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void run_servesThePolicyFileBackend(@TempDir Path directory) throws Exception {
        TestPostgres database = TestPostgres.get();
        TestMariaDb mariaDb = TestMariaDb.get();
        Files.writeString(directory.resolve("backend-password"), database.gatewayPassword() + "\n");
        Files.writeString(directory.resolve("mysql-password"), mariaDb.gatewayPassword() + "\n");
        String policy = GatewayFixture.demoPolicyText()
                .replace(
                        """
                          postgresql:
                            host: 127.0.0.1
                            port: 5432
                            database: custos_demo
                            user: custos
                            password_env: CUSTOS_PG_PASSWORD
                        """,
                        """
                          postgresql:
                            host: %s
                            port: %d
                            database: custos_demo
                            user: %s
                            password_file: backend-password
                        """
                                .formatted(database.host(), database.port(), database.gatewayUser()))
                .replace(
                        """
                          mysql:
                            host: 127.0.0.1
                            port: 3306
                            database: custos_demo
                            user: custos_gateway
                            password_env: CUSTOS_MYSQL_PASSWORD
                        """,
                        """
                          mysql:
                            host: %s
                            port: %d
                            database: custos_demo
                            user: %s
                            password_file: mysql-password
                        """
                                .formatted(mariaDb.host(), mariaDb.port(), mariaDb.gatewayUser()))
                .replace("    port: 15432\n", "    port: 0\n")
                .replace("    port: 13306\n", "    port: 0\n");
        assertThat(policy).doesNotContain("password_env: CUSTOS");
        Path policyFile = directory.resolve("policy.yaml");
        Files.writeString(policyFile, policy);

        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Custos.class.getName(),
                        "run",
                        "--config",
                        policyFile.toString())
                .directory(directory.toFile())
                .redirectErrorStream(true);
        builder.environment().put("CUSTOS_AUDIT_KEY", "run-command-test-audit-key-0123456789");
        Process process = builder.start();
        try {
            Output output = new Output(process);
            Map<String, Integer> ports = awaitPorts(output);

            String real = database.data().customer(1).mobile();
            String masked = real.substring(0, 3) + "****" + real.substring(7);
            assertThat(mobileOfCustomer1("jdbc:postgresql://127.0.0.1:" + ports.get("PostgreSQL") + "/custos_demo"))
                    .isEqualTo(masked);
            assertThat(mobileOfCustomer1("jdbc:mariadb://127.0.0.1:" + ports.get("MySQL") + "/custos_demo"))
                    .isEqualTo(masked);

            new ProcessBuilder("kill", "-HUP", Long.toString(process.pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
            // A JVM started with SIGHUP ignored (under nohup, say) inherits that and never sees the signal.
            assertThat(output.await(line -> line.contains("reloaded on SIGHUP")))
                    .as("custos run reloaded on SIGHUP:%n%s", output.seen())
                    .isTrue();

            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS))
                    .as("custos run stopped on SIGTERM:%n%s", output.seen())
                    .isTrue();
            assertThat(Files.readString(directory.resolve("custos-audit.jsonl")))
                    .contains("\"user\":\"contractor\"");
        } finally {
            process.destroyForcibly();
        }
    }

    private static String mobileOfCustomer1(String url) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, "contractor", Demo.DEMO_PASSWORD);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT mobile FROM customer WHERE id = 1")) {
            assertThat(result.next()).isTrue();
            return result.getString(1);
        }
    }

    /** The listeners' ports by protocol, read from what the command prints up to its policy line. */
    private static Map<String, Integer> awaitPorts(Output output) throws InterruptedException {
        Map<String, Integer> ports = new HashMap<>();
        boolean served = output.await(line -> {
            Matcher matcher = SERVING.matcher(line);
            if (matcher.find()) {
                ports.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
            }
            return line.startsWith("Policy ") && ports.size() == 2;
        });
        assertThat(served)
                .as("custos run serving both protocols:%n%s", output.seen())
                .isTrue();
        return ports;
    }

    /** What the process prints, line by line, read on a thread of its own so that a test can wait with a deadline. */
    private static final class Output {
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuffer seen = new StringBuffer();

        Output(Process process) {
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader in = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String line = in.readLine(); line != null; line = in.readLine()) {
                                seen.append(line).append('\n');
                                lines.add(line);
                            }
                        } catch (IOException e) {
                            // The process ended.
                        }
                    },
                    "custos-run-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** Whether a line matching {@code condition} comes within 90 s. */
        boolean await(Predicate<String> condition) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && condition.test(line)) {
                    return true;
                }
            }
            return false;
        }

        String seen() {
            return seen.toString();
        }
    }
}
