package io.custos.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyHolderTest {
    @TempDir
    Path directory;

    @Test
    void reload_invalidFile_keepsPolicyInForce() throws IOException {
        Path file = Files.writeString(directory.resolve("policy.yaml"), PolicyLoaderTest.MINIMAL);
        PolicyHolder holder = new PolicyHolder(file);
        Policy before = holder.current();
        Files.writeString(file, PolicyLoaderTest.policyWith("audit", "audit: {file: [a, b], key_env: AUDIT_KEY}"));

        List<Problem> problems = holder.reload();

        assertThat(problems)
                .extracting(Problem::format)
                .containsExactly("policy.yaml:6:15: expected a text for 'file' in 'audit', found a list");
        assertThat(holder.current()).isSameAs(before);
    }

    @Test
    void reload_validFile_swapsPolicy() throws IOException {
        Path file = Files.writeString(directory.resolve("policy.yaml"), PolicyLoaderTest.MINIMAL);
        PolicyHolder holder = new PolicyHolder(file);
        Policy before = holder.current();
        Files.writeString(file, PolicyLoaderTest.policyWith("audit", "audit: {file: other.jsonl, key_env: AUDIT_KEY}"));

        List<Problem> problems = holder.reload();

        assertThat(problems).isEmpty();
        assertThat(holder.current().version()).isNotEqualTo(before.version());
        assertThat(holder.current().audit().file()).isEqualTo(directory.resolve("other.jsonl"));
    }

    @Test
    void reload_deletedFile_keepsPolicyInForce() throws IOException {
        Path file = Files.writeString(directory.resolve("policy.yaml"), PolicyLoaderTest.MINIMAL);
        PolicyHolder holder = new PolicyHolder(file);
        Policy before = holder.current();
        Files.delete(file);

        assertThat(holder.reload())
                .extracting(Problem::message)
                .singleElement()
                .asString()
                .contains("does not exist");
        assertThat(holder.current()).isSameAs(before);
    }

    @Test
    void create_invalidFile_throws() throws IOException {
        Path file = Files.writeString(directory.resolve("policy.yaml"), "levels: [\n");

        assertThatThrownBy(() -> new PolicyHolder(file))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("policy.yaml:2:1: invalid YAML: ");
    }
}
