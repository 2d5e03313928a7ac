package io.custos.policy;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/** Where the audit trail goes. */
public record AuditSettings(Path file) {
    public AuditSettings {
        requireNonNull(file, "file is null");
    }
}
