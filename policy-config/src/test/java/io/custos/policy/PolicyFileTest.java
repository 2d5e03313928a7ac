package io.custos.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading from disk: paths relative to the policy file, secrets from files, unreadable files. */
class PolicyFileTest {
    @TempDir
    Path directory;

    @Test
    void load_secretFile_resolvesAgainstPolicyDirectory() throws IOException {
        Files.createDirectories(directory.resolve("secrets"));
        Files.writeString(directory.resolve("secrets/pg.txt"), "synthetic-secret\n");
        Path file = write(PolicyLoaderTest.policyWith(
                "backends",
                "backends: {postgresql: {host: localhost, port: 5432, database: demo, user: custos,"
                        + " password_file: secrets/pg.txt}}"));

        Backend backend =
                PolicyLoader.load(file).backend(Backend.Protocol.POSTGRESQL).orElseThrow();

        assertThat(backend.password()).isEqualTo(new SecretSource.File(directory.resolve("secrets/pg.txt")));
        assertThat(backend.password().read()).isEqualTo("synthetic-secret");
        assertThat(backend.password().describe()).doesNotContain("synthetic-secret");
    }

    @Test
    void load_missingSecretFile_failsOnlyWhenRead() throws IOException {
        Path file = write(PolicyLoaderTest.policyWith(
                "backends",
                "backends: {postgresql: {host: localhost, port: 5432, database: demo, user: custos,"
                        + " password_file: missing.txt}}"));

        SecretSource password = PolicyLoader.load(file)
                .backend(Backend.Protocol.POSTGRESQL)
                .orElseThrow()
                .password();

        assertThatThrownBy(password::read)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("missing.txt");
    }

    @Test
    void load_auditFile_resolvesAgainstPolicyDirectory() throws IOException {
        Path file = write(PolicyLoaderTest.MINIMAL);

        Policy policy = PolicyLoader.load(file);

        assertThat(policy.audit().file()).isEqualTo(directory.resolve("audit.jsonl"));
    }

    @Test
    void load_absoluteAuditFile_keptAsWritten() throws IOException {
        Path file = write(
                PolicyLoaderTest.policyWith("audit", "audit: {file: /var/log/custos/audit.jsonl, key_env: AUDIT_KEY}"));

        assertThat(PolicyLoader.load(file).audit().file()).isEqualTo(Path.of("/var/log/custos/audit.jsonl"));
    }

    @Test
    void load_problemsNameTheFile() throws IOException {
        Path file = write(PolicyLoaderTest.policyWith("audit", "audit: {key_env: AUDIT_KEY}"));

        assertThatThrownBy(() -> PolicyLoader.load(file))
                .isInstanceOf(PolicyException.class)
                .hasMessage("policy.yaml:6:8: missing key 'file' in 'audit'");
    }

    @Test
    void load_missingFile() {
        Path file = directory.resolve("absent.yaml");

        assertThatThrownBy(() -> PolicyLoader.load(file))
                .isInstanceOf(PolicyException.class)
                .hasMessage("absent.yaml: policy file '" + file + "' does not exist");
    }

    @Test
    void load_notUtf8() throws IOException {
        Path file = directory.resolve("policy.yaml");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28});

        assertThatThrownBy(() -> PolicyLoader.load(file))
                .isInstanceOf(PolicyException.class)
                .hasMessage("policy.yaml: policy file is not valid UTF-8");
    }

    @Test
    void load_versionIsDigestOfFileBytes() throws IOException {
        Path file = write(PolicyLoaderTest.MINIMAL);

        assertThat(PolicyLoader.load(file).version())
                .isEqualTo(PolicyLoader.version(Files.readAllBytes(file)))
                .isEqualTo(PolicyLoader.parse(PolicyLoaderTest.MINIMAL, "other", directory)
                        .version());
    }

    private Path write(String text) throws IOException {
        return Files.writeString(directory.resolve("policy.yaml"), text, StandardCharsets.UTF_8);
    }
}
