package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.policy.ScramVerifier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CustosTest {
    @TempDir
    Path directory;

    @Test
    void help_listsTheCommands() {
        Result result = run("", "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("Usage: custos", "demo", "run", "policy", "--verbose");
    }

    @Test
    void version_namesTheProgram() {
        Result result = run("", "--version");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("custos ");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''|Missing command",
                "--nope|Unknown option: '--nope'",
                "policy|Missing command: validate, explain or hash-password",
                "run|Missing required option: '--config=FILE'",
                "demo --customers many|Invalid value for option '--customers'",
                "demo --customers 0|--customers 0 (expected: > 0)",
                "demo --pg-port 70000|--pg-port 70000 (expected: 0-65535)",
                "demo --admin-port 70000|--admin-port 70000 (expected: 0-65535)",
                "demo --audit-durability fast|--audit-durability 'fast' (expected: strict or relaxed)"
            })
    void usageErrors_exitWithTwo(String arguments, String message) {
        Result result = run("", arguments.isEmpty() ? new String[0] : arguments.split(" "));

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains(message);
    }

    @Test
    void hashPassword_printsAVerifierOfTheStdinPassword() {
        Result result = run("s3cret pass\nignored\n", "policy", "hash-password", "--password-stdin");

        assertThat(result.exitCode()).isZero();
        ScramVerifier verifier = ScramVerifier.parse(result.out().strip());
        ScramVerifier expected = ScramVerifier.create("s3cret pass", verifier.salt(), verifier.iterations());
        assertThat(verifier.storedKey()).isEqualTo(expected.storedKey());
        assertThat(verifier.serverKey()).isEqualTo(expected.serverKey());
    }

    @Test
    void hashPassword_mysqlNativeOnSecondLine() {
        Result result = run("password\n", "policy", "hash-password", "--password-stdin", "--mysql-native");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out().lines()).hasSize(2);
        assertThat(result.out().lines().toList().get(1)).isEqualTo("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
    }

    @Test
    void hashPassword_saltsEachTime() {
        String first =
                run("same\n", "policy", "hash-password", "--password-stdin").out();
        String second =
                run("same\n", "policy", "hash-password", "--password-stdin").out();

        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void hashPassword_rejectsAnEmptyPassword() {
        Result result = run("", "policy", "hash-password", "--password-stdin");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("the password is empty");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void policyCheck_acceptsTheDemoPolicy() throws IOException {
        Path file = directory.resolve("demo-policy.yaml");
        try (InputStream in = CustosTest.class.getResourceAsStream(Demo.POLICY_RESOURCE)) {
            Files.copy(in, file);
        }

        Result result = run("", "policy", "check", file.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).matches("ok \\(version \\S+, 4 users, \\d+ classified columns\\)\\R");
    }

    @Test
    void policyCheck_printsProblemsWithTheirPosition() throws IOException {
        Path file = directory.resolve("broken.yaml");
        Files.writeString(file, "levels: [\n", StandardCharsets.UTF_8);

        Result result = run("", "policy", "check", file.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).containsPattern("broken\\.yaml(:\\d+:\\d+)?: ");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void policyCheck_reportsAMissingFile() {
        Result result =
                run("", "policy", "check", directory.resolve("absent.yaml").toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("absent.yaml");
    }

    @Test
    void run_reportsPolicyProblemsAndExitsWithTwo() {
        Result result =
                run("", "run", "--config", directory.resolve("absent.yaml").toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("absent.yaml");
    }

    @Test
    @Timeout(60) // fails rather than serve forever should the gateway ever start without its backend
    void run_whenTheGatewayCannotStart_printsOneLineAndExitsWithOne() throws IOException {
        Path file = unstartablePolicy();

        Result result = run("", "run", "--config", file.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("custos: ").hasLineCount(1);
    }

    @Test
    @Timeout(60)
    void verbose_addsTheStackTrace() throws IOException {
        Path file = unstartablePolicy();

        Result result = run("", "run", "--config", file.toString(), "--verbose");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("custos: ").contains("\tat ");
    }

    /** The demo policy on a free listener port, with a backend on a closed port and a password nobody sets. */
    private Path unstartablePolicy() throws IOException {
        String text;
        try (InputStream in = CustosTest.class.getResourceAsStream(Demo.POLICY_RESOURCE)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path file = directory.resolve("policy.yaml");
        Files.writeString(
                file,
                text.replace("port: 15432", "port: 0")
                        .replace("port: 5432", "port: 1")
                        .replace("CUSTOS_PG_PASSWORD", "CUSTOS_TEST_VARIABLE_THAT_IS_NEVER_SET"),
                StandardCharsets.UTF_8);
        return file;
    }

    private static Result run(String stdin, String... arguments) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = Custos.execute(
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                arguments);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err) {}
}
