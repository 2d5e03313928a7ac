package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
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
    private static final Pattern SERVING = Pattern.compile("Serving PostgreSQL clients on 127\\.0\\.0\\.1:(\\d+)");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void run_servesThePolicyFileBackend(@TempDir Path directory) throws Exception {
        TestPostgres database = TestPostgres.get();
        Files.writeString(directory.resolve("backend-password"), database.gatewayPassword() + "\n");
        String policy = GatewayFixture.demoPolicyText()
                .replace("    port: 5432\n", "    port: " + database.port() + "\n")
                .replace(
                        "    host: 127.0.0.1\n    port: " + database.port(),
                        "    host: " + database.host() + "\n    port: " + database.port())
                .replace("    user: custos\n", "    user: " + database.gatewayUser() + "\n")
                .replace("    password_env: CUSTOS_PG_PASSWORD\n", "    password_file: backend-password\n")
                .replace("    port: 15432\n", "    port: 0\n");
        Path policyFile = directory.resolve("policy.yaml");
        Files.writeString(policyFile, policy);

        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Custos.class.getName(),
                        "run",
                        "--config",
                        policyFile.toString())
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            int port = awaitPort(process);

            try (Connection connection = DriverManager.getConnection(
                            "jdbc:postgresql://127.0.0.1:" + port + "/custos_demo", "contractor", Demo.DEMO_PASSWORD);
                    Statement statement = connection.createStatement();
                    ResultSet result = statement.executeQuery("SELECT mobile FROM customer WHERE id = 1")) {
                assertThat(result.next()).isTrue();
                String real = database.data().customer(1).mobile();
                assertThat(result.getString(1)).isEqualTo(real.substring(0, 3) + "****" + real.substring(7));
            }

            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(directory.resolve("custos-audit.jsonl")))
                    .contains("\"user\":\"contractor\"");
        } finally {
            process.destroyForcibly();
        }
    }

    private static int awaitPort(Process process) throws IOException {
        BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            seen.append(line).append('\n');
            Matcher matcher = SERVING.matcher(line);
            if (matcher.find()) {
                return Integer.parseInt(matcher.group(1));
            }
        }
        throw new AssertionError("custos run ended without serving:\n" + seen);
    }
}
